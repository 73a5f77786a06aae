/**
 * `safecall status`: what the store holds, read without the lock (safe while the server runs: every write
 * is an atomic rename, so a read sees a whole file). Counts only; no names or content. With the settings
 * file (`--settings`, else SAFECALL_SETTINGS), also whether incident alerts can reach the DPO, and what to
 * fix if not (the same words as /healthz).
 */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli.js';
import { openServerStoreForReading, serverDataDir } from './data-dir.js';
import { describeInstances, instancesOf } from '../settings-fingerprint.js';
import { loadSettings } from '../config.js';
import { loadContent } from '../content/load.js';
import { alertRouteHealth, type AlertRouteHealth } from '../alert-route.js';

export const command: CliCommand = {
  summary: 'What the data store holds (read-only, safe while the server runs)',
  usage: 'status [--data-dir DIR] [--settings FILE] [--json]',
  async run(args) {
    let opts: { 'data-dir'?: string; settings?: string; json?: boolean };
    try {
      opts = parseArgs({ args, options: { 'data-dir': { type: 'string' }, settings: { type: 'string' }, json: { type: 'boolean' } } }).values;
    } catch (err) {
      console.error(`safecall status: ${(err as Error).message}`);
      return 2;
    }
    let dir: string;
    let store;
    try {
      store = await openServerStoreForReading(opts['data-dir']);
      dir = store.info.kind === 'postgres' ? `PostgreSQL at ${store.info.where}` : serverDataDir(opts['data-dir']);
    } catch (err) {
      console.error(`safecall status: ${(err as Error).message}`);
      return 1;
    }
    try {
      const [users, conversations, dialogs, requests, reports, deliveries, timers] = await Promise.all([
        store.users.list(),
        store.conversations.list(),
        store.dialogs.list(),
        store.requests.list(),
        store.reports.list(),
        store.deliveries.list(),
        store.timers.list(),
      ]);
      // Running instances and their settings' fingerprints (src/settings-fingerprint.ts).
      const { instances, leader } = await instancesOf(store, new Date());
      const fingerprints = new Set(instances.map((i) => i.settings.fingerprint));
      const settingsFile = opts.settings ?? process.env.SAFECALL_SETTINGS;
      // Without a settings file, the settings' defaults: no DPO named, which is what the server would run with.
      let alerts: AlertRouteHealth;
      try {
        alerts = await alertRouteHealth(store, loadSettings(settingsFile), loadContent().strings);
      } catch (err) {
        alerts = { ok: false, problems: [{ problem: `The settings could not be read: ${(err as Error).message.split('\n')[0]}`, fix: 'Run npm start to see every problem in the settings file.' }] };
      }
      const outbox: Record<string, number> = {};
      for (const d of deliveries) outbox[d.status] = (outbox[d.status] ?? 0) + 1;
      const by = <T extends { platform: string }>(xs: T[]) => ({ slack: xs.filter((x) => x.platform === 'slack').length, teams: xs.filter((x) => x.platform === 'teams').length });
      const figures = {
        dataDir: dir,
        people: by(users),
        conversations: by(conversations),
        dialogsInProgress: dialogs.length,
        pendingRequests: requests.length,
        reports: { open: reports.filter((r) => r.status !== 'closed').length, closed: reports.filter((r) => r.status === 'closed').length },
        outbox,
        timers: timers.length,
        instances: { running: instances.length, leader, sameSettings: fingerprints.size <= 1, settings: instances.map((i) => ({ owner: i.owner, fingerprint: i.settings.fingerprint })) },
        incidentAlerts: alerts,
      };
      if (opts.json) console.log(JSON.stringify(figures, null, 2));
      else
        console.log(
          [
            `${store.info.kind === 'postgres' ? 'Database' : 'Data directory'}: ${dir}`,
            `People the bot has met: ${figures.people.slack} on Slack, ${figures.people.teams} on Teams`,
            `Conversations: ${figures.conversations.slack} on Slack, ${figures.conversations.teams} on Teams`,
            `Dialogs in progress: ${figures.dialogsInProgress}`,
            `Incident reports: ${figures.reports.open} open, ${figures.reports.closed} closed`,
            ...(alerts.ok ? ['Incident alerts: the route to the DPO has no known problem'] : alerts.problems.map((p) => `Incident alerts: PROBLEM: ${p.problem} ${p.fix}`)),
            `Messages in the outbox: ${Object.entries(outbox).map(([status, n]) => `${n} ${status}`).join(', ') || 'none'}`,
            `Timers set (deadlines, snoozes, "remind me before my call"): ${figures.timers}`,
            ...(requests.length ? [`Older "remind me" requests, made timers at the next start: ${requests.length}`] : []),
            instances.length === 0
              ? 'Instances running: none'
              : fingerprints.size <= 1
                ? `Instances running: ${instances.length}, all with the same settings (${describeInstances(instances, leader)})`
                : `Instances running: ${instances.length}, and their SETTINGS DIFFER: ${describeInstances(instances, leader)}. Reminders and alerts follow the leader's; give every instance the same settings file.`,
          ].join('\n'),
        );
      return 0;
    } finally {
      await store.close();
    }
  },
};
