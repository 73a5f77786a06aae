/**
 * Single-writer lock on the data directory (proper-lockfile on `<dir>/.lock`, refreshed in the
 * background). A lock left by a killed process goes stale after `staleMs`; opening waits for that
 * (up to staleMs + 2 s), but gives up at once when it sees the holder refresh the lock (it is alive).
 */
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { Log } from '../core/ports.js';
import { StoreLockedError } from './errors.js';

export const LOCK_NAME = '.lock';
export const DEFAULT_LOCK_STALE_MS = 10_000;
/** proper-lockfile's minimum. */
const MIN_STALE_MS = 2_000;

/** Directories locked by this process (proper-lockfile cannot tell a second open in-process apart). */
const heldHere = new Set<string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function mtimeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

export interface DirLock {
  release(): Promise<void>;
}

export async function acquireDirLock(
  dir: string,
  opts: { staleMs?: number; log: Log; onCompromised: (err: Error) => void },
): Promise<DirLock> {
  const key = await realpath(dir);
  if (heldHere.has(key)) throw new StoreLockedError(dir);
  heldHere.add(key);
  try {
    const stale = Math.max(opts.staleMs ?? DEFAULT_LOCK_STALE_MS, MIN_STALE_MS);
    const lockPath = join(dir, LOCK_NAME);
    const deadline = Date.now() + stale + 2_000;
    let seenMtime: number | undefined;
    let warned = false;
    for (;;) {
      try {
        const release = await lockfile.lock(dir, {
          lockfilePath: lockPath,
          stale,
          retries: 0,
          realpath: false,
          onCompromised: opts.onCompromised,
        });
        let released = false;
        return {
          release: async () => {
            if (released) return;
            released = true;
            try {
              await release();
            } finally {
              heldHere.delete(key);
            }
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      }
      const mtime = await mtimeOf(lockPath);
      if (mtime !== undefined && seenMtime !== undefined && mtime !== seenMtime) throw new StoreLockedError(dir);
      seenMtime = mtime ?? seenMtime;
      if (Date.now() >= deadline) throw new StoreLockedError(dir);
      if (!warned) {
        warned = true;
        opts.log.warn({ dir, staleMs: stale }, 'data directory is locked; waiting for a stale lock to expire (SafeCall may have crashed)');
      }
      await sleep(Math.min(250, stale / 8));
    }
  } catch (err) {
    heldHere.delete(key);
    throw err;
  }
}

/** True when a live process holds the directory's lock (a crashed holder's lock goes stale after `staleMs`). */
export async function isDirLocked(dir: string, staleMs = DEFAULT_LOCK_STALE_MS): Promise<boolean> {
  return lockfile.check(dir, { lockfilePath: join(dir, LOCK_NAME), stale: Math.max(staleMs, MIN_STALE_MS), realpath: false });
}
