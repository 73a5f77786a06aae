/**
 * The file-backed Store in a private data directory: per collection (or per partition of one) a lowdb
 * snapshot plus an append-only journal (src/store/partition-file.ts), all records in memory with sorted
 * indexes (src/store/file-collection.ts). Durable writes resolve once fsynced, concurrent ones share one
 * fsync; only one process may write (directory lock). Logs carry collection names, counts and paths only,
 * never record contents.
 */
import { access, chmod, constants, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Log, Store } from '../core/ports.js';
import { systemClock, type Clock } from '../core/ports.js';
import { COLLECTION_NAMES, COLLECTIONS, type CollectionName, type CollectionSpec, type StoreCollections } from '../core/collections.js';
import { DIR_MODE, FILE_MODE } from './atomic-file.js';
import { FileCollection, type StoreState } from './file-collection.js';
import { acquireDirLock, type DirLock } from './lock.js';
import { StoreBusyError } from './errors.js';
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
  /** How long `durable: false` writes may wait before they are written (default 1 s). */
  lazyMs?: number;
}

export type LowdbStore = Store & {
  dir: string;
  /** Journal fsyncs since open: with group commit, fewer than the durable writes made. */
  fsyncs(): number;
};

const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
/** How many times a consistent read is tried while the server keeps writing (each try takes milliseconds). */
const CONSISTENT_READ_ATTEMPTS = 50;
/** A lost "last seen" after a crash is fine; a second's worth of them is the most that can go. */
const DEFAULT_LAZY_MS = 1000;

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
  const partitioned = Object.values(COLLECTIONS).filter((c) => 'partition' in c && c.partition).map((c) => c.name);
  let count = 0;
  for (const sub of ['', ...partitioned]) {
    const folder = join(dir, sub);
    const stray = (await readdir(folder).catch(() => [] as string[])).filter((n) => /\.json\.\d+$/.test(n));
    for (const name of stray) await unlink(join(folder, name)).catch(() => undefined);
    count += stray.length;
  }
  if (count > 0) log.info({ count }, 'removed temp files left by an interrupted write');
}

export async function openLowdbStore(dirArg: string, opts: LowdbStoreOptions = {}): Promise<LowdbStore> {
  const dir = resolve(dirArg);
  const log = opts.log ?? silentLog;
  const readOnly = opts.readOnly ?? false;
  const s: StoreState = {
    dir, readOnly, log, closed: false, lockLost: false, clock: opts.clock ?? systemClock, lazyMs: opts.lazyMs ?? DEFAULT_LAZY_MS, fsyncs: 0,
  };
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
    const collections = Object.fromEntries(
      COLLECTION_NAMES.map((name) => [name, new FileCollection<unknown>(COLLECTIONS[name] as CollectionSpec<unknown>, s)]),
    ) as Record<CollectionName, FileCollection<unknown>>;
    const all = Object.values(collections);
    const counts: Record<string, number> = {};
    for (const c of all) counts[c.name] = await c.load();
    log.info({ dir, schemaVersion: meta.schemaVersion, readOnly, counts }, 'data store opened');

    const writable = async (): Promise<boolean> => {
      if (readOnly || s.closed || s.lockLost) return false;
      try {
        await access(dir, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    };

    return {
      dir,
      ...(collections as unknown as StoreCollections),
      fsyncs: () => s.fsyncs,
      info: { kind: 'lowdb', where: dir, shared: false },
      async health() {
        const ok = await writable();
        return ok ? { ok: true, writable: true } : { ok: false, writable: false, error: readOnly ? 'read-only' : s.lockLost ? 'lock lost' : 'not writable' };
      },
      writable,
      /**
       * One moment's data. A reader (the CLI while the server runs) loads what changed on disk until a check
       * of every file finds none changed since it was loaded: each collection in memory was then what its
       * files held at one moment (the last load), and `fn` reads that memory without looking at the files
       * again, however long it takes. The server writes each file in the order it made its changes, so that
       * moment holds a round's messages if it holds the round. The writer itself retries `fn` until no change
       * of its own came in between.
       */
      async readConsistent<T>(fn: (view: StoreCollections) => Promise<T>): Promise<T> {
        const view = collections as unknown as StoreCollections;
        for (let attempt = 1; attempt <= CONSISTENT_READ_ATTEMPTS; attempt++) {
          if (readOnly) {
            for (const c of all) await c.refresh();
            if ((await Promise.all(all.map((c) => c.unchangedOnDisk()))).every(Boolean)) {
              s.frozen = true;
              try {
                return await fn(view);
              } finally {
                s.frozen = false;
              }
            }
          } else {
            const before = all.map((c) => c.changeCount()).join();
            const result = await fn(view);
            if (all.map((c) => c.changeCount()).join() === before) return result;
          }
          await new Promise((r) => setTimeout(r, 2 + Math.random() * Math.min(50, attempt * 5)));
        }
        throw new StoreBusyError(dir, CONSISTENT_READ_ATTEMPTS);
      },
      async close() {
        if (s.closed) return;
        s.closed = true;
        await Promise.all(all.map((c) => c.settle()));
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
