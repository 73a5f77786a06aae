/**
 * The file-backed Store: one lowdb database (and JSON file) per collection in a private data
 * directory, so a write costs only its own collection. Writes are atomic and durable before their
 * promise resolves, serialised per collection, and only one process may write (directory lock).
 * Logs carry collection names, counts and paths only, never record contents.
 */
import { access, chmod, constants, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Low } from 'lowdb';
import { z } from 'zod';
import type {
  Claimed, Collection, IndexQuery, KnownConversation, KnownUser, Lease, Log, PendingRequest, Store, StoredDialog, Versioned, WriteOptions,
} from '../core/ports.js';
import { systemClock, type Clock } from '../core/ports.js';
import { COLLECTIONS, type CollectionSpec } from '../core/collections.js';
import { MemoryCollection, byIndexThenKey, matches } from '../core/memory.js';
import { AtomicJsonFile, DIR_MODE, FILE_MODE, checkShape } from './atomic-file.js';
import { ReadOnlyStoreError, StoreLockedError } from './errors.js';
import { acquireDirLock, type DirLock } from './lock.js';
import { prepareSchema } from './migrations.js';

export { StoreCorruptError, StoreLockedError, ReadOnlyStoreError, StoreVersionError } from './errors.js';
export { CURRENT_SCHEMA_VERSION } from './migrations.js';

export interface LowdbStoreOptions {
  log?: Log;
  /** Open without the lock, refuse writes, re-read files on every get/list (CLI while the server runs). */
  readOnly?: boolean;
  /** How long a crashed process's lock blocks the directory (default 10 s, minimum 2 s). */
  lockStaleMs?: number;
  /** The clock for expiry and leases. */
  clock?: Clock;
}

export type LowdbStore = Store & { dir: string };

type Records<T> = Record<string, T>;
interface Envelope<T> {
  records: Records<T>;
}

const envelopeSchema = z.object({ records: z.record(z.string(), z.unknown()) });
/** A mutation that decides to write nothing. */
const UNCHANGED = Symbol('unchanged');
const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
/** JSON round trip: what callers get back is exactly what is on disk. */
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
/** Null-prototype copy, so keys such as "__proto__" are plain keys. */
const recordsFrom = <T>(src: object): Records<T> => Object.assign(Object.create(null) as Records<T>, src);

interface StoreState {
  dir: string;
  readOnly: boolean;
  log: Log;
  closed: boolean;
  lockLost: boolean;
  clock: Clock;
}

class FileCollection<T> implements Collection<T> {
  private readonly db: Low<Envelope<T>>;
  /** Records as last written to disk; reads never see a write that has not completed. */
  private committed: Records<T> = recordsFrom({});
  private queue: Promise<unknown> = Promise.resolve();
  /** Interim: revisions, expiry and leases are kept in memory (revisions restart at 1 when the store opens). */
  private readonly meta = new Map<string, { revision: number; expiresAt?: string; lease?: Lease }>();
  readonly name: string;

  constructor(private readonly spec: CollectionSpec<T>, private readonly s: StoreState) {
    const name = spec.name;
    this.name = name;
    const adapter = new AtomicJsonFile<Envelope<T>>(join(s.dir, `${name}.json`), (data, file) => {
      checkShape(file, envelopeSchema, data);
      return { records: recordsFrom<T>((data as Envelope<T>).records) };
    });
    this.db = new Low(adapter, { records: recordsFrom<T>({}) });
  }

  async load(): Promise<number> {
    await this.db.read();
    this.committed = this.db.data.records;
    return Object.keys(this.committed).length;
  }

  /** Idle until queued writes are done (for close). */
  settled(): Promise<unknown> {
    return this.queue;
  }

  private async view(): Promise<Records<T>> {
    if (!this.s.readOnly) return this.committed;
    await this.db.read();
    return this.db.data.records;
  }

  private expired(key: string): boolean {
    const at = this.meta.get(key)?.expiresAt;
    return at !== undefined && at <= this.s.clock.now().toISOString();
  }

  private revisionOf(key: string, records: Records<T>): number {
    if (!Object.hasOwn(records, key) || this.expired(key)) return 0;
    return this.meta.get(key)?.revision ?? 1;
  }

  async get(key: string): Promise<T | undefined> {
    const records = await this.view();
    return Object.hasOwn(records, key) && !this.expired(key) ? clone(records[key]) : undefined;
  }

  async read(key: string): Promise<Versioned<T> | undefined> {
    const records = await this.view();
    const revision = this.revisionOf(key, records);
    return revision ? { key, value: clone(records[key]!), revision } : undefined;
  }

  async list(): Promise<T[]> {
    const records = await this.view();
    return Object.keys(records).filter((k) => !this.expired(k)).map((k) => clone(records[k]!));
  }

  private async select(q: IndexQuery): Promise<[string, string][]> {
    const index = this.spec.indexes[q.index];
    if (!index) throw new Error(`The ${this.name} collection has no index "${q.index}".`);
    const records = await this.view();
    const hits: [string, string][] = [];
    for (const key of Object.keys(records)) {
      if (this.expired(key)) continue;
      const v = index(records[key]!);
      if (matches(q, v)) hits.push([v, key]);
    }
    return hits.sort(byIndexThenKey);
  }

  async query(q: IndexQuery): Promise<Versioned<T>[]> {
    const records = await this.view();
    return (await this.select(q))
      .slice(0, q.limit ?? Number.POSITIVE_INFINITY)
      .map(([, key]) => ({ key, value: clone(records[key]!), revision: this.revisionOf(key, records) }));
  }

  async put(key: string, value: T, opts?: WriteOptions): Promise<number> {
    let revision = 0;
    await this.mutate(key, () => value, opts, (r) => (revision = r));
    return revision;
  }

  async putIf(key: string, value: T, expected: number, opts?: WriteOptions): Promise<number | undefined> {
    let revision: number | undefined;
    await this.mutate(key, (_cur, rev) => (rev === expected ? value : UNCHANGED), opts, (r, changed) => (revision = changed ? r : undefined));
    return revision;
  }

  async delete(key: string): Promise<void> {
    await this.mutate(key, () => undefined);
  }

  async deleteIf(key: string, expected: number): Promise<boolean> {
    let ok = false;
    await this.mutate(key, (_cur, rev) => (rev === expected && rev > 0 ? ((ok = true), undefined) : UNCHANGED));
    return ok;
  }

  update(key: string, fn: (current: T | undefined) => T | undefined, opts?: WriteOptions): Promise<T | undefined> {
    return this.mutate(key, (cur) => fn(cur), opts);
  }

  async claim(q: IndexQuery & { owner: string; leaseMs: number }): Promise<Claimed<T>[]> {
    await this.queue;
    const now = this.s.clock.now();
    const until = new Date(now.getTime() + q.leaseMs).toISOString();
    const claimed: Claimed<T>[] = [];
    for (const [, key] of await this.select(q)) {
      if (claimed.length >= (q.limit ?? Number.POSITIVE_INFINITY)) break;
      const m = this.meta.get(key) ?? { revision: 1 };
      if (m.lease && m.lease.until > now.toISOString()) continue;
      m.revision += 1;
      m.lease = { owner: q.owner, until };
      this.meta.set(key, m);
      claimed.push({ key, value: clone(this.committed[key]!), revision: m.revision, lease: { ...m.lease } });
    }
    return claimed;
  }

  async release(key: string, owner: string): Promise<boolean> {
    const m = this.meta.get(key);
    if (!m?.lease || m.lease.owner !== owner || m.lease.until <= this.s.clock.now().toISOString()) return false;
    m.lease = undefined;
    m.revision += 1;
    return true;
  }

  async sweep(): Promise<number> {
    const gone = Object.keys(this.committed).filter((k) => this.expired(k));
    for (const k of gone) await this.delete(k);
    return gone.length;
  }

  private mutate(
    key: string,
    fn: (current: T | undefined, revision: number) => T | undefined | typeof UNCHANGED,
    opts: WriteOptions = {},
    done?: (revision: number, changed: boolean) => void,
  ): Promise<T | undefined> {
    const { s } = this;
    if (s.readOnly) return Promise.reject(new ReadOnlyStoreError(s.dir));
    if (s.closed) return Promise.reject(new Error(`The SafeCall data store at ${s.dir} has been closed.`));
    if (s.lockLost) return Promise.reject(new StoreLockedError(s.dir));
    const run = async () => {
      const revision = this.revisionOf(key, this.committed);
      const had = revision > 0;
      const current = had ? clone(this.committed[key]!) : undefined;
      const next = fn(current, revision);
      if (next === UNCHANGED || (next === undefined && !had)) {
        done?.(revision, false);
        return next === UNCHANGED ? current : undefined;
      }
      const records = recordsFrom<T>(this.committed);
      if (next === undefined) delete records[key];
      else records[key] = clone(next);
      this.db.data = { records };
      try {
        await this.db.write();
      } catch (err) {
        this.db.data = { records: this.committed };
        s.log.error({ collection: this.name, code: (err as NodeJS.ErrnoException).code }, 'could not write to the data directory');
        throw err;
      }
      this.committed = records;
      if (next === undefined) this.meta.delete(key);
      else this.meta.set(key, { revision: revision + 1, expiresAt: opts.expiresAt?.toISOString() });
      done?.(revision + 1, true);
      return next;
    };
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Creates the directory 0700, and narrows it and its files to 0700/0600 if they are wider. */
async function securePermissions(dir: string, log: Log): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const dirMode = (await stat(dir)).mode & 0o777;
  if (dirMode & 0o077) {
    await chmod(dir, DIR_MODE);
    log.warn({ dir, was: dirMode.toString(8) }, 'data directory was readable by other users; restricted it to mode 700');
  }
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(dir, entry.name);
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077) {
      await chmod(file, FILE_MODE);
      log.warn({ file: entry.name, was: mode.toString(8) }, 'data file was readable by other users; restricted it to mode 600');
    }
  }
}

/** Temp files left by a write that was killed mid-way (write-file-atomic names them `<file>.<number>`). */
async function removeStrayTempFiles(dir: string, log: Log): Promise<void> {
  const stray = (await readdir(dir)).filter((n) => /^[a-z]+\.json\.\d+$/.test(n));
  for (const name of stray) await unlink(join(dir, name)).catch(() => undefined);
  if (stray.length > 0) log.info({ count: stray.length }, 'removed temp files left by an interrupted write');
}

export async function openLowdbStore(dirArg: string, opts: LowdbStoreOptions = {}): Promise<LowdbStore> {
  const dir = resolve(dirArg);
  const log = opts.log ?? silentLog;
  const readOnly = opts.readOnly ?? false;
  const s: StoreState = { dir, readOnly, log, closed: false, lockLost: false, clock: opts.clock ?? systemClock };
  let lock: DirLock | undefined;
  if (!readOnly) {
    // The lock comes before anything that reads the folder's files: a live holder may be renaming them.
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    lock = await acquireDirLock(dir, {
      staleMs: opts.lockStaleMs,
      log,
      onCompromised: (err) => {
        s.lockLost = true;
        log.error({ dir, reason: err.message }, 'lost the lock on the data directory; refusing further writes');
      },
    });
  }
  try {
    if (!readOnly) {
      await securePermissions(dir, log);
      await removeStrayTempFiles(dir, log);
    }
    const meta = await prepareSchema(dir, { log, readOnly });
    const users = new FileCollection<KnownUser>(COLLECTIONS.users, s);
    const conversations = new FileCollection<KnownConversation>(COLLECTIONS.conversations, s);
    const dialogs = new FileCollection<StoredDialog>(COLLECTIONS.dialogs, s);
    const requests = new FileCollection<PendingRequest>(COLLECTIONS.requests, s);
    // Interim: receipts are kept in memory until the lowdb store persists them.
    const receipts = new MemoryCollection(COLLECTIONS.receipts, s.clock);
    const all = [users, conversations, dialogs, requests];
    const counts: Record<string, number> = {};
    for (const c of all) counts[c.name] = await c.load();
    log.info({ dir, schemaVersion: meta.schemaVersion, readOnly, counts }, 'data store opened');

    return {
      dir,
      users,
      conversations,
      dialogs,
      requests,
      receipts,
      async writable() {
        if (readOnly || s.closed || s.lockLost) return false;
        try {
          await access(dir, constants.W_OK);
          return true;
        } catch {
          return false;
        }
      },
      async close() {
        if (s.closed) return;
        s.closed = true;
        await Promise.all(all.map((c) => c.settled()));
        try {
          await lock?.release();
        } catch (err) {
          log.warn({ dir, reason: (err as Error).message }, 'could not release the data directory lock');
        }
      },
    };
  } catch (err) {
    await lock?.release().catch(() => undefined);
    throw err;
  }
}
