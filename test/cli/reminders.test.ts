/**
 * `safecall reminders report` and `reminders preview` over a real lowdb data directory, while a writer (the
 * server) holds it: they read it, never write it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { buildBot } from '../../src/app.js';
import { settingsSchema } from '../../src/config.js';
import { openLowdbStore, type LowdbStore } from '../../src/store/lowdb-store.js';
import { storeOutbox, storeTimers } from '../../src/core/schedule/store-ports.js';
import type { Person } from '../../src/core/conversation.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const run = async (argv: string[]) => {
  const r = await runCli(argv);
  return { code: r.code, out: r.all };
};

const SETTINGS = `terms:
  - { name: Autumn 2026, start: 2026-09-02, end: 2026-12-18 }
  - { name: Spring 2027, start: 2027-01-04, end: 2027-03-26 }
reminders: { followUpDays: 3, maxFollowUps: 1 }
slack: { dpo: [U-DPO] }
`;
const people: Person[] = [
  { platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1' },
  { platform: 'slack', id: 'U-JONES', name: 'Mr Jones', teamId: 'T1' },
  { platform: 'teams', id: '29:aad-okafor', name: 'Mrs Okafor', teamId: 'tenant-1' },
];

let dir: string;
let settingsPath: string;
let server: LowdbStore;
let now: Date;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'safecall-reminders-'));
  settingsPath = join(dir, 'settings.yaml');
  writeFileSync(settingsPath, SETTINGS);
  now = new Date('2026-12-18T15:00:00Z');
  const clock = { now: () => now };
  server = await openLowdbStore(join(dir, 'data'), { clock, log: silent });
  const { bot, policies } = buildBot({ store: server, clock, log: silent, school: { timezone: 'Europe/London' }, reminders: { settings: () => settingsSchema.parse({ terms: [{ name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' }], reminders: { followUpDays: 3, maxFollowUps: 1 }, slack: { dpo: ['U-DPO'] } }) } });
  for (const who of people) await bot.handle({ who, where: { platform: who.platform, id: `D-${who.id}`, kind: 'dm' }, input: { kind: 'message', text: 'help' }, at: now });
  const ctx = { now, outbox: storeOutbox(server, clock), timers: storeTimers(server, clock) };
  for (const p of policies) await p.due?.(ctx);
  await bot.handle({ who: people[0]!, where: { platform: 'slack', id: 'D-U-KHAN', kind: 'dm' }, input: { kind: 'action', action: 'remind.done', value: 'term-end:2026-12-18' }, at: now });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the data directory holds, read from disk by a fresh read-only store: a write by the CLI would change it. */
async function onDisk(): Promise<string> {
  const view = await openLowdbStore(join(dir, 'data'), { readOnly: true, log: silent });
  try {
    const [users, deliveries, reminders, timers] = await Promise.all([view.users.list(), view.deliveries.list(), view.reminders.list(), view.timers.list()]);
    return JSON.stringify({ users, deliveries, reminders, timers });
  } finally {
    await view.close();
  }
}

test('report prints who confirmed and who has not, by name, while the server holds the store', async () => {
  const before = await onDisk();
  const { code, out } = await run(['reminders', 'report', '--term', 'Autumn 2026', '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
  expect(code).toBe(0);
  expect(out).toMatch(/Recordings deleted\? Autumn 2026: the summary/);
  expect(out).toMatch(/Reminded: 3/);
  expect(out).toMatch(/Confirmed they deleted them: 1/);
  expect(out).toMatch(/Haven't answered: Mr Jones, Mrs Okafor/);
  expect(await onDisk()).toEqual(before);
});

test('report for a term with no round yet says so and exits 1', async () => {
  const { code, out } = await run(['reminders', 'report', '--term', 'Spring 2027', '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
  expect(code).toBe(1);
  expect(out).toMatch(/no term-end reminder has been sent for "Spring 2027" yet; it is due Friday 26 March 2027 at 15:00/);
  expect((await run(['reminders', 'report', '--data-dir', join(dir, 'data')])).code).toBe(2);
});

test('preview shows the follow-ups and the DPO summary due at a later time, and sends or writes nothing', async () => {
  const before = await onDisk();
  const deliveries = (await server.deliveries.list()).length;
  const follow = await run(['reminders', 'preview', '--at', '2026-12-21T15:00:00Z', '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
  expect(follow.code).toBe(0);
  expect(follow.out).toMatch(/would send 2 message\(s\)/);
  expect(follow.out).toMatch(/slack Mr Jones \(U-JONES\) +A reminder: you haven't told me yet/);
  expect(follow.out).toMatch(/teams Mrs Okafor \(29:aad-okafor\)/);
  expect(follow.out).not.toMatch(/Ms Khan/);
  const summary = await run(['reminders', 'preview', '--at', '2026-12-24T15:00:00Z', '--data-dir', join(dir, 'data'), '--settings', settingsPath, '--json']);
  const items = JSON.parse(summary.out) as { key: string; kind: string }[];
  expect(items.map((i) => i.kind).sort()).toEqual(['reminder.summary', 'reminder.term-end', 'reminder.term-end']);
  expect(await onDisk()).toEqual(before);
  expect((await server.deliveries.list()).length).toBe(deliveries);
  expect(await run(['reminders', 'preview', '--at', 'soon', '--data-dir', join(dir, 'data')])).toMatchObject({ code: 2 });
});

test('preview now: nothing new is due right after the round was sent', async () => {
  const { code, out } = await run(['reminders', 'preview', '--at', '2026-12-18T15:01:00Z', '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
  expect(code).toBe(0);
  expect(out).toMatch(/would send 0 message\(s\)/);
});

test('preview --at without an offset is school time, whatever the machine zone, and shows the local time (GMT and BST)', async () => {
  const saved = process.env.TZ;
  process.env.TZ = 'Asia/Tokyo';
  try {
    const gmt = await run(['reminders', 'preview', '--at', '2026-12-21T15:00', '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
    expect(gmt.code).toBe(0);
    expect(gmt.out).toMatch(/^At Monday 21 December 2026 at 15:00 \(Europe\/London; 2026-12-21T15:00:00\.000Z\) SafeCall would send 2 message\(s\)/);
    const bst = await run(['reminders', 'preview', '--at', '2027-07-21T14:00:00Z', '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
    expect(bst.out).toMatch(/^At Wednesday 21 July 2027 at 15:00 \(Europe\/London; 2027-07-21T14:00:00\.000Z\)/);
    const bad = await run(['reminders', 'preview', '--at', '21/12/2026 15:00', '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
    expect(bad).toEqual({ code: 2, out: expect.stringMatching(/--at must be a time like 2026-12-18T15:00 \(school time, Europe\/London\)/) });
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('report for a name that is not a term says so and lists the terms', async () => {
  const { code, out } = await run(['reminders', 'report', '--term', 'Autum 2026', '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
  expect(code).toBe(1);
  expect(out).toMatch(/"Autum 2026" is not a term in the settings and has no reminder round\. The terms are: "Autumn 2026"/);
});

test('report finds a round by the name its term had before a rename, by the name it has now, and by its last day', async () => {
  // The running server sees the term renamed in the settings at its next tick.
  const clock = { now: () => new Date('2026-12-18T16:00:00Z') };
  const { policies } = buildBot({ store: server, clock, log: silent, school: { timezone: 'Europe/London' }, reminders: { settings: () => settingsSchema.parse({ terms: [{ name: 'Autumn Term 2026', start: '2026-09-03', end: '2026-12-18' }] }) } });
  for (const p of policies) await p.due?.({ now: clock.now(), outbox: storeOutbox(server, clock), timers: storeTimers(server, clock) });
  for (const term of ['Autumn 2026', 'Autumn Term 2026', '2026-12-18']) {
    const { code, out } = await run(['reminders', 'report', '--term', term, '--data-dir', join(dir, 'data'), '--settings', settingsPath]);
    expect({ term, code }).toEqual({ term, code: 0 });
    expect(out).toMatch(/Recordings deleted\? Autumn Term 2026: the summary/);
  }
});

test('report on a round that was skipped (missed while SafeCall was down) says it was not sent, when it was due and why', async () => {
  const other = join(dir, 'skipped');
  let at = new Date('2027-03-01T09:00:00Z');
  const clock = { now: () => at };
  const store = await openLowdbStore(other, { clock, log: silent });
  try {
    const settings = settingsSchema.parse({ terms: [{ name: 'Spring 2027', start: '2027-01-04', end: '2027-03-26' }], reminders: { catchUpDays: 2 } });
    const { policies } = buildBot({ store, clock, log: silent, school: { timezone: 'Europe/London' }, reminders: { settings: () => settings } });
    const tick = async () => {
      for (const p of policies) await p.due?.({ now: clock.now(), outbox: storeOutbox(store, clock), timers: storeTimers(store, clock) });
    };
    await tick();
    at = new Date('2027-04-06T09:00:00Z');
    await tick();
  } finally {
    await store.close();
  }
  writeFileSync(settingsPath, 'terms:\n  - { name: Spring 2027, start: 2027-01-04, end: 2027-03-26 }\nreminders: { catchUpDays: 2 }\n');
  const { code, out } = await run(['reminders', 'report', '--term', 'Spring 2027', '--data-dir', other, '--settings', settingsPath]);
  expect(code).toBe(0);
  expect(out).toMatch(/Spring 2027: the reminder to delete recordings was not sent/);
  expect(out).toMatch(/It was due on Friday 26 March 2027 at 15:00/);
  expect(out).toMatch(/more than 2 day\(s\) after the day it was due/);
});
