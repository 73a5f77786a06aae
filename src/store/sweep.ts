/**
 * Removes expired records (finished and abandoned dialogs, old receipts) from every collection, now and
 * then. Any Store works; with lowdb an expired receipts day is dropped as whole files. The scheduler
 * (when it lands) may call sweepExpired itself; until then main.ts starts this small timer.
 */
import { COLLECTION_NAMES } from '../core/collections.js';
import { isStoreUnavailable, type Log, type Store } from '../core/ports.js';

/** Delivery receipts live an hour: sweeping every few minutes keeps them from piling up between sweeps. */
export const SWEEP_EVERY_MS = 5 * 60 * 1000;

/** Sweeps every collection; resolves to how many records each lost (only the non-zero ones). */
export async function sweepExpired(store: Store): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const name of COLLECTION_NAMES) {
    const n = await store[name].sweep();
    if (n > 0) removed[name] = n;
  }
  return removed;
}

export interface Sweeper {
  /** Waits for a sweep in progress, then stops the timer (call before closing the store). */
  stop(): Promise<void>;
}

/** Sweeps once soon after start and then every `everyMs`; failures are logged and retried next time. */
export function startSweeper(store: Store, log: Log, everyMs = SWEEP_EVERY_MS): Sweeper {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const sweep = () => {
    if (stopped) return;
    running = running.then(async () => {
      try {
        const removed = await sweepExpired(store);
        if (Object.keys(removed).length > 0) log.info({ removed }, 'removed expired records');
      } catch (err) {
        // The store has said once that the database is away; this sweep's failure adds nothing then.
        log[isStoreUnavailable(err) ? 'debug' : 'warn']({ reason: (err as Error).message }, 'could not remove expired records; will try again');
      }
    });
  };
  const first = setTimeout(sweep, 1000).unref();
  const timer = setInterval(sweep, everyMs).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
