/**
 * lowdb store write cost: p50/p99 of one durable write (awaited, one at a time) with 100, 10,000 and
 * 100,000 records already stored (the three stores open at once and sampled in turns), for an update of an existing record and an insert of a new one; the
 * same for a `durable: false` "last seen" update; a burst of concurrent writes (group commit); and 5,000
 * users inserted one by one; and the store's share of a turn (rememberTurn: the person and the conversation)
 * for someone already known and for someone met for the first time. Target: write p50 at 100,000 ≤ 2× the
 * p50 at 100.
 *
 *   node --import tsx bench/store.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { rememberTurn } from '../src/core/people.js';
import type { KnownUser } from '../src/core/ports.js';
import { openLowdbStore, type LowdbStore } from '../src/store/lowdb-store.js';

const SIZES = [100, 10_000, 100_000];
const DEFAULT_SAMPLES = 300;

export interface Latency {
  p50: number;
  p99: number;
}

export interface SizeFigures {
  stored: number;
  /** One durable update of an existing record, awaited. */
  updateMs: Latency;
  /** One durable insert of a new record, awaited. */
  insertMs: Latency;
  /** One `durable: false` update (last seen). */
  lazyUpdateMs: Latency;
  /** 1,000 durable writes issued at once: wall time and the fsyncs they shared. */
  burst: { writes: number; totalMs: number; fsyncs: number };
  /** Opening the directory (load and index every record). */
  openMs: number;
  /** The store's work in one turn (rememberTurn): a known person (last seen only) and a first meeting. */
  turnMs: { known: Latency; firstSeen: Latency };
}

export interface StoreBench {
  sizes: SizeFigures[];
  /** 5,000 users inserted one by one (each awaited). */
  insert5000Ms: number;
  /** updateMs.p50 at the largest size / at the smallest (target ≤ 2). */
  ratioP50: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const latency = (samples: number[]): Latency => {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p99: percentile(s, 0.99) };
};
const person = (i: number, at = '2026-03-02T09:00:00.000Z'): KnownUser => ({
  platform: 'slack', id: `U${i}`, name: `Teacher ${i}`, teamId: 'T1', firstSeen: at, lastSeen: at, dmConversationId: `D${i}`,
});

/** Fills the store through its API, in concurrent batches (each batch is one group commit). */
async function fill(store: LowdbStore, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, j) => store.users.put(`slack:U${i + j}`, person(i + j))));
  }
}

interface Subject {
  stored: number;
  dir: string;
  store: LowdbStore;
  openMs: number;
}

async function prepare(stored: number): Promise<Subject> {
  const dir = await mkdtemp(join(tmpdir(), 'safecall-bench-store-'));
  const first = await openLowdbStore(dir);
  await fill(first, stored);
  await first.close();
  const t0 = performance.now();
  const store = await openLowdbStore(dir);
  return { stored, dir, store, openMs: performance.now() - t0 };
}

/**
 * Times `op` `n` times on every subject, taking turns (one sample on each size, then the next), so the
 * noise of this shared machine falls on every size alike instead of on whichever ran during a busy spell.
 */
async function timeInTurns(subjects: Subject[], n: number, op: (s: Subject, i: number) => Promise<unknown>): Promise<Latency[]> {
  const samples = subjects.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (const [k, s] of subjects.entries()) {
      const t0 = performance.now();
      await op(s, i);
      samples[k]!.push(performance.now() - t0);
    }
  }
  return samples.map(latency);
}

async function measureAll(samples: number): Promise<SizeFigures[]> {
  const subjects: Subject[] = [];
  try {
    for (const n of SIZES) subjects.push(await prepare(n));
    const pick = (s: Subject, i: number) => `slack:U${(i * 7919) % s.stored}`;
    const updateMs = await timeInTurns(subjects, samples, (s, i) => s.store.users.update(pick(s, i), (u) => ({ ...u!, name: `Renamed ${i}` })));
    const insertMs = await timeInTurns(subjects, samples, (s, i) => s.store.users.put(`slack:new${i}`, person(s.stored + i)));
    const lazyUpdateMs = await timeInTurns(subjects, samples, (s, i) =>
      s.store.users.update(pick(s, i), (u) => ({ ...u!, lastSeen: new Date(Date.UTC(2026, 2, 2, 10, 0, i)).toISOString() }), { durable: false }),
    );
    const bursts: SizeFigures['burst'][] = [];
    for (const s of subjects) {
      const syncs = s.store.fsyncs();
      const b0 = performance.now();
      await Promise.all(Array.from({ length: 1000 }, (_, i) => s.store.users.update(pick(s, i), (u) => ({ ...u!, name: `Burst ${i}` }))));
      bursts.push({ writes: 1000, totalMs: performance.now() - b0, fsyncs: s.store.fsyncs() - syncs });
    }
    const place = (i: number) => ({ platform: 'slack' as const, id: `D${i}`, kind: 'dm' as const, teamId: 'T1' });
    const teacher = (i: number) => ({ platform: 'slack' as const, id: `U${i}`, teamId: 'T1' });
    const at = (i: number) => new Date(Date.UTC(2026, 2, 3, 0, 0, 0, i));
    const visit = (s: Subject, i: number, t: Date) => rememberTurn(s.store, teacher((i * 7919) % s.stored), place((i * 7919) % s.stored), t);
    for (const s of subjects) for (let i = 0; i < samples; i++) await visit(s, i, at(0)); // their conversations are known from here on
    const known = await timeInTurns(subjects, samples, (s, i) => visit(s, i, at(i + 1)));
    const fresh = (s: Subject, i: number) => s.stored + samples + i;
    const firstSeen = await timeInTurns(subjects, samples, (s, i) => rememberTurn(s.store, teacher(fresh(s, i)), place(fresh(s, i)), at(i)));
    return subjects.map((s, k) => ({
      stored: s.stored,
      updateMs: updateMs[k]!,
      insertMs: insertMs[k]!,
      lazyUpdateMs: lazyUpdateMs[k]!,
      burst: bursts[k]!,
      openMs: s.openMs,
      turnMs: { known: known[k]!, firstSeen: firstSeen[k]! },
    }));
  } finally {
    for (const s of subjects) {
      await s.store.close();
      await rm(s.dir, { recursive: true, force: true });
    }
  }
}

async function insertOneByOne(n: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'safecall-bench-store-'));
  try {
    const store = await openLowdbStore(dir);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await store.users.put(`slack:U${i}`, person(i));
    const ms = performance.now() - t0;
    await store.close();
    return ms;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `writes`: samples per figure (default 300; `npm run bench -- --quick` may pass fewer). */
export async function run(opts: { writes?: number } = {}): Promise<StoreBench> {
  const sizes = await measureAll(opts.writes ?? DEFAULT_SAMPLES);
  const insert5000Ms = await insertOneByOne(5000);
  return { sizes, insert5000Ms, ratioP50: sizes.at(-1)!.updateMs.p50 / sizes[0]!.updateMs.p50 };
}

const ms = (x: number) => x.toFixed(2).padStart(8);

export function report(r: StoreBench): string {
  const rows = r.sizes.map(
    (s) =>
      `${String(s.stored).padStart(8)} | ${ms(s.updateMs.p50)} ${ms(s.updateMs.p99)} | ${ms(s.insertMs.p50)} ${ms(s.insertMs.p99)} | ` +
      `${ms(s.lazyUpdateMs.p50)} ${ms(s.lazyUpdateMs.p99)} | ${ms(s.burst.totalMs)} ms, ${String(s.burst.fsyncs).padStart(3)} fsyncs | ${ms(s.openMs)}`,
  );
  return [
    'Store (lowdb, journal + group commit): one write awaited at a time, ms',
    '  stored |  update p50      p99 |  insert p50      p99 | lazy upd p50     p99 | 1,000 concurrent writes   |  open ms',
    ...rows,
    'Store share of a turn (rememberTurn), ms: known person p50 / p99 | first meeting p50 / p99',
    ...r.sizes.map((s) => `${String(s.stored).padStart(8)} | ${ms(s.turnMs.known.p50)} ${ms(s.turnMs.known.p99)} | ${ms(s.turnMs.firstSeen.p50)} ${ms(s.turnMs.firstSeen.p99)}`),
    `5,000 users inserted one by one: ${(r.insert5000Ms / 1000).toFixed(2)} s`,
    `update p50 at ${r.sizes.at(-1)!.stored} / at ${r.sizes[0]!.stored}: ×${r.ratioP50.toFixed(2)} (target ≤ ×2) ${r.ratioP50 <= 2 ? 'met' : 'MISSED'}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(report(await run()));
}
