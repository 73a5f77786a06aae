/**
 * export-data takes one moment's copy of the store, while a server really writes: a child process writes
 * reminder rounds (the round's messages into the outbox, then the round marked sent), and the export must never
 * hold a round marked sent without all its messages. The interleaving that used to break it is made certain,
 * not waited for: the export pauses after reading the outbox until the writer has finished one more round, then
 * reads the rounds (PostgreSQL: all within one read-only REPEATABLE READ transaction; lowdb: read again until
 * no file changed during a whole pass).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { CollectionName } from '../../src/core/collections.js';
import { systemClock, type Store } from '../../src/core/ports.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { snapshot, type ExportFile } from '../../src/store/transfer.js';
import { dropSchema } from '../helpers/pg-admin.js';
import { TEST_DATABASE_URL, runPrefix } from '../rig/store-env.js';
import { collectLines, runFixture } from './helpers.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

const MESSAGES_PER_ROUND = 5; // as in fixtures/round-writer.ts
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** The writer child, with the number of rounds it has finished so far and a way to wait for more. */
function startWriter(args: string[]) {
  const child: ChildProcess = runFixture('round-writer.ts', args);
  let rounds = 0;
  let ready = false;
  const waiting: { n: number; ok: () => void }[] = [];
  const done = collectLines(child, (line) => {
    if (line === 'ready') ready = true;
    const m = /^round (\d+)$/.exec(line);
    if (m) rounds = Number(m[1]) + 1;
    for (const w of waiting.splice(0)) (rounds >= w.n ? w.ok : () => waiting.push(w))();
  });
  return {
    get rounds() {
      return rounds;
    },
    get ready() {
      return ready;
    },
    /** Resolves once the writer has finished `n` rounds in all. */
    roundsDone: (n: number) => new Promise<void>((ok) => (rounds >= n ? ok() : waiting.push({ n, ok }))),
    async stop() {
      child.kill('SIGTERM');
      const r = await done;
      if (r.code !== 0) throw new Error(`the writer exited ${r.code ?? r.signal}: ${r.stderr}`);
    },
  };
}

/** The store as the export sees it, pausing after reading the outbox (in a consistent view too). */
function pausingAfterOutbox(store: Store, pause: () => Promise<void>): Store {
  let paused = false;
  const wrap = <V extends Pick<Store, CollectionName>>(view: V): V => {
    const outbox = view.deliveries;
    const deliveries = Object.assign(Object.create(outbox) as typeof outbox, {
      entries: async () => {
        const read = await outbox.entries();
        if (!paused) {
          paused = true; // once: a retried pass reads straight through
          await pause();
        }
        return read;
      },
    });
    return { ...view, deliveries };
  };
  return { ...wrap(store), readConsistent: store.readConsistent && ((fn) => store.readConsistent!((view) => fn(wrap(view)))) } as Store;
}

/** Rounds marked sent in the export whose messages are not all in it. */
function roundsWithoutTheirMessages(data: ExportFile): string[] {
  const messages = new Set(data.records.deliveries.map((d) => d.key));
  return data.records.reminders
    .map((r) => r.key)
    .filter((round) => Array.from({ length: MESSAGES_PER_ROUND }, (_, j) => `${round}:${j}`).some((k) => !messages.has(k)));
}

async function exportDuringRounds(open: () => Promise<Store>, writer: ReturnType<typeof startWriter>) {
  await writer.roundsDone(2);
  const reader = await open();
  try {
    const pausedAt = writer.rounds;
    const data = await snapshot(pausingAfterOutbox(reader, () => writer.roundsDone(pausedAt + 1)));
    expect(writer.rounds).toBeGreaterThan(pausedAt); // the writer finished a round while the export was under way
    expect(data.records.reminders.length).toBeGreaterThan(0);
    expect(roundsWithoutTheirMessages(data)).toEqual([]);
    // And unpaused exports while the writer keeps going.
    for (let i = 0; i < 3; i++) expect(roundsWithoutTheirMessages(await snapshot(reader))).toEqual([]);
  } finally {
    await reader.close();
  }
}

test('PostgreSQL: an export during reminder rounds holds every sent round with its messages', async () => {
  const schema = `${runPrefix()}xport_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  // The schema exists before the writer and the reader open it (both migrate otherwise, which is fine too).
  await (await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 1, log: silent, clock: systemClock })).close();
  const writer = startWriter(['postgres', TEST_DATABASE_URL, schema]);
  try {
    await exportDuringRounds(() => openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2, log: silent, clock: systemClock, migrate: false }), writer);
  } finally {
    await writer.stop();
    await dropSchema(schema);
  }
}, 30_000);

test('lowdb: an export by the CLI while the server writes rounds holds every sent round with its messages', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'safecall-xport-'));
  const writer = startWriter(['lowdb', dir]);
  try {
    await exportDuringRounds(() => openLowdbStore(dir, { readOnly: true }), writer);
  } finally {
    await writer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}, 30_000);
