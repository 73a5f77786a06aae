/**
 * Data sealed by an earlier SafeCall (sealed values were strings `sc1:<iv>:<tag>:<data>`) is moved to the
 * tagged form when the server starts, on this run's store (lowdb, and PostgreSQL in the postgres project):
 * what a real sealer wrote becomes a sealed value; text a person typed that merely looks like it (`sc1: spoke
 * to head`, or even one shaped exactly like a sealed string that the key does not open) stays their text.
 * Started without the key on sealed data, the server refuses and changes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startRig } from '../rig/harness.js';
import { dropStoreFor, onPostgres, openStoreView, schemaFor, storeEnv, TEST_DATABASE_URL } from '../rig/store-env.js';
import { loadEnv, parseSettings } from '../../src/config.js';
import { start } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import type { Store } from '../../src/core/ports.js';
import { aesSealer, isSealedValue, keyId, plainSealer, type MaybeSealed } from '../../src/core/sealer.js';
import { SEALED_FORMAT_KEY } from '../../src/core/sealed-data.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { runCli } from '../helpers/cli.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues, silent } from '../dialogs/incidents.harness.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { SETTINGS } from './reports.rig.js';

const key = randomBytes(32);
const KEY = key.toString('base64');
const TYPED = 'sc1: spoke to head';
/** Shaped exactly like a sealed string (IV, tag and data lengths), but no key of ours wrote it. */
const LOOKALIKE = `sc1:${randomBytes(12).toString('base64')}:${randomBytes(16).toString('base64')}:${randomBytes(9).toString('base64')}`;

async function writableStore(dataDir: string): Promise<Store> {
  if (!onPostgres) return openLowdbStore(dataDir, { log: silent });
  const { openPostgresStore } = await import('../../src/store/postgres/store.js');
  return openPostgresStore({ url: TEST_DATABASE_URL, schema: schemaFor(dataDir), poolSize: 2, log: silent, clock: { now: () => new Date() } });
}

/** The legacy string an earlier SafeCall wrote for this sealed value. */
const legacy = (v: MaybeSealed | undefined): MaybeSealed | undefined => (v !== undefined && isSealedValue(v) ? `sc1:${v.iv}:${v.tag}:${v.data}` : v);

/**
 * A report with a risk assessment, made by the feature with `sealWith` (or no key), then every sealed value
 * rewritten in the legacy string form, as an earlier SafeCall stored it; and two notes in plain text.
 */
async function seed(dataDir: string, sealWith?: Buffer): Promise<string> {
  const store = await writableStore(dataDir);
  try {
    const w = new World({ store, sealer: sealWith ? aesSealer(sealWith) : plainSealer });
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    const ref = (await store.reports.list())[0]!.ref;
    const risk = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.risk, ref));
    await w.submit(PEOPLE.dpo, DPO_CHANNEL, risk, { [T.risk]: 'risk', [T.consequences]: 'Zq81-risk: distress for the pupil' });
    // Two notes stored in plain text (as before a key was set), typed to look like sealed values.
    const typed = [TYPED, LOOKALIKE].map((text, i) => ({ id: `typed-note-${i}`, kind: 'note' as const, at: w.now.toISOString(), by: { platform: 'slack' as const, id: 'U-DPO' }, text }));
    await store.reports.update(ref, (r) => r && { ...r, facts: legacy(r.facts)!, timeline: [...r.timeline.map((e) => ({ ...e, text: legacy(e.text) })), ...typed] });
    for (const d of await store.deliveries.list()) if (d.sealed !== undefined) await store.deliveries.update(d.key, (x) => x && { ...x, sealed: legacy(x.sealed) });
    return ref;
  } finally {
    await store.close();
  }
}

async function stored(dataDir: string, ref: string) {
  const store = await openStoreView(dataDir);
  try {
    return { report: (await store.reports.get(ref))!, deliveries: await store.deliveries.list(), marker: await store.runtime.get(SEALED_FORMAT_KEY) };
  } finally {
    await store.close();
  }
}

const starting = (dataDir: string, env: Record<string, string>) =>
  start({ env: loadEnv({ PORT: '0', HOST: '127.0.0.1', ...storeEnv(dataDir), ...env }), settings: parseSettings(SETTINGS, 'test settings'), log: createLogger('info', new Writable({ write: (_c, _e, done) => done() })), print: () => {} });

async function exportJson(dataDir: string, env: Record<string, string>): Promise<string> {
  const saved = { ...process.env };
  try {
    delete process.env.SAFECALL_DATA_KEY;
    delete process.env.SAFECALL_SETTINGS;
    Object.assign(process.env, storeEnv(dataDir), env);
    const r = await runCli(['reports', 'export', '--format', 'json', '--data-dir', dataDir], { stdout: true });
    expect([r.code, r.err]).toEqual([0, '']);
    return r.out;
  } finally {
    process.env = saved;
  }
}

const dirs: string[] = [];
async function fresh(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'safecall-legacy-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) {
    await rm(dir, { recursive: true, force: true });
    await dropStoreFor(dir);
  }
});

test('started with the key: what a sealer wrote becomes tagged sealed values; what a person typed stays text; it reads back', async () => {
  const dir = await fresh();
  const ref = await seed(dir, key);
  const before = await stored(dir, ref);
  expect(typeof before.report.facts).toBe('string');

  const rig = await startRig({ settingsYaml: SETTINGS, dataDir: dir, env: { SAFECALL_DATA_KEY: KEY } });
  expect((await fetch(`${rig.url}/healthz`)).status).toBe(200);
  await rig.stop();

  const after = await stored(dir, ref);
  expect(after.report.facts).toEqual(expect.objectContaining({ sealed: 'aes-256-gcm', key: keyId(key) }));
  const texts = after.report.timeline.map((e) => e.text);
  expect(texts.filter((t) => isSealedValue(t))).toHaveLength(1);
  expect(texts).toContain(TYPED);
  expect(texts).toContain(LOOKALIKE);
  const sealedDeliveries = after.deliveries.filter((d) => d.sealed !== undefined);
  expect(sealedDeliveries.length).toBeGreaterThan(0);
  for (const d of sealedDeliveries) expect(d.sealed).toEqual(expect.objectContaining({ key: keyId(key) }));
  expect(after.marker?.value).toBe(2);

  const json = await exportJson(dir, { SAFECALL_DATA_KEY: KEY });
  for (const text of ['Zq81-risk: distress for the pupil', TYPED, LOOKALIKE, 'stranger joined']) expect(json).toContain(text);
  // And again: the upgrade is done once, the server starts as before.
  const again = await startRig({ settingsYaml: SETTINGS, dataDir: dir, env: { SAFECALL_DATA_KEY: KEY } });
  await again.stop();
});

test('started without the key on sealed data: refused, saying to set it, and nothing is changed; with the key it starts', async () => {
  const dir = await fresh();
  const ref = await seed(dir, key);
  const before = await stored(dir, ref);
  await expect(starting(dir, {})).rejects.toThrow(/SAFECALL_DATA_KEY: not set, but the stored incident reports are encrypted/);
  await expect(starting(dir, { SAFECALL_DATA_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(/SAFECALL_DATA_KEY: this is not the key/);
  const after = await stored(dir, ref);
  expect(after.report).toEqual(before.report);
  expect(after.marker).toBeUndefined();
  const running = await starting(dir, { SAFECALL_DATA_KEY: KEY });
  await running.stop();
});

test('data stored without a key, with a note typed as "sc1: spoke to head": the server starts and the note stays what was typed', async () => {
  const dir = await fresh();
  const store = await writableStore(dir);
  let ref: string;
  try {
    const w = new World({ store });
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    ref = (await store.reports.list())[0]!.ref;
    const note = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.note, ref));
    await w.submit(PEOPLE.dpo, DPO_CHANNEL, note, { [T.kind]: 'note', [T.note]: TYPED });
  } finally {
    await store.close();
  }
  const running = await starting(dir, {});
  await running.stop();
  expect((await stored(dir, ref)).report.timeline.map((e) => e.text)).toEqual([TYPED]);
  expect(await exportJson(dir, {})).toContain(TYPED);
});
