/**
 * The ports core depends on. Implementations live at the edge (src/store, main.ts); tests may use the
 * in-memory ones in src/core/memory.ts.
 */
import type { ConversationKind, Platform } from './conversation.js';
import type { Delivery, Timer } from './schedule/types.js';
import type { StoredReport } from './records/report.js';
import type { ReminderState, RuntimeSetting } from './records/reminder.js';
import type { CollectionName } from './collections.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A record with the revision it was read at; revisions start at 1 and go up by one with every write
 * (a claim and a release are writes too). A deleted record starts again at 1 when written anew, so
 * compare-and-set across a delete should check the value as well (e.g. a dialog's instance id).
 */
export interface Versioned<T> {
  key: string;
  value: T;
  revision: number;
}

/** A record as export sees it: what a fresh store needs to hold the same data (revisions start again). */
export interface StoredEntry<T> {
  key: string;
  value: T;
  /** ISO 8601; absent for records that never expire. */
  expiresAt?: string;
}

/** A claim on a record by one worker until `until` (ISO 8601); a crashed worker's claims lapse by themselves. */
export interface Lease {
  owner: string;
  until: string;
}

export interface Claimed<T> extends Versioned<T> {
  lease: Lease;
}

export interface WriteOptions {
  /** The record disappears (for every read, and for `putIf(…, 0)`) once the store's clock passes this. */
  expiresAt?: Date;
  /**
   * `false` for bookkeeping (last seen) that may be lost in a crash: the write may be batched and reach
   * disk later (lowdb: within a second, or with the next durable write). Default true: durable when the
   * promise resolves.
   */
  durable?: boolean;
}

/**
 * A lookup by one of the collection's declared indexes (src/core/collections.ts). Index values are strings
 * compared in code-unit order, so ISO 8601 times sort by time. `equals` matches one value; `from` (inclusive)
 * and `before` (exclusive) bound a range. Results come in index order, then key order.
 */
export interface IndexQuery {
  index: string;
  equals?: string;
  from?: string;
  before?: string;
  limit?: number;
}

/**
 * A keyed collection of JSON-serialisable records: single-record atomic writes with a revision
 * (compare-and-set), indexed queries that do not load the whole collection, leases for workers that claim
 * due items, and records that expire. The same contract (test/store/collection-contract.ts) holds for the
 * in-memory, lowdb and PostgreSQL implementations.
 */
export interface Collection<T> {
  get(key: string): Promise<T | undefined>;
  read(key: string): Promise<Versioned<T> | undefined>;
  /** Every record: for small collections and tools only; features query by an index. */
  list(): Promise<T[]>;
  /** Every live record with its key and expiry, in key order: for export and tools, never for features. */
  entries(): Promise<StoredEntry<T>[]>;
  query(q: IndexQuery): Promise<Versioned<T>[]>;
  /** Unconditional write; resolves to the new revision. */
  put(key: string, value: T, opts?: WriteOptions): Promise<number>;
  /**
   * Writes only if the stored revision is `expected` (0: only if there is no record). Resolves to the new
   * revision, or undefined when another writer got there first (nothing written). Clears any lease.
   */
  putIf(key: string, value: T, expected: number, opts?: WriteOptions): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  /** Deletes only at revision `expected`; false when the record changed or is gone. */
  deleteIf(key: string, expected: number): Promise<boolean>;
  /**
   * Read-modify-write with no other write in between (compare-and-set, retried on conflict, so `fn` may run
   * more than once and must be pure). `fn` returns undefined to delete. Resolves to what was written.
   */
  update(key: string, fn: (current: T | undefined) => T | undefined, opts?: WriteOptions): Promise<T | undefined>;
  /**
   * Claims up to `limit` records matching the query whose lease is free or lapsed, for `leaseMs` from now.
   * Two workers never hold the same record at once. Finish with `putIf`/`deleteIf` at the claimed
   * revision (which also ends the lease) or `release`.
   */
  claim(q: IndexQuery & { owner: string; leaseMs: number }): Promise<Claimed<T>[]>;
  /** Gives up a lease held by `owner`; false when it is not theirs (lapsed and taken by another). */
  release(key: string, owner: string): Promise<boolean>;
  /** Removes records whose `expiresAt` has passed; resolves to how many. */
  sweep(): Promise<number>;
}

/** Who holds a named lease, since when, and until when (ISO 8601); lapsed leases may be taken. */
export interface LockRecord {
  owner: string;
  since: string;
  until: string;
}

/** A receipt that a delivery (Slack retry, event id, Teams activity id) has been handled. */
export interface Receipt {
  kind: string;
  at: string;
}

export interface KnownUser {
  platform: Platform;
  id: string;
  name?: string;
  teamId?: string;
  firstSeen: string;
  lastSeen: string;
  /** The 1:1 conversation with the person, where known (for reminders). */
  dmConversationId?: string;
  /**
   * Set by the scheduler when a message to them was refused for good (blocked or removed the bot, left,
   * deactivated): later deliveries are settled without calling the platform. Cleared when they next talk.
   */
  unreachable?: { since: string; reason: string };
  /** Preferences remembered between dialogs. */
  prefs?: {
    callPlatform?: 'zoom' | 'teams' | 'meet';
    /** Account-level guidance ids already walked through (offered once, revisitable). */
    accountStepsSeen?: string[];
  };
}

export interface KnownConversation {
  platform: Platform;
  id: string;
  kind: ConversationKind;
  teamId?: string;
  /** Teams: the serialised ConversationReference needed to message proactively after a restart. */
  reference?: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
}

/** Opaque per-dialog state, owned by the dialog engine. */
export interface StoredDialog {
  key: string;
  dialog: string;
  updatedAt: string;
  state: Record<string, unknown>;
}

/** A request the bot could not act on yet (e.g. "remind me before my next call" before the scheduler lands). */
export interface PendingRequest {
  id: string;
  kind: string;
  platform: Platform;
  userId: string;
  conversationId: string;
  createdAt: string;
  dueAt?: string;
  detail: Record<string, unknown>;
}

export interface Store {
  users: Collection<KnownUser>;
  conversations: Collection<KnownConversation>;
  dialogs: Collection<StoredDialog>;
  requests: Collection<PendingRequest>;
  /** Idempotency keys: `putIf(key, receipt, 0, { expiresAt })` succeeds for the first delivery only. */
  receipts: Collection<Receipt>;
  /** The durable outbox: every proactive message, keyed by its idempotency key (src/core/schedule/). */
  deliveries: Collection<Delivery>;
  /** One-off timers (incident deadlines, snoozes, "remind me"), claimed by the scheduler when due. */
  timers: Collection<Timer>;
  /** Incident reports (dialogs/incidents/). */
  reports: Collection<StoredReport>;
  /** Who answered which reminder round how (dialogs/reminders/). */
  reminders: Collection<ReminderState>;
  /** Settings admins set from chat, e.g. the Teams DPO conversation. */
  runtime: Collection<RuntimeSetting>;
  /** Named leases held by one instance at a time, e.g. the scheduler's leadership (src/core/schedule/leadership.ts). */
  locks: Collection<LockRecord>;
  /** True when the store can write right now (for /healthz). */
  writable(): Promise<boolean>;
  /** What the banner and /healthz say the store is. */
  readonly info: StoreInfo;
  /** For /healthz: `ok: false` answers 503, so a load balancer sends the school elsewhere until it recovers. */
  health(): Promise<StoreHealth>;
  /**
   * Cross-instance signals (PostgreSQL LISTEN/NOTIFY), absent where one process is all there is. A topic
   * carries no payload: it only says "look again" (e.g. the outbox has something to send).
   */
  readonly signals?: Signals;
  /**
   * False while the store is known not to answer (its last query could not reach it), without asking it:
   * for the edge, which must answer before any work starts. Absent where the store is in this process.
   */
  available?(): boolean;
  /**
   * Runs `fn` on a view of the collections in which every read sees the same moment, however long `fn` takes
   * and whoever writes meanwhile (export-data: a round marked sent is never exported without its messages).
   * PostgreSQL: one read-only REPEATABLE READ transaction; lowdb: read again until no file changed meanwhile.
   */
  readConsistent?<T>(fn: (view: Pick<Store, CollectionName>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreInfo {
  kind: 'memory' | 'lowdb' | 'postgres';
  /** Where the data is, for people: a directory, or host:port/database (schema s); never a password. */
  where: string;
  /**
   * True when other processes may write the same data at the same time (PostgreSQL with several
   * instances): then nothing is "cut short by a crash" just because it is in progress, and the scheduler
   * waits for leases instead of taking over work at start.
   */
  shared: boolean;
}

export interface StoreHealth {
  ok: boolean;
  writable: boolean;
  /** PostgreSQL: whether the server answered, and whether its schema is the one this code expects. */
  reachable?: boolean;
  /**
   * `newer`: versions a newer SafeCall has applied (mid rolling upgrade). This instance keeps serving
   * (migrations only add), but would not start again on this database.
   */
  migrations?: { applied: number; expected: number; current: boolean; newer?: number[] };
  /** A short reason when not ok (an error code or message; never data). */
  error?: string;
}

/**
 * A store that cannot reach its data (the database is away) rejects with an error of this name
 * (src/store/errors.ts). Callers outside the store tell it apart by name: the store is theirs to not import.
 */
export const STORE_UNAVAILABLE = 'StoreUnavailableError';
export const isStoreUnavailable = (err: unknown): boolean => (err as Error | undefined)?.name === STORE_UNAVAILABLE;

export interface Signals {
  publish(topic: string): Promise<void>;
  /** Calls `fn` whenever any instance (this one included) publishes `topic`; returns an unsubscribe. */
  subscribe(topic: string, fn: () => void): () => void;
}

export const userKey = (platform: Platform, id: string) => `${platform}:${id}`;
export const conversationKey = (platform: Platform, id: string) => `${platform}:${id}`;

/** Structured logger (pino-compatible subset). Never pass report or message content to it. */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
