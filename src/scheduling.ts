/**
 * The running server's scheduler (src/core/schedule/runner.ts): the platforms' Messengers, the pacing from
 * the settings (`sending:`), and node-cron ticking on `reminders.tick`. main.ts starts it after the
 * server listens (one catch-up tick at once) and stops it before the store closes.
 *
 * One scheduler per cluster: every instance ticks, but only the leader (a lease in `store.locks`,
 * src/core/schedule/leadership.ts) does the work. A heartbeat every third of the lease renews it; on a
 * follower it tries to take over, so a dead leader is replaced within the lease plus one heartbeat
 * (defaults: 30 s + 10 s), and the new leader runs a catch-up tick at once. A stopping instance resigns,
 * so a rolling upgrade hands over at the next heartbeat. One process on lowdb simply always leads.
 */
import { hostname } from 'node:os';
import cron from 'node-cron';
import type { Env, Settings } from './config.js';
import { teamsMode } from './config.js';
import type { Platform } from './core/conversation.js';
import { isStoreUnavailable, userKey, type Clock, type Log, type Store } from './core/ports.js';
import type { Sealer } from './core/sealer.js';
import type { Strings } from './core/strings.js';
import { createScheduler, type Scheduler, type SchedulerLimits } from './core/schedule/runner.js';
import { createLeadership, type LeaseLeadership } from './core/schedule/leadership.js';
import type { Messenger, Outbox, SchedulePolicy } from './core/schedule/types.js';
import { slackMessenger } from './slack/messenger.js';
import { lazyTeamsMessenger } from './teams/lazy-messenger.js';
import type { TeamsAuth } from './teams/adapter.js';

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
  /** Where Teams tokens come from (see TeamsAuth in src/teams/adapter.ts); Microsoft's public cloud without it. */
  teamsAuth?: TeamsAuth;
  /**
   * The bot's outbox: what a turn queues is sent at once, by the leader. With `store.signals` (PostgreSQL)
   * every instance is told, so an alert queued on a follower does not wait for the next tick.
   */
  outbox?: Outbox;
  /** This instance's name in leases; default host:pid. */
  owner?: string;
  /** The platforms' far side, instead of the ones the environment configures (tests). */
  messengers?: Partial<Record<Platform, Messenger>>;
  /** Heartbeat interval; default a third of `sending.leaderSeconds`. */
  heartbeatMs?: number;
}

/** The lock the cluster's scheduler leadership is held under, and the signal topic for "the outbox has work". */
export const LEADER_LOCK = 'scheduler';
export const OUTBOX_TOPIC = 'outbox';

export interface Scheduling {
  scheduler: Scheduler;
  leadership: LeaseLeadership;
  /**
   * Reconciles what a crash left `sending` (not on a shared store), takes leadership if free and then runs
   * one catch-up tick, then ticks on `reminders.tick`. Resolves when that first round is done.
   */
  start(): Promise<void>;
  /** Stops ticking, lets the work in progress finish, then resigns leadership. */
  stop(): Promise<void>;
}

export function createScheduling(o: SchedulingOptions): Scheduling {
  const { env, settings, store, log } = o;
  const messengers: Partial<Record<Platform, Messenger>> = { ...o.messengers };
  if (env.SLACK_BOT_TOKEN && !o.messengers) {
    messengers.slack = slackMessenger({
      token: env.SLACK_BOT_TOKEN,
      slackApiUrl: env.SLACK_API_URL,
      log,
      knownDm: async (userId) => (await store.users.get(userKey('slack', userId)))?.dmConversationId,
    });
  }
  if (teamsMode(env) !== 'off' && !o.messengers) {
    messengers.teams = lazyTeamsMessenger({ env, store, log, strings: o.strings, timezone: settings.school.timezone, mayCall: o.mayCall, auth: o.teamsAuth });
  }
  const owner = o.owner ?? `${hostname()}:${process.pid}`;
  const leadership = createLeadership({ locks: store.locks, name: LEADER_LOCK, owner, clock: o.clock, leaseMs: settings.sending.leaderSeconds * 1000, log });
  const heartbeatMs = o.heartbeatMs ?? leadership.leaseMs / 3;
  const scheduler = createScheduler({
    store,
    clock: o.clock,
    log,
    policies: o.policies,
    messengers,
    limits: schedulerLimits(settings.sending),
    owner,
    sealer: o.sealer,
    wake: true,
    leadership,
  });
  let task: ReturnType<typeof cron.schedule> | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let afterLeases: NodeJS.Timeout | undefined;
  let stopped = false;
  let ledAtLastBeat = false;
  let started = false;
  // While the database is away the store has logged it once ("PostgreSQL unreachable"); each tick, beat and
  // signal that fails for that reason meanwhile is logged at debug, not once a minute (or every beat) at error.
  const failure = (level: 'warn' | 'error', obj: object, msg: string) => (err: Error) =>
    log[isStoreUnavailable(err) ? 'debug' : level]({ ...obj, err: err?.message }, msg);
  const tick = (why: string) =>
    scheduler
      .tick()
      .then((s) => {
        const sent = Object.values(s.flushed).reduce((a, b) => a + (b ?? 0), 0);
        if (s.timers > 0 || sent > 0) log.info({ why, timers: s.timers, ...s.flushed }, 'scheduler: tick');
      })
      .catch(failure('error', { why }, 'scheduler: a tick failed; the next one tries again'));
  /** Renews the lease, or takes it over from a leader that stopped renewing; a new leader catches up at once. */
  const beat = async (): Promise<void> => {
    const leads = await leadership.lead();
    // Compared with the last beat, not with the last call: a flush may have been the call that took over.
    const catchUp = leads && !ledAtLastBeat && !stopped;
    ledAtLastBeat = leads;
    if (catchUp) {
      // What a dead leader had claimed (and left `sending`) is free once its leases lapse: look again then,
      // rather than at the next cron tick, which may be a long way off. The embedded store too: its start
      // settles `sending` at once, but a delivery the crashed run had claimed and not yet sent (a DPO alert
      // waiting for its channel's pace) stays `queued` under that run's lease, and no wake-up is planned for
      // a lease.
      clearTimeout(afterLeases);
      afterLeases = setTimeout(() => void (stopped ? undefined : tick('takeover')), settings.sending.leaseSeconds * 1000 + 250);
      afterLeases.unref();
    }
    if (catchUp) await tick(started ? 'leader' : 'start');
    started = true;
  };

  // Every instance wakes its own scheduler; on a follower that costs one look at the lock and sends nothing.
  const nudge = () => scheduler.nudge();
  const signals = store.signals;
  const stopAdded = o.outbox?.onAdded?.(() => {
    nudge();
    signals?.publish(OUTBOX_TOPIC).catch(failure('warn', {}, 'scheduler: could not tell the other instances about new work; the next tick sends it'));
  });
  const stopSignal = o.outbox && signals ? signals.subscribe(OUTBOX_TOPIC, nudge) : undefined;

  return {
    scheduler,
    leadership,
    start() {
      const first = (async () => {
        if (!store.info.shared) {
          // The embedded store has one writer (this process): a leadership lock or a `sending` delivery
          // left now is a crashed run's, so both are taken over at once rather than after their leases.
          // A shared store waits for the leases instead: the normal tick reconciles what is older.
          await store.locks.delete(LEADER_LOCK);
          await scheduler.reconcile(0);
        }
      })()
        .catch((err: Error) => log.error({ err: err.message }, 'scheduler: reconcile at start failed'))
        // The first beat takes leadership if it is free, and the new leader's catch-up tick is the start tick.
        .then(() => (stopped ? undefined : beat()))
        .catch((err: Error) => log.error({ err: err.message }, 'scheduler: taking leadership at start failed'));
      heartbeat = setInterval(() => void beat().catch(failure('error', {}, 'scheduler: a heartbeat failed')), heartbeatMs);
      heartbeat.unref();
      task = cron.schedule(settings.reminders.tick, () => void tick('cron'), { noOverlap: true, name: 'safecall-scheduler' });
      return first;
    },
    async stop() {
      stopped = true;
      clearInterval(heartbeat);
      clearTimeout(afterLeases);
      stopAdded?.();
      stopSignal?.();
      await task?.stop();
      await task?.destroy();
      await scheduler.stop();
      // After the work in progress: a successor takes over at its next heartbeat instead of after the lease.
      await leadership.resign().catch((err: Error) => log.warn({ err: err.message }, 'scheduler: could not resign leadership; it lapses by itself'));
    },
  };
}
