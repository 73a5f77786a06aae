/**
 * One file's worth of a collection (the whole collection, or one partition of it) on disk:
 *
 *   <name>.json  a lowdb snapshot, `{ "format": 2, "records": { key: envelope } }`, replaced atomically
 *   <name>.log   a journal: one JSON line per committed change since the snapshot,
 *                `{"k": key, "e": envelope}` (set) or `{"k": key}` (delete)
 *
 * A write appends one line, so it costs what it changes, not what the file holds. Writes waiting at the
 * same time are committed together (group commit: one append and one fsync for all of them). Writes that
 * may be lost in a crash (`durable: false`) are appended on a timer or with the next durable write. When
 * the journal outgrows the snapshot, the snapshot is rewritten and the journal emptied (amortised: a
 * record's bytes are rewritten a bounded number of times). Replaying a journal over a snapshot that
 * already contains it gives the same state, so a crash at any point of that is harmless. A kill -9
 * mid-append leaves at most a torn last line: it was never acknowledged and is dropped at the next open.
 */
import { mkdir, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { z } from 'zod';
import type { Lease, Log } from '../core/ports.js';
import { AtomicJsonFile, DIR_MODE, FILE_MODE, checkShape, readIfExists, syncDir } from './atomic-file.js';
import { StoreCorruptError } from './errors.js';

/** What is stored for each record: the value and the bookkeeping every Store implementation keeps. */
export interface Envelope<T> {
  value: T;
  revision: number;
  expiresAt?: string;
  lease?: Lease;
}

export const SNAPSHOT_FORMAT = 2;
interface Snapshot<T> {
  format: typeof SNAPSHOT_FORMAT;
  records: Record<string, Envelope<T>>;
}

export const envelopeSchema = z.object({
  value: z.unknown(),
  revision: z.number().int().positive(),
  expiresAt: z.string().optional(),
  lease: z.object({ owner: z.string(), until: z.string() }).optional(),
});
const snapshotSchema = z.object({ format: z.literal(SNAPSHOT_FORMAT), records: z.record(z.string(), envelopeSchema) });
const lineSchema = z.object({ k: z.string(), e: envelopeSchema.optional() });

/** The journal is folded into the snapshot once it is larger than this and than the snapshot. */
const COMPACT_MIN_BYTES = 1 << 20;

interface Pending<T> {
  line: string;
  key: string;
  /** What the record was before, to undo the change if the write fails. */
  before: Envelope<T> | undefined;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export interface PartitionOptions<T> {
  readOnly: boolean;
  /** How long a `durable: false` write may wait for the disk. */
  lazyMs: number;
  log: Log;
  /** Called for every change to `records` (load, write, undo), so the collection keeps its indexes. */
  onChange(key: string, env: Envelope<T> | undefined): void;
  /** Counts journal fsyncs (the store's figures, for tests and the bench). */
  onSync(): void;
}

export class PartitionFile<T> {
  readonly records = new Map<string, Envelope<T>>();
  private readonly db: Low<Snapshot<T>>;
  private buffer: Pending<T>[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private handle: FileHandle | undefined;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private dropWanted = false;
  private closing = false;
  /** Sizes and times of the two files when last loaded (read-only: reload only when they change). */
  private seen = '';

  constructor(
    readonly label: string,
    readonly snapshotPath: string,
    readonly journalPath: string,
    private readonly opts: PartitionOptions<T>,
  ) {
    const adapter = new AtomicJsonFile<Snapshot<T>>(snapshotPath, (data, file) => {
      checkShape(file, snapshotSchema, data);
      return data as Snapshot<T>;
    });
    this.db = new Low(adapter, { format: SNAPSHOT_FORMAT, records: {} });
  }

  private set(key: string, env: Envelope<T> | undefined): void {
    if (env) this.records.set(key, env);
    else this.records.delete(key);
    this.opts.onChange(key, env);
  }

  /**
   * Reads the snapshot and replays the journal. The journal is read first: see refresh(). A reader whose
   * reads straddle a compaction (an older journal over a newer snapshot would undo the changes made in
   * between) reads both again.
   */
  async load(): Promise<void> {
    let journal = '';
    // What the files were before they were read: a change made while they are read shows as a difference
    // at the next refresh (read again), never as already seen.
    let mark = '';
    for (let attempt = 0; ; attempt++) {
      mark = await this.fingerprint();
      const snapshotBefore = await this.snapshotId();
      journal = (await readIfExists(this.journalPath)) ?? '';
      this.db.data = { format: SNAPSHOT_FORMAT, records: {} };
      await this.db.read();
      if (!this.opts.readOnly || attempt >= 20 || (await this.snapshotId()) === snapshotBefore) break;
    }
    for (const key of [...this.records.keys()]) this.set(key, undefined);
    for (const [key, env] of Object.entries(this.db.data.records)) this.set(key, env);
    this.db.data = { format: SNAPSHOT_FORMAT, records: {} }; // the Map is the live copy
    const end = journal.lastIndexOf('\n') + 1;
    let line = 0;
    for (let at = 0; at < end; ) {
      const nl = journal.indexOf('\n', at);
      line += 1;
      const parsed = lineSchema.safeParse(safeJson(journal.slice(at, nl)));
      if (!parsed.success) throw new StoreCorruptError(this.journalPath, `unreadable change at line ${line}`);
      this.set(parsed.data.k, parsed.data.e as Envelope<T> | undefined);
      at = nl + 1;
    }
    this.journalBytes = Buffer.byteLength(journal.slice(0, end));
    this.snapshotBytes = (await sizeOf(this.snapshotPath)) ?? 0;
    if (end < journal.length && !this.opts.readOnly) {
      // A kill -9 mid-append: the torn tail was never acknowledged. Cut it so the next append starts a line.
      const h = await open(this.journalPath, 'r+');
      await h.truncate(this.journalBytes).finally(() => h.close());
      this.opts.log.info({ file: this.label }, 'dropped an unfinished change left by an interrupted write');
    }
    this.seen = mark;
  }

  /** Whether the files are as they were when last loaded (a reader's consistent read checks every file). */
  async unchanged(): Promise<boolean> {
    return (await this.fingerprint()) === this.seen;
  }

  /**
   * Read-only openers (the CLI while the server runs) reload when the files changed. The journal is read
   * before the snapshot, and the snapshot checked unchanged after: the other order could miss the changes
   * just compacted.
   */
  async refresh(): Promise<void> {
    if ((await this.fingerprint()) !== this.seen) await this.load();
  }

  private async snapshotId(): Promise<string> {
    const a = await stat(this.snapshotPath).catch(() => undefined);
    return `${a?.ino}:${a?.size}:${a?.mtimeMs}`;
  }

  /** The two files' identities, sizes and times: changes whenever either file does. */
  async fingerprint(): Promise<string> {
    const [a, b] = await Promise.all([this.snapshotId(), stat(this.journalPath).catch(() => undefined)]);
    return `${a}:${b?.size}:${b?.mtimeMs}`;
  }

  /**
   * Applies a change in memory now (so the next writer decides on it) and queues its journal line.
   * Durable: resolves once the line is on disk. Not durable: resolves at once.
   */
  write(key: string, env: Envelope<T> | undefined, durable: boolean): Promise<void> {
    const line = `${JSON.stringify(env ? { k: key, e: env } : { k: key })}\n`; // before any change: it may throw
    const before = this.records.get(key);
    this.set(key, env);
    this.buffer.push({ line, key, before });
    if (!durable) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.opts.lazyMs).unref();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    this.flushing ??= this.flushLoop();
  }

  /**
   * Runs while there is work. `flushing` is cleared in the same tick as the last check for work, so a
   * writer that queues a change just after its own write resolved always finds a loop to carry it.
   */
  private async flushLoop(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // let the writers of this tick join the first batch
    let mayCompact = true;
    for (;;) {
      if (this.buffer.length > 0) await this.flushBatch();
      else if (this.dropWanted) await this.dropIfEmpty();
      else if (mayCompact && !this.opts.readOnly && this.journalBytes > 0 && (this.closing || this.journalBytes > Math.max(COMPACT_MIN_BYTES, this.snapshotBytes))) {
        try {
          await this.compact();
        } catch (err) {
          this.opts.log.warn({ file: this.label, code: (err as NodeJS.ErrnoException).code }, 'could not compact the journal; will retry');
        }
        mayCompact = false;
      } else {
        this.flushing = undefined;
        return;
      }
    }
  }

  private async flushBatch(): Promise<void> {
    const batch = this.buffer;
    const waiters = this.waiters;
    this.buffer = [];
    this.waiters = [];
    const text = batch.map((p) => p.line).join('');
    try {
      const h = await this.journal();
      await h.appendFile(text);
      if (waiters.length > 0 || this.closing) {
        await h.datasync();
        this.opts.onSync();
      }
      this.journalBytes += Buffer.byteLength(text);
      if (this.timer && this.buffer.length === 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      for (const w of waiters) w.resolve();
    } catch (err) {
      // Undo this batch and every change decided after it (they may depend on it), newest first.
      const undone = [...batch, ...this.buffer].reverse();
      const rejected = [...waiters, ...this.waiters];
      this.buffer = [];
      this.waiters = [];
      for (const p of undone) this.set(p.key, p.before);
      await this.handle?.truncate(this.journalBytes).catch(() => undefined);
      this.opts.log.error({ file: this.label, code: (err as NodeJS.ErrnoException).code }, 'could not write to the data directory');
      for (const w of rejected) w.reject(err);
    }
  }

  private async journal(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.journalPath), { recursive: true, mode: DIR_MODE });
    const existed = (await sizeOf(this.journalPath)) !== undefined;
    this.handle = await open(this.journalPath, 'a', FILE_MODE);
    if (!existed) await syncDir(dirname(this.journalPath)); // the new file's name must survive a power cut too
    return this.handle;
  }

  /** Rewrites the snapshot with every record (atomic rename, fsynced), then empties the journal. */
  private async compact(): Promise<void> {
    this.db.data = { format: SNAPSHOT_FORMAT, records: Object.fromEntries(this.records) };
    await this.db.write();
    this.db.data = { format: SNAPSHOT_FORMAT, records: {} }; // the Map is the live copy
    const h = await this.journal();
    await h.truncate(0);
    await h.datasync();
    this.journalBytes = 0;
    this.snapshotBytes = (await sizeOf(this.snapshotPath)) ?? 0;
  }

  /** For partitions whose records have all gone (expired receipts): removes both files instead of rewriting. */
  drop(): Promise<void> {
    this.dropWanted = true;
    this.kick();
    return this.flushing ?? Promise.resolve();
  }

  private async dropIfEmpty(): Promise<void> {
    this.dropWanted = false;
    if (this.records.size > 0) return;
    await this.handle?.close();
    this.handle = undefined;
    await Promise.all([this.snapshotPath, this.journalPath].map((f) => unlink(f).catch(() => undefined)));
    await syncDir(dirname(this.journalPath));
    this.journalBytes = 0;
    this.snapshotBytes = 0;
  }

  /**
   * Writes everything queued (durably) and folds the journal into the snapshot, for close. A read-only
   * opener writes nothing: its copy may be older than the writer's files, and folding it in would undo
   * the writer's later changes and empty the journal under the writer's append handle.
   */
  async settle(): Promise<void> {
    if (this.opts.readOnly) return;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length > 0 || this.journalBytes > 0) this.kick();
    while (this.flushing) await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function sizeOf(file: string): Promise<number | undefined> {
  return (await stat(file).catch(() => undefined))?.size;
}
