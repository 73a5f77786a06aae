/**
 * Several instances on one database must run the same settings: only the leader sends reminders and alerts,
 * with its own settings, so an instance started with another file would silently be overruled. Each instance
 * publishes a fingerprint of its settings (a hash of the parsed settings, key order and file layout aside)
 * in the store, beside the scheduler's lease (`store.locks`, records `settings:<owner>` that lapse by
 * themselves), checks it again every `intervalMs` (so it follows the settings file reloaded while running:
 * src/settings-reload.ts) and compares it with the leader's (the leader with everyone's).
 *
 * A difference is reported (a warning in the log, at start and whenever who differs changes, and in /healthz
 * and `safecall status`) once it has lasted: while either side's settings file changed within `graceMs`, the
 * instances are taken to be mid-way through a rolling edit ("settling"), which resolves by itself. "Changed" is
 * the settings file's modification time, so an instance started today with a file edited last month reports
 * at once, and a file pushed to every instance within a couple of minutes raises nothing. Logs carry owner
 * names and fingerprints only.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { stringify } from 'safe-stable-stringify';
import type { Settings } from './config.js';
import type { Clock, LockRecord, Log, Store } from './core/ports.js';

/** The record each instance keeps fresh in `store.locks`. */
export interface SettingsPresence extends LockRecord {
  settings: { fingerprint: string; changedAt: string };
}

export const PRESENCE_PREFIX = 'settings:';
export const DEFAULT_INTERVAL_MS = 15_000;
/** How long a difference may last after either side's settings file changed before it is reported. */
export const DEFAULT_GRACE_MS = 120_000;

/** A hash of what the settings say (not of the file's bytes): comments, key order and layout do not count. */
export function settingsFingerprint(settings: Settings): string {
  return createHash('sha256').update(stringify(settings) ?? '').digest('hex').slice(0, 16);
}

export type SettingsAgreement = 'alone' | 'same' | 'settling' | 'different';

export interface SettingsStatus {
  fingerprint: string;
  /** When this instance's settings file last changed (its modification time), ISO 8601. */
  changedAt: string;
  state: SettingsAgreement;
  leader?: { owner: string; fingerprint: string; self: boolean };
  /** The live instances whose settings differ from this one's. */
  differing: { owner: string; fingerprint: string }[];
  /** What an admin reads in /healthz when the settings differ. */
  message?: string;
}

const isPresence = (v: LockRecord): v is SettingsPresence => typeof (v as Partial<SettingsPresence>).settings?.fingerprint === 'string';

/** The live instances' records and the current leader, as the store has them now (also for `safecall status`). */
export async function instancesOf(store: Pick<Store, 'locks'>, now: Date, leaderLock = 'scheduler'): Promise<{ instances: SettingsPresence[]; leader?: string }> {
  const at = now.toISOString();
  const [all, lease] = await Promise.all([store.locks.list(), store.locks.get(leaderLock)]);
  const instances = all.filter(isPresence).filter((p) => p.until > at);
  return { instances, leader: lease && lease.until > at ? lease.owner : undefined };
}

/** "host-a:12 (leader) 1a2b…, host-b:34 9f8e…": who runs which settings, for people. */
export function describeInstances(instances: SettingsPresence[], leader: string | undefined): string {
  return instances.map((p) => `${p.owner}${p.owner === leader ? ' (leader)' : ''} ${p.settings.fingerprint}`).join(', ');
}

export interface SettingsWatchOptions {
  store: Pick<Store, 'locks'>;
  /** This instance (host:pid), as in the scheduler's lease. */
  owner: string;
  /** The settings as they are now (reloaded when the file changes). */
  settings: () => Settings;
  /** The settings file, whose modification time says when the settings last changed. */
  path?: string;
  clock: Clock;
  log: Log;
  leaderLock?: string;
  intervalMs?: number;
  graceMs?: number;
}

export interface SettingsWatch {
  /** Publishes this instance's fingerprint and compares; done every `intervalMs` once started. */
  check(): Promise<SettingsStatus>;
  status(): SettingsStatus;
  start(): void;
  /** Stops checking and withdraws this instance's record. */
  stop(): Promise<void>;
}

export function watchSettings(o: SettingsWatchOptions): SettingsWatch {
  const intervalMs = o.intervalMs ?? DEFAULT_INTERVAL_MS;
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  const key = `${PRESENCE_PREFIX}${o.owner}`;
  const since = o.clock.now().toISOString();
  const modified = () => {
    try {
      return o.path ? statSync(o.path).mtime : new Date(since);
    } catch {
      return new Date(since);
    }
  };
  const own = () => ({ fingerprint: settingsFingerprint(o.settings()), changedAt: modified().toISOString() });
  let current: SettingsStatus = { ...own(), state: 'alone', differing: [] };
  let reported = ''; // who differed when it was last logged: a new warning only when that changes
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<unknown> = Promise.resolve();

  async function check(): Promise<SettingsStatus> {
    const now = o.clock.now();
    const mine = own();
    if (mine.fingerprint !== current.fingerprint) o.log.info({ settings: mine.fingerprint, was: current.fingerprint }, 'settings: this instance now runs changed settings');
    const until = new Date(now.getTime() + 3 * intervalMs);
    const record: SettingsPresence = { owner: o.owner, since, until: until.toISOString(), settings: mine };
    await o.store.locks.put(key, record, { expiresAt: until, durable: false });
    const { instances, leader } = await instancesOf(o.store, now, o.leaderLock);
    const others = instances.filter((p) => p.owner !== o.owner);
    const leaderRecord = leader === o.owner ? record : instances.find((p) => p.owner === leader);
    // A follower answers to the leader; the leader (or anyone while there is none) to every other instance.
    const compared = leaderRecord && leader !== o.owner ? [leaderRecord] : others;
    const differing = compared.filter((p) => p.settings.fingerprint !== mine.fingerprint);
    const recent = (iso: string) => now.getTime() - Date.parse(iso) < graceMs;
    const state: SettingsAgreement =
      others.length === 0 ? 'alone' : differing.length === 0 ? 'same' : recent(mine.changedAt) || differing.some((p) => recent(p.settings.changedAt)) ? 'settling' : 'different';
    const follower = leaderRecord !== undefined && leader !== o.owner;
    const message =
      state !== 'different'
        ? undefined
        : follower
          ? `This instance's settings differ from the leader's (${leader}): reminders and alerts follow the leader's settings. Give every instance the same settings file (SAFECALL_SETTINGS).`
          : `${differing.length} other instance(s) run different settings (${describeInstances(differing, leader)}). Give every instance the same settings file (SAFECALL_SETTINGS).`;
    current = {
      ...mine,
      state,
      ...(leaderRecord ? { leader: { owner: leaderRecord.owner, fingerprint: leaderRecord.settings.fingerprint, self: leader === o.owner } } : {}),
      differing: differing.map((p) => ({ owner: p.owner, fingerprint: p.settings.fingerprint })),
      ...(message ? { message } : {}),
    };
    const who = state === 'different' ? `${mine.fingerprint}|${describeInstances(differing, leader)}` : '';
    if (who !== reported) {
      if (who) o.log.warn({ settings: mine.fingerprint, differing: current.differing, leader }, `settings: ${message}`);
      else if (reported) o.log.info({ settings: mine.fingerprint }, 'settings: every instance now runs the same settings');
      reported = who;
    }
    return current;
  }

  // The database being away is already said by the store: a failed comparison waits for the next one.
  const run = () =>
    (inFlight = check()
      .catch((err: Error) => o.log.debug({ err: err.message }, 'settings: could not compare with the other instances; trying again'))
      .finally(schedule));
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, intervalMs);
    timer.unref();
  };

  return {
    check,
    status: () => current,
    start() {
      void run();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      await o.store.locks.delete(key).catch(() => undefined);
    },
  };
}
