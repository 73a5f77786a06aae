/**
 * The stored sealed values as a whole, on both real stores: which legacy strings the one-off upgrade turns
 * into sealed values (a table), and rotation's conditional writes: a report written by a server between
 * rotate's read and its write keeps that write (rotate reads again), and a message being sent is left alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/core/ports.js';
import { aesSealer, isSealedValue, keyId, plainSealer, type MaybeSealed } from '../../src/core/sealer.js';
import { rotateKeys, upgradeLegacy, upgradeSealedData, keyUse, SEALED_FORMAT_KEY } from '../../src/core/sealed-data.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { storeOutbox } from '../../src/core/schedule/store-ports.js';
import { TEST_DATABASE_URL, runPrefix } from '../rig/store-env.js';
import { dropSchema } from '../helpers/pg-admin.js';
import { legacySeal } from '../helpers/legacy-seal.js';
import { beforeReportWrites } from '../helpers/store-hook.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues, silent } from '../dialogs/incidents.harness.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';

const key = randomBytes(32);
const other = randomBytes(32);
const real = legacySeal(key, 'sealed by an earlier SafeCall');
const lookalike = `sc1:${randomBytes(12).toString('base64')}:${randomBytes(16).toString('base64')}:${randomBytes(9).toString('base64')}`;

describe('which legacy strings become sealed values', () => {
  const sealed = (v: MaybeSealed) => isSealedValue(v);
  test.each([
    ['typed text starting "sc1: "', 'sc1: spoke to head', true, 'key', false],
    ['typed text with three colons', 'sc1:a:b:c', true, 'key', false],
    ['typed text with three colons, no key', 'sc1:a:b:c', true, 'none', false],
    ['a real sealed string, with its key', real, true, 'key', true],
    ['a real sealed string, the key among the old ones', real, true, 'ring', true],
    ['a real sealed string, no key at hand (refused at start until it is set)', real, true, 'none', true],
    ['a lookalike in typed text that no key of ours opens', lookalike, true, 'key', false],
    ['a lookalike where only a sealer writes (the facts, a queued message)', lookalike, false, 'key', true],
    ['the facts as JSON, stored before a key was set', '{"narrative":"sc1: x"}', false, 'key', false],
  ])('%s', (_name, value, typed, keys, becomesSealed) => {
    const sealer = keys === 'key' ? aesSealer(key) : keys === 'ring' ? aesSealer(other, [key]) : plainSealer;
    const out = upgradeLegacy(value, typed, sealer);
    expect(sealed(out)).toBe(becomesSealed);
    if (!becomesSealed) expect(out).toBe(value);
    if (becomesSealed && keys !== 'none' && value === real) {
      expect(out).toEqual(expect.objectContaining({ key: keyId(key) }));
      expect(sealer.open(out)).toBe('sealed by an earlier SafeCall');
    }
  });
});

const STORES: [string, () => Promise<{ store: Store; done(): Promise<void> }>][] = [
  [
    'lowdb',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'safecall-sealed-'));
      const store = await openLowdbStore(dir, { log: silent });
      return { store, done: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  ],
  [
    'postgres',
    async () => {
      const schema = `${runPrefix()}sealed${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 4, log: silent, clock: { now: () => new Date() } });
      return { store, done: async () => (await store.close(), await dropSchema((store as PostgresStore).schema)) };
    },
  ],
];

describe.each(STORES)('on %s', (_name, open) => {
  let s: Awaited<ReturnType<(typeof STORES)[0][1]>>;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(async () => s.done());

  async function reportUnder(sealWith: Buffer): Promise<{ w: World; ref: string }> {
    const w = new World({ store: s.store, sealer: aesSealer(sealWith) });
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    return { w, ref: (await s.store.reports.list())[0]!.ref };
  }

  test('a note a server adds between rotate reading a report and writing it is kept: rotate reads again and re-seals that too', async () => {
    const { ref } = await reportUnder(key);
    const server = new World({ store: s.store, sealer: aesSealer(other, [key]) });
    let raced = false;
    const racing = beforeReportWrites(s.store, 'putIf', async () => {
      if (raced) return;
      raced = true;
      const form = formOf(await server.action(PEOPLE.dpo, DPO_CHANNEL, A.note, ref));
      await server.submit(PEOPLE.dpo, DPO_CHANNEL, form, { [T.kind]: 'note', [T.note]: 'added mid-rotation' });
    });
    const result = await rotateKeys(racing, aesSealer(other, [key]));
    expect(raced).toBe(true);
    expect(result.remaining).toBe(0);
    const r = (await s.store.reports.get(ref))!;
    expect(r.timeline.map((e) => e.kind)).toEqual(['note']);
    expect(Object.keys(await keyUse(s.store))).toEqual([keyId(other)]);
    expect(aesSealer(other).open(r.timeline[0]!.text!)).toBe('added mid-rotation');
  });

  test('a message being sent is left for the next run and counted as remaining; a queued one is re-sealed', async () => {
    const outbox = storeOutbox(s.store, { now: () => new Date() }, aesSealer(key));
    await outbox.enqueue([
      { key: 'a', kind: 'k', to: { platform: 'slack', userId: 'U1' }, prompt: { fallback: 'Pupil A', blocks: [] } },
      { key: 'b', kind: 'k', to: { platform: 'slack', userId: 'U2' }, prompt: { fallback: 'Pupil B', blocks: [] } },
    ]);
    await s.store.deliveries.update('b', (d) => d && { ...d, status: 'sending', sendingSince: new Date().toISOString() });
    const r = await rotateKeys(s.store, aesSealer(other, [key]));
    expect([r.changed.deliveries, r.busy, r.remaining]).toEqual([1, 1, 1]);
    expect((await s.store.deliveries.get('a'))!.sealed).toEqual(expect.objectContaining({ key: keyId(other) }));
    expect((await s.store.deliveries.get('b'))!.sealed).toEqual(expect.objectContaining({ key: keyId(key) }));
  });

  test('the upgrade runs once, noted in the store; a note typed later that looks sealed is not touched by a later start', async () => {
    const { ref } = await reportUnder(key);
    await s.store.reports.update(ref, (r) => r && { ...r, facts: legacySeal(key, JSON.stringify({ narrative: 'x' })) });
    expect(await upgradeSealedData(s.store, aesSealer(key), new Date())).toBe(1);
    expect((await s.store.runtime.get(SEALED_FORMAT_KEY))?.value).toBe(2);
    await s.store.reports.update(ref, (r) => r && { ...r, timeline: [{ id: 'n', kind: 'note', at: new Date().toISOString(), by: { platform: 'slack', id: 'U-DPO' }, text: lookalike }] });
    expect(await upgradeSealedData(s.store, plainSealer, new Date())).toBe(0);
    expect((await s.store.reports.get(ref))!.timeline[0]!.text).toBe(lookalike);
  });
});
