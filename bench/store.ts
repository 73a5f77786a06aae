/**
 * Store write cost against how much is already stored: p50/p99 of one `users.update` (a turn's "remember
 * this person") with 100, 10,000 and 100,000 user records in the lowdb store, through the Store port only.
 * Seeding goes through `users.put` too, many at once (a store that commits concurrent writes together
 * seeds fast); a size whose seeding does not finish within the time budget is reported as not reached,
 * with the rate it seeded at.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KnownUser, Log } from '../src/core/ports.js';
import { userKey } from '../src/core/ports.js';
import { openLowdbStore } from '../src/store/lowdb-store.js';

export interface StoreSize {
  records: number;
  /** False when seeding ran out of time; `seeded` says how far it got. */
  reached: boolean;
  seeded: number;
  seedSeconds: number;
  writes: number;
  p50Ms?: number;
  p99Ms?: number;
}

const quiet: Log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const user = (i: number, at: string): KnownUser => ({
  platform: 'slack',
  id: `U${String(i).padStart(8, '0')}`,
  name: `Teacher ${i}`,
  teamId: 'T0SCHOOL',
  firstSeen: at,
  lastSeen: at,
  prefs: { callPlatform: 'zoom', accountStepsSeen: ['waiting-room'] },
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function measure(records: number, writes: number, budgetMs: number): Promise<StoreSize> {
  const dir = mkdtempSync(join(tmpdir(), 'safecall-store-bench-'));
  const store = await openLowdbStore(join(dir, 'data'), { log: quiet });
  try {
    const at = new Date().toISOString();
    const t0 = performance.now();
    let seeded = 0;
    const batch = 500;
    while (seeded < records && performance.now() - t0 < budgetMs) {
      const n = Math.min(batch, records - seeded);
      await Promise.all(Array.from({ length: n }, (_, k) => store.users.put(userKey('slack', user(seeded + k, at).id), user(seeded + k, at))));
      seeded += n;
    }
    const seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
    if (seeded < records) return { records, reached: false, seeded, seedSeconds, writes: 0 };
    const samples: number[] = [];
    for (let w = 0; w < writes; w += 1) {
      const i = Math.floor(Math.random() * records);
      const start = performance.now();
      await store.users.update(userKey('slack', user(i, at).id), (u) => (u ? { ...u, lastSeen: new Date().toISOString() } : u));
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 100) / 100;
    return { records, reached: true, seeded, seedSeconds, writes, p50Ms: round(percentile(samples, 0.5)), p99Ms: round(percentile(samples, 0.99)) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(o: { writes: number; seedBudgetMs: number }): Promise<StoreSize[]> {
  const out: StoreSize[] = [];
  for (const records of [100, 10_000, 100_000]) {
    process.stderr.write(`  store: ${records} records\n`);
    const r = await measure(records, o.writes, o.seedBudgetMs);
    out.push(r);
    if (!r.reached) break; // a larger size would not be reached either
  }
  return out;
}
