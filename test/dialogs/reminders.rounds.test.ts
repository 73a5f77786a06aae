/**
 * A round is the term it is for, whatever the settings call it now: renamed, re-imported with a date a day
 * out, dropped from the settings while it runs, or stored by an older SafeCall under the term's name. And
 * how late is too late: catchUpDays counts school days, and a round that is skipped reaches the DPO.
 */
import { readFileSync } from 'node:fs';
import { school, textOf } from './reminders.harness.js';
import { plainText } from '../../src/core/prompt.js';
import type { Delivery } from '../../src/core/schedule/types.js';

const AUTUMN = { name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' };
/** The same term as the council's calendar names it (school-calendar.ics): another name, another first day. */
const AUTUMN_IMPORTED = { name: 'Autumn Term 2026', start: '2026-09-03', end: '2026-12-18' };
const NEXT_YEAR = [
  { name: 'Autumn 2027', start: '2027-09-01', end: '2027-12-17' },
  { name: 'Spring 2028', start: '2028-01-04', end: '2028-04-07' },
];
const DPO = { slack: { dpo: ['U-DPO'] } };
const ROUND = 'term-end:2026-12-18';

const firsts = (ds: Delivery[]) => ds.filter((d) => d.kind === 'reminder.term-end' && !/follow-up|snooze/.test(d.key));
const followUps = (ds: Delivery[], n: number) => ds.filter((d) => d.key.includes(`:follow-up-${n}:`));
const summaries = (ds: Delivery[]) => ds.filter((d) => d.kind === 'reminder.summary');
const text = (d: Delivery) => plainText(d.prompt!.blocks);

async function withPeople(s: ReturnType<typeof school>) {
  await s.meet({ platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1', dmConversationId: 'D-KHAN' });
  await s.meet({ platform: 'slack', id: 'U-JONES', name: 'Mr Jones', teamId: 'T1' });
}

async function tickAt(s: ReturnType<typeof school>, iso: string) {
  s.clock.set(iso);
  await s.tick();
}

describe('a round is the term, not its name', () => {
  test('the council calendar renames the term mid-round: nothing new is sent, and the follow-ups and the summary carry on under the new name', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], reminders: { followUpDays: 3, maxFollowUps: 2 }, ...DPO } });
    await withPeople(s);
    await s.tick();
    expect(firsts(await s.deliveries())).toHaveLength(2);

    s.setSettings({ terms: [AUTUMN_IMPORTED], reminders: { followUpDays: 3, maxFollowUps: 2 }, ...DPO });
    await tickAt(s, '2026-12-18T15:05:00Z');
    await tickAt(s, '2026-12-19T09:00:00Z');
    expect(firsts(await s.deliveries()).map((d) => d.key).sort()).toEqual([`${ROUND}:slack:U-JONES`, `${ROUND}:slack:U-KHAN`]);

    await tickAt(s, '2026-12-21T15:00:00Z');
    const first = followUps(await s.deliveries(), 1);
    expect(first).toHaveLength(2);
    expect(text(first[0]!)).toMatch(/End of Autumn Term 2026/);
    await tickAt(s, '2026-12-24T15:00:00Z');
    await tickAt(s, '2026-12-27T15:00:00Z');
    await tickAt(s, '2026-12-28T15:00:00Z');
    const ds = await s.deliveries();
    expect(followUps(ds, 2)).toHaveLength(2);
    expect(summaries(ds)).toHaveLength(1);
    expect(text(summaries(ds)[0]!)).toMatch(/Autumn Term 2026: the summary/);
    expect(ds.filter((d) => d.kind === 'reminder.term-end')).toHaveLength(6);
  });

  test('a re-import that moves the last day by one after the round began sends nothing new', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN] } });
    await withPeople(s);
    await s.tick();
    s.setSettings({ terms: [{ name: 'Autumn term', start: '2026-09-02', end: '2026-12-19' }] });
    await tickAt(s, '2026-12-19T15:00:00Z');
    await tickAt(s, '2026-12-20T15:00:00Z');
    expect(firsts(await s.deliveries())).toHaveLength(2);
  });

  test('a term replaced by another one ending weeks later is another round (a term split or moved is reminded at its new end)', async () => {
    const s = school({ now: '2026-10-23T14:00:00Z', settings: { terms: [{ name: 'Autumn first half', start: '2026-09-02', end: '2026-10-23' }] } });
    await withPeople(s);
    await s.tick();
    s.setSettings({ terms: [{ name: 'Autumn first half', start: '2026-09-02', end: '2026-10-23' }, { name: 'Autumn second half', start: '2026-11-02', end: '2026-12-18' }] });
    await tickAt(s, '2026-12-18T15:00:00Z');
    expect(firsts(await s.deliveries()).map((d) => d.group).sort()).toEqual(['term-end:2026-10-23', 'term-end:2026-10-23', ROUND, ROUND]);
  });

  test('a term dropped from the settings while its round runs (next year imported in the holidays) still gets its follow-ups and the DPO summary', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], reminders: { followUpDays: 3, maxFollowUps: 1 }, ...DPO } });
    await withPeople(s);
    await s.tick();
    s.setSettings({ terms: NEXT_YEAR, reminders: { followUpDays: 3, maxFollowUps: 1 }, ...DPO });
    await tickAt(s, '2026-12-21T15:00:00Z');
    expect(followUps(await s.deliveries(), 1)).toHaveLength(2);
    await tickAt(s, '2026-12-24T15:00:00Z');
    const summary = summaries(await s.deliveries());
    expect(summary.map((d) => d.to)).toEqual([{ platform: 'slack', userId: 'U-DPO' }]);
    expect(text(summary[0]!)).toMatch(/Autumn 2026: the summary/);
    expect(await s.store.reminders.get(`round:${ROUND}`)).toMatchObject({ status: 'summarised' });
  });

  test('the answer buttons of a renamed round still work', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN] } });
    await withPeople(s);
    await s.tick();
    s.setSettings({ terms: [AUTUMN_IMPORTED] });
    await tickAt(s, '2026-12-19T09:00:00Z');
    const [reply] = await s.press({ platform: 'slack', id: 'U-KHAN', name: 'Ms Khan' }, 'remind.done', ROUND);
    expect(textOf(reply!)).toMatch(/noted that you deleted/);
  });
});

describe('a school upgraded mid-round, its round stored under the term name', () => {
  /** What the SafeCall before this change stored on 19 December: the round sent, Ms Khan done, Mrs Okafor snoozed to the 21st. */
  const legacy = JSON.parse(readFileSync(new URL('./fixtures/legacy-round.json', import.meta.url), 'utf8')) as Parameters<ReturnType<typeof school>['load']>[0];
  const OLD = 'term-end:autumn-2026';

  test.each([
    ['the same settings', [AUTUMN]],
    ['the term renamed by a calendar import', [AUTUMN_IMPORTED]],
    ['the term dropped for next year', NEXT_YEAR],
  ])('with %s: nobody gets a second reminder; the snooze, the follow-ups and the summary carry on', async (_, terms) => {
    const s = school({ now: '2026-12-19T11:00:00Z', settings: { terms, reminders: { followUpDays: 3, maxFollowUps: 2 }, ...DPO } });
    await s.load(legacy);
    const before = (await s.deliveries()).length;
    await s.tick();
    expect(await s.deliveries()).toHaveLength(before);

    await tickAt(s, '2026-12-21T10:00:00Z');
    expect((await s.deliveries()).filter((d) => d.key.startsWith(`${OLD}:snooze-`)).map((d) => d.to.userId)).toEqual(['29:aad-okafor']);
    await tickAt(s, '2026-12-21T15:00:00Z');
    // Mr Jones has not answered; Mrs Okafor's snoozed reminder went this morning, so not the follow-up too.
    expect(followUps(await s.deliveries(), 1).map((d) => d.key)).toEqual([`${OLD}:follow-up-1:slack:U-JONES`]);
    for (const at of ['2026-12-24T15:00:00Z', '2026-12-27T15:00:00Z', '2026-12-28T15:00:00Z']) await tickAt(s, at);
    const ds = await s.deliveries();
    expect(followUps(ds, 2).map((d) => d.key).sort()).toEqual([`${OLD}:follow-up-2:slack:U-JONES`, `${OLD}:follow-up-2:teams:29:aad-okafor`]);
    expect(summaries(ds)).toHaveLength(1);
    expect(text(summaries(ds)[0]!)).toMatch(/Confirmed they deleted them: 1/);
    expect(firsts(ds).map((d) => d.key).sort()).toEqual([`${OLD}:slack:U-JONES`, `${OLD}:slack:U-KHAN`, `${OLD}:teams:29:aad-okafor`]);
  });

  test('a button on a reminder the old version sent still records the answer', async () => {
    const s = school({ now: '2026-12-19T11:00:00Z', settings: { terms: [AUTUMN_IMPORTED] } });
    await s.load(legacy);
    await s.tick();
    const [reply] = await s.press({ platform: 'slack', id: 'U-JONES', name: 'Mr Jones' }, 'remind.none', OLD);
    expect(textOf(reply!)).toMatch(/Noted: you don't record lessons/);
    expect(await s.store.reminders.get(`${OLD}:slack:U-JONES`)).toMatchObject({ status: 'no-recordings' });
  });
});

describe('how late is too late', () => {
  test('with catchUpDays 0 a tick 40 ms after 15:00 is not late: the round goes', async () => {
    const s = school({ now: '2026-12-18T15:00:00.040Z', settings: { terms: [AUTUMN], reminders: { catchUpDays: 0 } } });
    await withPeople(s);
    await s.tick();
    expect(firsts(await s.deliveries())).toHaveLength(2);
  });

  test('with catchUpDays 0, a round is sent any time on its own day, and not the next', async () => {
    const evening = school({ now: '2026-12-18T23:59:00Z', settings: { terms: [AUTUMN], reminders: { catchUpDays: 0 } } });
    await withPeople(evening);
    await evening.tick();
    expect(firsts(await evening.deliveries())).toHaveLength(2);
    const next = school({ now: '2026-12-17T12:00:00Z', settings: { terms: [AUTUMN], reminders: { catchUpDays: 0 }, ...DPO } });
    await withPeople(next);
    await next.tick();
    await tickAt(next, '2026-12-19T00:00:00Z');
    expect(firsts(await next.deliveries())).toEqual([]);
  });

  test('a round missed while SafeCall was down is not sent, and the DPO is told once, saying when it was due and why', async () => {
    const s = school({ now: '2026-12-10T12:00:00Z', settings: { terms: [AUTUMN], reminders: { catchUpDays: 2 }, ...DPO } });
    await withPeople(s);
    await s.tick();
    // Down from the 10th to the morning of the 21st: the reminder was due on the 18th, more than two days before.
    await tickAt(s, '2026-12-21T09:00:00Z');
    await tickAt(s, '2026-12-21T09:01:00Z');
    const ds = await s.deliveries();
    expect(firsts(ds)).toEqual([]);
    const told = ds.filter((d) => d.kind === 'reminder.skipped');
    expect(told.map((d) => [d.key, d.to])).toEqual([[`${ROUND}:skipped:slack:U-DPO`, { platform: 'slack', userId: 'U-DPO' }]]);
    expect(text(told[0]!)).toMatch(/Autumn 2026: the reminder to delete recordings was not sent/);
    expect(text(told[0]!)).toMatch(/It was due on Friday 18 December 2026 at 15:00/);
    expect(text(told[0]!)).toMatch(/more than 2 day\(s\) after/);
    expect(await s.store.reminders.get(`round:${ROUND}`)).toMatchObject({ status: 'skipped', skipped: { reason: 'late', noticed: true } });
  });

  test('a term that ended before SafeCall first ran is nobody\'s missed reminder: skipped without a word to the DPO', async () => {
    const s = school({ now: '2027-01-20T09:00:00Z', settings: { terms: [AUTUMN], ...DPO } });
    await withPeople(s);
    await s.tick();
    expect(await s.deliveries()).toEqual([]);
    expect(await s.store.reminders.get(`round:${ROUND}`)).toMatchObject({ status: 'skipped', skipped: { reason: 'before-start' } });
  });

  test('a follow-up missed while SafeCall was down is named in the DPO summary', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], reminders: { followUpDays: 3, maxFollowUps: 1, catchUpDays: 1 }, ...DPO } });
    await withPeople(s);
    await s.tick();
    await tickAt(s, '2026-12-24T16:00:00Z');
    const ds = await s.deliveries();
    expect(followUps(ds, 1)).toEqual([]);
    expect(text(summaries(ds)[0]!)).toMatch(/1 follow-up\(s\) were not sent: SafeCall was not running when they fell due/);
    expect(text(summaries(ds)[0]!)).toMatch(/followed up 0 times/);
  });
});
