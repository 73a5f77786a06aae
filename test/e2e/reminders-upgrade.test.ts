/**
 * A school upgraded in the middle of a round: its store holds the round as the SafeCall before this one
 * wrote it (named after the term, test/dialogs/fixtures/legacy-round.json, written by that version), and
 * the new server, started on it with the term since renamed by a calendar import, sends nobody a second
 * reminder and carries the round on to its follow-ups and one summary. On the store of this jest project
 * (lowdb files or PostgreSQL), so the round index is built from what that store's query returns.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '../../src/config.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/core/ports.js';
import { startRig, type Rig } from '../rig/harness.js';
import { dmOf } from '../rig/fake-slack.js';
import { dropStoreFor, storeEnv } from '../rig/store-env.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
let now = new Date('2026-12-19T11:00:00Z');
const clock = { now: () => now };
const OLD = 'term-end:autumn-2026';
const SETTINGS = `
terms:
  - { name: Autumn Term 2026, start: 2026-09-03, end: 2026-12-18 }
  - { name: Spring Term 2027, start: 2027-01-05, end: 2027-03-26 }
reminders: { followUpDays: 3, maxFollowUps: 2 }
slack: { dpo: [U-DPO] }
`;

let dataDir: string;
let rig: Rig | undefined;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'safecall-upgrade-'));
  const legacy = JSON.parse(await readFile(new URL('../dialogs/fixtures/legacy-round.json', import.meta.url), 'utf8')) as Record<'users' | 'reminders' | 'deliveries' | 'timers', { key: string; value: unknown }[]>;
  const store = await openStore(loadEnv({ ...storeEnv(dataDir), LOG_LEVEL: 'silent' }), { log: silent, clock });
  try {
    for (const name of ['users', 'reminders', 'deliveries', 'timers'] as const)
      for (const { key, value } of legacy[name]) await (store[name] as Store[typeof name] & { put(k: string, v: unknown): Promise<number> }).put(key, value);
  } finally {
    await store.close();
  }
});
afterEach(async () => {
  await rig?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await dropStoreFor(dataDir);
});

async function tickAt(iso: string) {
  now = new Date(iso);
  await rig!.running!.scheduler.tick();
  await rig!.running!.scheduler.idle();
}

const termEndKeys = () =>
  [...rig!.slack.posted.values()]
    .flat()
    .map((m) => String(m.metadata?.event_payload?.key ?? ''))
    .filter((k) => k.startsWith('term-end:') && !k.includes(':summary:'));

test('the round stored under the term name carries on under its renamed term: no second reminder, the follow-ups, one summary', async () => {
  now = new Date('2026-12-19T11:00:00Z');
  rig = await startRig({ clock, settingsYaml: SETTINGS, dataDir });
  await tickAt('2026-12-19T11:01:00Z');
  expect(termEndKeys()).toEqual([]);

  await tickAt('2026-12-21T15:00:00Z');
  expect(termEndKeys()).toEqual([`${OLD}:follow-up-1:slack:U-JONES`]);
  for (const at of ['2026-12-24T15:00:00Z', '2026-12-27T15:00:00Z', '2026-12-27T15:05:00Z']) await tickAt(at);
  expect(termEndKeys()).toEqual([`${OLD}:follow-up-1:slack:U-JONES`, `${OLD}:follow-up-2:slack:U-JONES`]);
  expect(rig.slack.postedWithKey(`${OLD}:summary:slack:U-DPO`).map((m) => m.channel)).toEqual([dmOf('U-DPO')]);
  const summary = JSON.stringify(rig.slack.callsOf('chat.postMessage').find((c) => c.body.channel === dmOf('U-DPO'))!.body);
  expect(summary).toMatch(/Autumn Term 2026: the summary/);
  expect(summary).toMatch(/Confirmed they deleted them: 1/);
});
