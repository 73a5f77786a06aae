/**
 * The running server's scheduler (src/core/schedule/runner.ts): the platforms' Messengers, the pacing from
 * the settings (`sending:`), and node-cron ticking on `reminders.tick`. main.ts starts it after the
 * server listens (one catch-up tick at once) and stops it before the store closes.
 */
import { hostname } from 'node:os';
import cron from 'node-cron';
import type { Env, Settings } from './config.js';
import { teamsMode } from './config.js';
import type { Platform } from './core/conversation.js';
import { userKey, type Clock, type Log, type Store } from './core/ports.js';
import type { Sealer } from './core/sealer.js';
import type { Strings } from './core/strings.js';
import { createScheduler, type Scheduler, type SchedulerLimits } from './core/schedule/runner.js';
import type { Messenger, SchedulePolicy } from './core/schedule/types.js';
import { slackMessenger } from './slack/messenger.js';
import { lazyTeamsMessenger } from './teams/lazy-messenger.js';

/**
 * `perSecond` as a rolling window of at least 20 ms (timers are too coarse for finer ones): 5/s is one
 * per 200 ms, 100/s two per 20 ms (before the headroom).
 */
export function evenly(perSecond: number): { global: number; globalIntervalMs: number } {
  const rate = perSecond * HEADROOM;
  const global = Math.max(1, Math.floor(rate / 50));
  return { global, globalIntervalMs: (1000 * global) / rate };
}

/**
 * Sends are paced a little under the limit: a call's way to the far side (store read, rendering, the HTTP
 * client) varies by milliseconds, so calls paced exactly at the limit sometimes arrive just over it, and
 * each 429 then costs a whole Retry-After (at least a second) for the platform. 5% under measured best in
 * bench/fanout.ts (at 2% the far side still answered some 429s).
 */
export const HEADROOM = 0.95;

/** The settings' `sending:` block as the runner's limits. */
export function schedulerLimits(s: Settings['sending']): Partial<SchedulerLimits> {
  return {
    leaseMs: s.leaseSeconds * 1000,
    maxAttempts: s.maxAttempts,
    backoffMs: s.backoffSeconds * 1000,
    maxBackoffMs: s.maxBackoffMinutes * 60_000,
    rate: {
      // Platform-wide sends are spaced evenly (one per 1/rate) rather than let through in bursts of a
      // minute's worth: the far side's window is not documented, and even spacing fits any window.
      slack: { perKey: s.slack.perChannelPerSecond, perKeyIntervalMs: 1000, ...evenly(s.slack.perWorkspacePerMinute / 60) },
      teams: { perKey: s.teams.perConversationPerSecond, perKeyIntervalMs: 1000, ...evenly(s.teams.perTenantPerSecond) },
    },
  };
}

export interface SchedulingOptions {
  env: Env;
  settings: Settings;
  store: Store;
  clock: Clock;
  log: Log;
  strings: Strings;
  policies: SchedulePolicy[];
  sealer?: Sealer;
  mayCall?: (serviceUrl: string | undefined) => boolean;
}

export interface Scheduling {
  scheduler: Scheduler;
  /** Reconciles what a crash left `sending`, runs one catch-up tick, then ticks on `reminders.tick`. */
  start(): void;
  stop(): Promise<void>;
}

export function createScheduling(o: SchedulingOptions): Scheduling {
  const { env, settings, store, log } = o;
  const messengers: Partial<Record<Platform, Messenger>> = {};
  if (env.SLACK_BOT_TOKEN) {
    messengers.slack = slackMessenger({
      token: env.SLACK_BOT_TOKEN,
      slackApiUrl: env.SLACK_API_URL,
      log,
      knownDm: async (userId) => (await store.users.get(userKey('slack', userId)))?.dmConversationId,
    });
  }
  if (teamsMode(env) !== 'off') {
    messengers.teams = lazyTeamsMessenger({ env, store, log, strings: o.strings, timezone: settings.school.timezone, mayCall: o.mayCall });
  }
  const scheduler = createScheduler({
    store,
    clock: o.clock,
    log,
    policies: o.policies,
    messengers,
    limits: schedulerLimits(settings.sending),
    owner: `${hostname()}:${process.pid}`,
    sealer: o.sealer,
    wake: true,
  });
  let task: ReturnType<typeof cron.schedule> | undefined;
  let stopped = false;
  const tick = (why: string) =>
    scheduler
      .tick()
      .then((s) => {
        const sent = Object.values(s.flushed).reduce((a, b) => a + (b ?? 0), 0);
        if (s.timers > 0 || sent > 0) log.info({ why, timers: s.timers, ...s.flushed }, 'scheduler: tick');
      })
      .catch((err: Error) => log.error({ why, err: err.message }, 'scheduler: a tick failed; the next one tries again'));
  return {
    scheduler,
    start() {
      // The embedded store has one writer (this process), so whatever is `sending` now was cut short by a
      // crash: reconcile it at once rather than after the lease.
      void scheduler
        .reconcile(0)
        .catch((err: Error) => log.error({ err: err.message }, 'scheduler: reconcile at start failed'))
        .then(() => (stopped ? undefined : tick('start')));
      task = cron.schedule(settings.reminders.tick, () => void tick('cron'), { noOverlap: true, name: 'safecall-scheduler' });
    },
    async stop() {
      stopped = true;
      await task?.stop();
      await task?.destroy();
      await scheduler.stop();
    },
  };
}
