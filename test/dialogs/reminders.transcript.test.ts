/**
 * The reminder's buttons and commands, pressed as a teacher would (through the bot's router): Done,
 * Remind me in 2 days, I don't record lessons, Stop these reminders / Start them again, the platform steps,
 * `terms` and `stop reminders`. Then what the next tick sends because of them.
 */
import { school, textOf, buttonsOf } from './reminders.harness.js';
import type { Person } from '../../src/core/conversation.js';
import type { Delivery } from '../../src/core/schedule/types.js';

const AUTUMN = { name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' };
const SPRING = { name: 'Spring 2027', start: '2027-01-04', end: '2027-03-26' };
const ROUND = 'term-end:2026-12-18';
const khan: Person = { platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1' };
const okafor: Person = { platform: 'teams', id: '29:aad-okafor', name: 'Mrs Okafor', teamId: 'tenant-1' };

async function started(settings: Record<string, unknown> = {}) {
  const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN, SPRING], ...settings } });
  await s.meet({ ...khan, dmConversationId: 'D-KHAN' });
  await s.meet({ ...okafor, dmConversationId: 'a:dm-okafor' });
  await s.tick();
  return s;
}
const to = (ds: Delivery[], who: Person) => ds.filter((d) => d.to.userId === who.id && d.kind === 'reminder.term-end');

test('Done: the card says thank you, the answer is kept, and no follow-up comes', async () => {
  const s = await started();
  const [reply] = await s.press(khan, 'remind.done', ROUND);
  expect(reply!.mode).toBe('update');
  expect(textOf(reply!)).toMatch(/Thank you: I've noted that you deleted this term's recordings/);
  expect(await s.store.reminders.get(`${ROUND}:slack:U-KHAN`)).toMatchObject({ status: 'done', answeredAt: '2026-12-18T15:00:00.000Z' });
  s.clock.set('2026-12-21T15:00:00Z');
  await s.tick();
  const ds = await s.deliveries();
  expect(to(ds, khan)).toHaveLength(1);
  expect(to(ds, okafor).map((d) => d.key)).toEqual([`${ROUND}:teams:29:aad-okafor`, `${ROUND}:follow-up-1:teams:29:aad-okafor`]);
});

test('Remind me in 2 days: said in local time, sent once two days later, then counted as waiting again', async () => {
  const s = await started();
  const [reply] = await s.press(okafor, 'remind.snooze', ROUND);
  expect(textOf(reply!)).toMatch(/OK: I'll remind you again on Sunday 20 December 2026 at 15:00/);
  expect(await s.store.timers.list()).toEqual([expect.objectContaining({ kind: 'reminder.snooze', dueAt: '2026-12-20T15:00:00.000Z' })]);
  s.clock.set('2026-12-20T14:59:00Z');
  await s.tick();
  expect(to(await s.deliveries(), okafor)).toHaveLength(1);
  s.clock.set('2026-12-20T15:00:00Z');
  await Promise.all([s.tick(), s.tick()]);
  await s.tick();
  const again = to(await s.deliveries(), okafor).filter((d) => /snooze/.test(d.key));
  expect(again).toHaveLength(1);
  expect(textOf(again[0]!)).toMatch(/Here's the reminder you asked for/);
  expect(again[0]!.to).toEqual({ platform: 'teams', userId: okafor.id, teamId: 'tenant-1', conversationId: 'a:dm-okafor' });
  expect(await s.store.reminders.get(`${ROUND}:teams:29:aad-okafor`)).toMatchObject({ status: 'sent' });
});

test('snoozed, then Done before the two days are up: the snoozed reminder is not sent', async () => {
  const s = await started();
  await s.press(khan, 'remind.snooze', ROUND);
  await s.press(khan, 'remind.done', ROUND);
  expect(await s.store.timers.list()).toEqual([]);
  s.clock.set('2026-12-20T15:00:00Z');
  await s.tick();
  expect(to(await s.deliveries(), khan)).toHaveLength(1);
});

test("I don't record lessons: noted, with a way to stop the reminders altogether", async () => {
  const s = await started();
  const [reply] = await s.press(khan, 'remind.none', ROUND);
  expect(textOf(reply!)).toMatch(/Noted: you don't record lessons/);
  expect(reply!.prompt.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons.map((x) => x.label) : []))).toEqual(['Stop these reminders']);
  expect(await s.store.reminders.get(`${ROUND}:slack:U-KHAN`)).toMatchObject({ status: 'no-recordings' });
});

test('Stop these reminders is honoured by the next term; Start them again brings them back', async () => {
  const s = await started();
  const [reply] = await s.press(okafor, 'remind.stop', ROUND);
  expect(textOf(reply!)).toMatch(/You won't get these reminders any more/);
  const resume = reply!.prompt.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons : []));
  expect(resume.map((b) => b.label)).toEqual(['Start them again']);
  s.clock.set('2026-12-21T15:00:00Z');
  await s.tick();
  expect(to(await s.deliveries(), okafor)).toHaveLength(1);
  s.clock.set('2027-03-26T15:00:00Z');
  await s.tick();
  expect(to(await s.deliveries(), okafor).filter((d) => d.group === 'term-end:2027-03-26')).toEqual([]);
  expect(to(await s.deliveries(), khan).filter((d) => d.group === 'term-end:2027-03-26')).toHaveLength(1);

  const [back] = await s.press(okafor, resume[0]!.action, resume[0]!.value!);
  expect(textOf(back!)).toMatch(/The reminders are back on/);
  expect(await s.store.reminders.get('opt-out:teams:29:aad-okafor')).toBeUndefined();
});

test('"stop reminders" typed to the bot opts out too, and says so once', async () => {
  const s = await started();
  const [first] = await s.say(khan, 'stop reminders');
  expect(textOf(first!)).toMatch(/you won't get the reminders to delete recordings any more/);
  const [second] = await s.say(khan, 'Stop these reminders');
  expect(textOf(second!)).toMatch(/You had already stopped these reminders/);
  s.clock.set('2026-12-21T15:00:00Z');
  await s.tick();
  expect(to(await s.deliveries(), khan)).toHaveLength(1);
});

test('a platform button shows its steps privately and remembers the platform for the next reminder', async () => {
  const s = await started();
  const first = to(await s.deliveries(), khan)[0]!;
  const meet = buttonsOf(first).find((b) => b.label === 'Google Meet')!;
  const [reply] = await s.press(khan, meet.action, meet.value!);
  expect(reply!.mode).toBe('private');
  expect(textOf(reply!)).toMatch(/How to do it on Google Meet:[\s\S]*Meet Recordings/);
  expect((await s.store.users.get('slack:U-KHAN'))?.prefs?.callPlatform).toBe('meet');
  s.clock.set('2026-12-21T15:00:00Z');
  await s.tick();
  expect(textOf(to(await s.deliveries(), khan).find((d) => /follow-up/.test(d.key))!)).toMatch(/How to do it on Google Meet/);
});

test('a button for a round that does not exist writes nothing and says so', async () => {
  const s = await started();
  const before = (await s.store.reminders.list()).length;
  const [reply] = await s.press(khan, 'remind.done', 'term-end:no-such-term');
  expect(textOf(reply!)).toMatch(/no longer open/);
  expect((await s.store.reminders.list()).length).toBe(before);
  const [bad] = await s.press(khan, 'remind.steps', 'skype|term-end:2026-12-18');
  expect(textOf(bad!)).toMatch(/no longer open/);
});

test('a forged button from someone the round never reminded (Done, snooze, no recordings) records nothing, sets no timer and is not counted', async () => {
  const s = await started();
  const stranger: Person = { platform: 'slack', id: 'U-STRANGER', name: 'Mr Stranger', teamId: 'T1' };
  const before = JSON.stringify(await s.store.reminders.list());
  const replies = await Promise.all(['remind.done', 'remind.snooze', 'remind.none'].map((a) => s.press(stranger, a, ROUND)));
  for (const [reply] of replies) expect(textOf(reply!)).toMatch(/no longer open/);
  expect(JSON.stringify(await s.store.reminders.list())).toBe(before);
  expect(await s.store.timers.list()).toEqual([]);
  // The real person's answer still counts.
  const [mine] = await s.press(khan, 'remind.done', ROUND);
  expect(textOf(mine!)).toMatch(/Thank you/);
});

test('a garbled round value (3,000 characters) still opts the person out, but is not echoed into the answer or the logs', async () => {
  const s = await started();
  const garbage = `x"<>${'y'.repeat(3000)}`;
  const [reply] = await s.press(khan, 'remind.stop', garbage);
  expect(textOf(reply!)).not.toContain('yyyy');
  expect(JSON.stringify(reply)).not.toContain('yyyy');
  expect(JSON.stringify(reply).length).toBeLessThan(3000);
  // Their choice is still honoured.
  expect(JSON.stringify(await s.store.reminders.list())).toMatch(/opt/);
});

describe('the terms command', () => {
  test('an admin sees the terms with their reminder times; the defaults when the settings name none', async () => {
    const s = school({ now: '2026-12-02T10:00:00Z', settings: { slack: { admins: ['U-ADMIN'] } } });
    const [reply] = await s.say({ platform: 'slack', id: 'U-ADMIN' }, 'terms');
    const seen = textOf(reply!);
    expect(seen).toMatch(/The school's terms/);
    expect(seen).toMatch(/Autumn 2026: Wed 2 Sept? 2026 to Fri 18 Dec 2026\. Reminder: Friday 18 December 2026 at 15:00/);
    expect(seen).toMatch(/Summer 2028: .* Reminder: Friday 21 July 2028 at 15:00 \(end of the school year\)/);
    expect(seen).toMatch(/Academies .* set their own dates/);
  });

  test('a term that ends on a Saturday is flagged: its reminder would go that day', async () => {
    const s = school({ now: '2026-12-02T10:00:00Z', settings: { slack: { admins: ['U-ADMIN'] }, terms: [{ name: 'Summer 2027', start: '2027-04-12', end: '2027-07-24' }] } });
    const seen = textOf((await s.say({ platform: 'slack', id: 'U-ADMIN' }, 'terms'))[0]!);
    expect(seen).toMatch(/Summer 2027: .* Reminder: Saturday 24 July 2027 at 15:00 \(end of the school year\) \(ends on a Saturday: the reminder goes that day/);
  });

  test('the DPO on Teams may list them; a teacher may not', async () => {
    const s = school({ now: '2026-12-02T10:00:00Z', settings: { teams: { dpo: ['29:aad-dpo'] } } });
    expect(textOf((await s.say({ platform: 'teams', id: '29:aad-dpo' }, 'term dates'))[0]!)).toMatch(/Autumn 2026/);
    const [refused] = await s.say(khan, 'terms');
    expect(textOf(refused!)).toMatch(/Only the school's admins and data protection officer/);
    expect(textOf(refused!)).not.toMatch(/Autumn 2026/);
  });
});

test('"Remind me before my next call": the timer the setup set is sent once, to the DM, with a way back in', async () => {
  const s = school({ now: '2026-11-30T08:00:00Z', settings: { terms: [] } });
  await s.meet({ ...khan, dmConversationId: 'D-KHAN' });
  await s.store.timers.put('setup.before-call:k:1', {
    key: 'setup.before-call:k:1',
    kind: 'setup.before-call',
    dueAt: '2026-11-30T08:15:00.000Z',
    createdAt: '2026-11-23T09:00:00.000Z',
    payload: { platform: 'slack', userId: khan.id, teamId: 'T1', callPlatform: 'zoom', open: 3 },
  });
  await s.tick();
  expect(await s.deliveries()).toEqual([]);
  s.clock.set('2026-11-30T08:15:00Z');
  await s.tick();
  await s.tick();
  const ds = await s.deliveries();
  expect(ds).toHaveLength(1);
  expect(ds[0]!.to).toEqual({ platform: 'slack', userId: khan.id, conversationId: 'D-KHAN', teamId: 'T1' });
  expect(textOf(ds[0]!)).toMatch(/Your class call is coming up[\s\S]*3 steps of your setup are still open/);
  expect(buttonsOf(ds[0]!)).toEqual([expect.objectContaining({ action: 'setup.start', label: 'Secure my call', value: 'zoom' })]);
});

test('a "remind me" saved before the scheduler existed (a pending request) is sent at its time, once', async () => {
  const s = school({ now: '2026-11-29T08:00:00Z', settings: { terms: [] } });
  await s.meet({ ...khan, dmConversationId: 'D-KHAN' });
  await s.store.requests.put('remind-before-call:slack:U-KHAN:C1:abc', {
    id: 'remind-before-call:slack:U-KHAN:C1:abc',
    kind: 'remind-before-call',
    platform: 'slack',
    userId: khan.id,
    conversationId: 'C1',
    createdAt: '2026-11-23T09:00:00.000Z',
    dueAt: '2026-11-30T08:15:00.000Z',
    detail: { dialog: 'slack:U-KHAN:C1', instance: 'abc', callPlatform: 'teams', open: ['a', 'b'] },
  });
  await s.tick();
  expect(await s.store.requests.list()).toEqual([]);
  expect(await s.deliveries()).toEqual([]);
  s.clock.set('2026-11-30T08:15:00Z');
  await s.tick();
  await s.tick();
  const ds = await s.deliveries();
  expect(ds).toHaveLength(1);
  expect(ds[0]!.to).toMatchObject({ platform: 'slack', userId: khan.id, conversationId: 'D-KHAN' });
  expect(textOf(ds[0]!)).toMatch(/2 steps of your setup are still open/);
});

test('"Remind me in 2 days" pressed on an older message after Done does not reopen the answer', async () => {
  const s = await started();
  await s.press(khan, 'remind.done', ROUND);
  const [reply] = await s.press(khan, 'remind.snooze', ROUND);
  expect(textOf(reply!)).toMatch(/I've noted that you deleted/);
  expect(await s.store.timers.list()).toEqual([]);
  expect(await s.store.reminders.get(`${ROUND}:slack:U-KHAN`)).toMatchObject({ status: 'done' });
});

test('a button for a round that was skipped (missed while the bot was down) sets no timer and records nothing', async () => {
  const s = school({ now: '2026-12-28T15:00:00Z', settings: { terms: [AUTUMN] } });
  await s.meet({ ...khan, dmConversationId: 'D-KHAN' });
  await s.tick();
  expect(await s.store.reminders.get(`round:${ROUND}`)).toMatchObject({ status: 'skipped' });
  const [reply] = await s.press(khan, 'remind.snooze', ROUND);
  expect(textOf(reply!)).toMatch(/no longer open/);
  expect(await s.store.timers.list()).toEqual([]);
  expect(await s.store.reminders.get(`${ROUND}:slack:U-KHAN`)).toBeUndefined();
});
