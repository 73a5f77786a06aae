/**
 * The one place that declares the store's collections and their indexes. Every Store implementation
 * builds its collections from this list, so a new collection (reports, deliveries) is one entry here.
 * An index is a pure function of a record; undefined leaves the record out of that index.
 */
import type { KnownConversation, KnownUser, LockRecord, PendingRequest, Receipt, Store, StoredDialog } from './ports.js';
import type { Delivery, Timer } from './schedule/types.js';
import type { StoredReport } from './records/report.js';
import type { ReminderState, RuntimeSetting } from './records/reminder.js';

export interface CollectionSpec<T> {
  name: string;
  indexes: Record<string, (value: T) => string | undefined>;
  /**
   * Collections that grow with history may be split into partitions by the embedded store, so a write
   * touches only one file and an expired partition is dropped whole. Returns a short name (letters,
   * digits, `-`, `_`; e.g. a month) for a record. A record stays in the partition of its first write.
   */
  partition?: (key: string, value: T) => string;
}

const spec = <T>(s: CollectionSpec<T>): CollectionSpec<T> => s;

export const COLLECTIONS = {
  users: spec<KnownUser>({ name: 'users', indexes: { platform: (u) => u.platform } }),
  conversations: spec<KnownConversation>({
    name: 'conversations',
    /** The channels of a workspace or tenant, e.g. "slack:T123:channel". */
    indexes: { place: (c) => `${c.platform}:${c.teamId ?? ''}:${c.kind}` },
  }),
  dialogs: spec<StoredDialog>({ name: 'dialogs', indexes: { updatedAt: (d) => d.updatedAt } }),
  requests: spec<PendingRequest>({
    name: 'requests',
    indexes: { due: (r) => r.dueAt, person: (r) => `${r.platform}:${r.userId}` },
  }),
  /** By day handled: a day's receipts expire together, and their partition is then dropped whole. */
  receipts: spec<Receipt>({ name: 'receipts', indexes: {}, partition: (_key, r) => (/^\d{4}-\d{2}-\d{2}/.exec(r.at)?.[0] ?? 'undated') }),
  /** The outbox. `due`: queued deliveries by send time; `sending`: those a crash may have cut short; `group`: for summaries. */
  deliveries: spec<Delivery>({
    name: 'deliveries',
    indexes: {
      due: (d) => (d.status === 'queued' ? d.notBefore : undefined),
      sending: (d) => (d.status === 'sending' ? (d.sendingSince ?? d.createdAt) : undefined),
      group: (d) => d.group,
    },
  }),
  timers: spec<Timer>({ name: 'timers', indexes: { due: (t) => t.dueAt, kind: (t) => t.kind } }),
  reports: spec<StoredReport>({
    name: 'reports',
    indexes: {
      reportedAt: (r) => r.reportedAt,
      reporter: (r) => `${r.reporter.platform}:${r.reporter.id}`,
      /** Closed reports by when they were closed, for retention. */
      closedAt: (r) => r.closedAt,
    },
  }),
  reminders: spec<ReminderState>({
    name: 'reminders',
    indexes: { round: (r) => r.round, person: (r) => (r.person ? `${r.person.platform}:${r.person.id}` : undefined) },
  }),
  runtime: spec<RuntimeSetting>({ name: 'runtime', indexes: {} }),
  locks: spec<LockRecord>({ name: 'locks', indexes: {} }),
} as const;

export type CollectionName = keyof typeof COLLECTIONS;
export type StoreCollections = Pick<Store, CollectionName>;
export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as CollectionName[];
