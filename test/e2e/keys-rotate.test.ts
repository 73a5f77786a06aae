/**
 * Changing the data key (after a leak, a staff change): `npx safecall keys status|rotate` against the data a
 * real server wrote, on this run's store (lowdb, and PostgreSQL in the postgres project). Reports from before
 * any key and under the old key, their DPO notes and the queued messages all end under the new key; the
 * server then starts with the new key alone and everything reads. Rotating without the old key is refused
 * with nothing changed. On lowdb rotate needs the server stopped and says so; on PostgreSQL it runs beside a
 * server that is busy writing, and loses none of its writes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startRig, type Rig } from '../rig/harness.js';
import { FORM, blockAction, postSlack, viewSubmission } from '../rig/slack-requests.js';
import { dropStoreFor, onPostgres, openStoreView, storeEnv } from '../rig/store-env.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { keyId, isSealedValue } from '../../src/core/sealer.js';
import { keyUse } from '../../src/core/sealed-data.js';
import { REPORT_ACTIONS as A, REPORT_FIELDS as F, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { SETTINGS, SLACK_DPO, SLACK_DPO_CHANNEL, nextCall, slackState, submitReport, type SlackView } from './reports.rig.js';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const b64 = (k: Buffer) => k.toString('base64');
const BEFORE_ANY_KEY = 'Zq81-plain: reported before the school set a key';
const UNDER_OLD_KEY = 'Zq81-old: reported under the key that leaked';

let dataDir: string;
const refs: string[] = [];
const notes: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'safecall-rotate-'));
  let rig = await startRig({ settingsYaml: SETTINGS, dataDir });
  refs.push(await submitReport(rig, 'U0FIRST', { [F.narrative]: BEFORE_ANY_KEY }));
  await rig.stop();
  rig = await startRig({ settingsYaml: SETTINGS, dataDir, env: { SAFECALL_DATA_KEY: b64(oldKey) } });
  refs.push(await submitReport(rig, 'U0SECOND', { [F.narrative]: UNDER_OLD_KEY }));
  await note(rig, refs[1]!, 'Zq81-note-0: phoned the teacher');
  await rig.stop();
}, 60_000);
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await dropStoreFor(dataDir);
});

/** The DPO adds a note from the Slack alert of `ref`. */
async function note(rig: Rig, ref: string, text: string): Promise<void> {
  // The alert went out from an earlier run of the server (another fake Slack): its button is pressed as it was drawn.
  let from = rig.slack.calls.length;
  await postSlack(rig.url, blockAction({ user: SLACK_DPO, channel: SLACK_DPO_CHANNEL, actionId: A.note, value: ref, messageTs: '1700000000.000100', responseUrl: `${rig.slack.url}/respond/${SLACK_DPO}` }), FORM);
  const view = (await nextCall(rig.slack, from, (c) => c.path === '/api/views.open' && c.body.trigger_id !== undefined, 15_000)).body.view as SlackView;
  from = rig.slack.calls.length;
  const res = await postSlack(rig.url, viewSubmission({ user: SLACK_DPO, callbackId: view.callback_id, values: slackState(view, { [T.kind]: 'note', [T.note]: text }), privateMetadata: view.private_metadata }), FORM);
  expect(res.json?.response_action).toBeUndefined();
  notes.push(text);
}

/** `safecall keys …` with these data keys, against the rig's data. */
async function keys(args: string[], env: { write?: Buffer; old?: Buffer[] }): Promise<CliRun> {
  const saved = { ...process.env };
  try {
    delete process.env.SAFECALL_DATA_KEY;
    delete process.env.SAFECALL_DATA_KEYS_OLD;
    Object.assign(process.env, storeEnv(dataDir), env.write ? { SAFECALL_DATA_KEY: b64(env.write) } : {}, env.old ? { SAFECALL_DATA_KEYS_OLD: env.old.map(b64).join(',') } : {});
    return await runCli(['keys', ...args, '--data-dir', dataDir]);
  } finally {
    process.env = saved;
  }
}

async function use(): Promise<Record<string, number>> {
  const store = await openStoreView(dataDir);
  try {
    return await keyUse(store);
  } finally {
    await store.close();
  }
}

test('keys status names the keys by id and counts what each sealed, and what is still in plain text', async () => {
  const r = await keys(['status'], { write: oldKey });
  expect(r.code).toBe(0);
  expect(r.out).toContain(`SAFECALL_DATA_KEY is ${keyId(oldKey)}`);
  expect(r.out).toMatch(/not encrypted \(stored before a key was set\)\s+\d+/);
  expect(r.out).not.toContain(b64(oldKey));
  const counts = await use();
  expect(counts[keyId(oldKey)]).toBeGreaterThan(0);
  expect(counts.text).toBeGreaterThan(0);
});

test('rotate to a new key without the old one is refused, naming the key it needs, and changes nothing', async () => {
  const before = await use();
  const r = await keys(['rotate'], { write: newKey });
  expect(r.code).toBe(1);
  expect(r.err).toContain(keyId(oldKey));
  expect(r.err).toMatch(/SAFECALL_DATA_KEYS_OLD/);
  expect(await use()).toEqual(before);
  const dry = await keys(['rotate', '--dry-run'], { write: newKey, old: [oldKey] });
  expect(dry.code).toBe(0);
  expect(dry.out).toMatch(/Would re-seal \d+ records[\s\S]*Nothing was changed/);
  expect(await use()).toEqual(before);
});

// lowdb only: on PostgreSQL rotate runs beside the servers (the test below).
if (!onPostgres)
  test('lowdb: rotate while the server runs is refused and says to stop it first', async () => {
  const rig = await startRig({ settingsYaml: SETTINGS, dataDir, env: { SAFECALL_DATA_KEY: b64(newKey), SAFECALL_DATA_KEYS_OLD: b64(oldKey) } });
  try {
    // The server seals what it writes itself (its start-up tick queues messages) with the new key: what it has
    // sealed once idle is the baseline, and the refused rotate re-seals nothing on top of it.
    await rig.running!.scheduler.idle();
    const before = await use();
    const r = await keys(['rotate'], { write: newKey, old: [oldKey] });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/server is running[\s\S]*Stop it/);
    await rig.running!.scheduler.idle();
    expect(await use()).toEqual(before);
    expect(before[keyId(oldKey)]).toBeGreaterThan(0);
  } finally {
    await rig.stop();
  }
});

test('rotate re-seals everything with the new key (on PostgreSQL beside a server writing notes at the same time); the server then needs only the new key', async () => {
  const before = await use();
  if (onPostgres) {
    // The server already runs with the new key writing and the old one reading, and keeps working meanwhile.
    const rig = await startRig({ settingsYaml: SETTINGS, dataDir, env: { SAFECALL_DATA_KEY: b64(newKey), SAFECALL_DATA_KEYS_OLD: b64(oldKey) } });
    try {
      const [rotated] = await Promise.all([keys(['rotate'], { write: newKey, old: [oldKey] }), (async () => {
        for (let i = 1; i <= 4; i++) await note(rig, refs[i % 2]!, `Zq81-note-${i}: during the rotation`);
      })()]);
      expect(rotated.err).toBe('');
      // A message being sent at that very moment is left for the next run, which finds it settled.
      await rig.running!.scheduler.idle();
      if (rotated.code !== 0) expect((await keys(['rotate'], { write: newKey, old: [oldKey] })).code).toBe(0);
    } finally {
      await rig.stop();
    }
  } else {
    const r = await keys(['rotate'], { write: newKey, old: [oldKey] });
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/Re-sealed \d+ records[\s\S]*Every stored value is now under SAFECALL_DATA_KEY/);
  }
  const after = await use();
  expect(Object.keys(after)).toEqual([keyId(newKey)]);
  expect(after[keyId(newKey)]).toBeGreaterThanOrEqual(Object.values(before).reduce((a, b) => a + b, 0));
  const status = await keys(['status'], { write: newKey });
  expect([status.code, status.out]).toEqual([0, expect.stringMatching(/Everything is under SAFECALL_DATA_KEY/)]);

  // The server starts with the new key alone; every report and note reads back, none lost.
  const rig = await startRig({ settingsYaml: SETTINGS, dataDir, env: { SAFECALL_DATA_KEY: b64(newKey) } });
  try {
    await note(rig, refs[0]!, 'Zq81-note-9: after the rotation');
    const store = await openStoreView(dataDir);
    try {
      const reports = await store.reports.list();
      for (const r of reports) expect(isSealedValue(r.facts)).toBe(true);
      expect(reports.flatMap((r) => r.timeline.filter((e) => e.kind === 'note'))).toHaveLength(notes.length);
    } finally {
      await store.close();
    }
  } finally {
    await rig.stop();
  }
  const saved = { ...process.env };
  try {
    Object.assign(process.env, storeEnv(dataDir), { SAFECALL_DATA_KEY: b64(newKey) });
    delete process.env.SAFECALL_DATA_KEYS_OLD;
    delete process.env.SAFECALL_SETTINGS;
    const exported = await runCli(['reports', 'export', '--format', 'json', '--data-dir', dataDir], { stdout: true });
    expect(exported.code).toBe(0);
    for (const text of [BEFORE_ANY_KEY, UNDER_OLD_KEY, ...notes]) expect(exported.out).toContain(text);
  } finally {
    process.env = saved;
  }
}, 60_000);
