/**
 * Close racing the other DPO actions, on both real stores: a case is closed only by one conditional write
 * that checks the case as it is at that write, so a `closed` entry and the `closed` status always go
 * together, nothing is added to a closed case, and a case never closes with a high risk nobody was told of.
 *
 * The interleavings that broke it are forced, not hoped for: one officer's write is held at the store until
 * the other's has landed (two instances on PostgreSQL, two pools), then both run free many times at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/core/ports.js';
import { closeRefusal, type StoredReport } from '../../src/core/records/report.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { TEST_DATABASE_URL, runPrefix } from '../rig/store-env.js';
import { dropSchema } from '../helpers/pg-admin.js';
import { beforeReportWrites } from '../helpers/store-hook.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues, silent } from './incidents.harness.js';

const ADMIN = { platform: 'slack' as const, id: 'U-ADMIN', name: 'Mr Admin', teamId: 'T1' };

/** Two views of one data set, as two officers reach it: one process (lowdb) or two instances (PostgreSQL). */
interface Pair {
  a: Store;
  b: Store;
  done(): Promise<void>;
}

const STORES: [string, () => Promise<Pair>][] = [
  [
    'lowdb',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'safecall-race-'));
      const store = await openLowdbStore(dir, { log: silent });
      return { a: store, b: store, done: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  ],
  [
    'postgres',
    async () => {
      const schema = `${runPrefix()}race${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const open = () => openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 4, log: silent, clock: { now: () => new Date() } });
      const a = await open();
      const b = await open();
      return { a, b, done: async () => (await a.close(), await b.close(), await dropSchema((a as PostgresStore).schema)) };
    },
  ],
];

/** `store` with its report writes held until `gate` opens (the read before them goes through at once). */
const holdingWrites = (store: Store, gate: Promise<unknown>) => beforeReportWrites(store, 'update', () => gate);

/** What must hold of every case, whatever raced. */
function expectConsistent(r: StoredReport): void {
  const closedAt = r.timeline.findIndex((e) => e.kind === 'closed');
  if (r.status === 'open') {
    expect({ ref: r.ref, closedEntries: r.timeline.filter((e) => e.kind === 'closed').length }).toEqual({ ref: r.ref, closedEntries: 0 });
    return;
  }
  expect(r.closedAt).toBeDefined();
  // Closed last, and only once what closing needs was there.
  expect(r.timeline.slice(closedAt + 1).map((e) => e.kind)).toEqual([]);
  expect(closeRefusal({ timeline: r.timeline.slice(0, closedAt), status: 'open' })).toBeUndefined();
}

/** A report with a decision recorded (not reported, no risk yet): Close is allowed. Resolves to its reference. */
async function decided(w: World): Promise<string> {
  const before = new Set((await w.store.reports.list()).map((r) => r.ref));
  await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
  const ref = (await w.store.reports.list()).map((r) => r.ref).find((x) => !before.has(x))!;
  const form = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, ref));
  await w.submit(PEOPLE.dpo, DPO_CHANNEL, form, { [T.decision]: 'not-reported', [T.reason]: 'A name only' });
  return ref;
}

describe.each(STORES)('on %s', (_name, openPair) => {
  let pair: Pair;
  beforeEach(async () => {
    pair = await openPair();
  });
  afterEach(async () => pair.done());

  test('a high risk assessed while Close is on its way: the case stays open with no closed entry, and Close says why', async () => {
    const setup = new World({ store: pair.a });
    const ref = await decided(setup);
    let landed!: () => void;
    const riskLanded = new Promise<void>((r) => (landed = r));
    const closer = new World({ store: holdingWrites(pair.a, riskLanded) });
    const assessor = new World({ store: pair.b });

    const risk = formOf(await assessor.action(ADMIN, DPO_CHANNEL, A.risk, ref));
    const closing = closer.action(PEOPLE.dpo, DPO_CHANNEL, A.close, ref);
    await assessor.submit(ADMIN, DPO_CHANNEL, risk, { [T.risk]: 'high' });
    landed();
    const answer = await closing;

    const r = (await pair.a.reports.get(ref))!;
    expectConsistent(r);
    expect(r.status).toBe('open');
    expect(JSON.stringify(answer)).toMatch(/told/i);
    // And it can still be closed once people are told.
    const told = formOf(await assessor.action(PEOPLE.dpo, DPO_CHANNEL, A.told, ref));
    await assessor.submit(PEOPLE.dpo, DPO_CHANNEL, told, { [T.toldAt]: assessor.now.toISOString(), [T.how]: 'Phoned' });
    await assessor.action(PEOPLE.dpo, DPO_CHANNEL, A.close, ref);
    const closed = (await pair.a.reports.get(ref))!;
    expectConsistent(closed);
    expect(closed.status).toBe('closed');
  });

  test.each([
    ['a risk assessment', A.risk, { [T.risk]: 'high' }],
    ['a note', A.note, { [T.kind]: 'note', [T.note]: 'Late note' }],
  ])('%s saved from a form opened before Close landed: refused as closed, nothing added after the close', async (_what, action, values) => {
    const setup = new World({ store: pair.a });
    const ref = await decided(setup);
    let landed!: () => void;
    const closeLanded = new Promise<void>((r) => (landed = r));
    const late = new World({ store: holdingWrites(pair.b, closeLanded) });
    const closer = new World({ store: pair.a });

    const form = formOf(await late.action(ADMIN, DPO_CHANNEL, action, ref));
    const saving = late.submit(ADMIN, DPO_CHANNEL, form, values);
    await closer.action(PEOPLE.dpo, DPO_CHANNEL, A.close, ref);
    landed();
    const answer = await saving;

    const r = (await pair.a.reports.get(ref))!;
    expectConsistent(r);
    expect(r.status).toBe('closed');
    expect(JSON.stringify(answer)).toMatch(/already closed/i);
  });

  test('the 72-hour timer firing as the case is decided and closed: nothing is added after the close and nobody is told it is overdue', async () => {
    const setup = new World({ store: pair.a });
    await setup.submit(PEOPLE.pupil, DM, formOf(await setup.command(PEOPLE.pupil, DM, 'report')), goodValues(setup.now));
    const ref = (await pair.a.reports.list())[0]!.ref;
    let landed!: () => void;
    const closeLanded = new Promise<void>((r) => (landed = r));
    const timerSide = new World({ store: holdingWrites(pair.b, closeLanded) });
    timerSide.advance(72);
    const overdue = (await pair.b.timers.list()).find((t) => t.payload.ref === ref && t.payload.hour === 72)!;
    const firing = timerSide.feature.policy.onTimer!(overdue, { now: timerSide.now, outbox: timerSide.deps.outbox, timers: timerSide.deps.timers });
    const dpo = new World({ store: pair.a });
    dpo.advance(72);
    const form = formOf(await dpo.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, ref));
    await dpo.submit(PEOPLE.dpo, DPO_CHANNEL, form, { [T.decision]: 'not-reported', [T.reason]: 'A name only', [T.delayReason]: 'Half term' });
    await dpo.action(PEOPLE.dpo, DPO_CHANNEL, A.close, ref);
    landed();
    await firing;

    const r = (await pair.a.reports.get(ref))!;
    expectConsistent(r);
    expect((await pair.a.deliveries.list()).filter((d) => d.kind === 'incident.reminder' && JSON.stringify(d).includes('overdue'))).toEqual([]);
  });

  test('a case an earlier race left open with a `closed` entry can be closed now, and so comes under retention', async () => {
    const w = new World({ store: pair.a });
    const ref = await decided(w);
    await pair.a.reports.update(ref, (r) => r && { ...r, timeline: [...r.timeline, { id: 'closed', kind: 'closed', at: w.now.toISOString(), by: { platform: 'slack', id: 'U-DPO' } }] });
    await w.action(PEOPLE.dpo, DPO_CHANNEL, A.close, ref);
    const r = (await pair.a.reports.get(ref))!;
    expect([r.status, r.closedAt]).toEqual(['closed', w.now.toISOString()]);
    expect((await pair.a.reports.query({ index: 'closedAt' })).map((x) => x.key)).toContain(ref);
  });

  test('Close and a high risk at once, many times, running free: every case is consistent', async () => {
    const a = new World({ store: pair.a });
    const b = new World({ store: pair.b });
    const refs: string[] = [];
    for (let i = 0; i < 12; i++) refs.push(await decided(a));
    await Promise.all(
      refs.map(async (ref, i) => {
        const risk = formOf(await b.action(ADMIN, DPO_CHANNEL, A.risk, ref));
        const both = [() => a.action(PEOPLE.dpo, DPO_CHANNEL, A.close, ref), () => b.submit(ADMIN, DPO_CHANNEL, risk, { [T.risk]: 'high' })];
        await Promise.all(i % 2 ? both.map((f) => f()) : both.reverse().map((f) => f()));
      }),
    );
    for (const ref of refs) expectConsistent((await pair.a.reports.get(ref))!);
  });
});
