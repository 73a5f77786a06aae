/**
 * Nobody gets two reminders of one round at once: a snooze and a follow-up falling due before one tick
 * (after downtime, or a snooze just before the follow-up), follow-ups that piled up while the bot was down,
 * a round caught up late with its follow-up already due. And a snooze pressed on a round that is over.
 */
import { school, textOf } from './reminders.harness.js';
import type { Person } from '../../src/core/conversation.js';
import type { Delivery } from '../../src/core/schedule/types.js';

const AUTUMN = { name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' };
const ROUND = 'term-end:2026-12-18';
const okafor: Person = { platform: 'teams', id: '29:aad-okafor', name: 'Mrs Okafor', teamId: 'tenant-1' };
const jones: Person = { platform: 'slack', id: 'U-JONES', name: 'Mr Jones', teamId: 'T1' };

const reminders = (ds: Delivery[], who: Person) => ds.filter((d) => d.kind === 'reminder.term-end' && d.to.userId === who.id);
const sentOn = (ds: Delivery[], who: Person, day: string) => reminders(ds, who).filter((d) => d.createdAt.startsWith(day));

async function started(settings: Record<string, unknown> = {}, now = '2026-12-18T15:00:00Z') {
  const s = school({ now, settings: { terms: [AUTUMN], reminders: { followUpDays: 3, maxFollowUps: 2 }, ...settings } });
  await s.meet({ ...okafor, dmConversationId: 'a:dm-okafor' });
  await s.meet({ ...jones, dmConversationId: 'D-JONES' });
  await s.tick();
  return s;
}

test('a snooze and a follow-up that fall due while the bot is down give one message when it is back', async () => {
  const s = await started();
  s.clock.set('2026-12-19T16:00:00Z');
  await s.press(okafor, 'remind.snooze', ROUND); // due Monday 21st at 16:00; the follow-up is due at 15:00
  s.clock.set('2026-12-22T09:00:00Z');
  await s.tick();
  await s.tick();
  const ds = await s.deliveries();
  expect(sentOn(ds, okafor, '2026-12-22')).toHaveLength(1);
  expect(sentOn(ds, jones, '2026-12-22')).toHaveLength(1);
  expect(await s.store.timers.list()).toEqual([]);
  expect(await s.store.reminders.get(`${ROUND}:teams:29:aad-okafor`)).toMatchObject({ status: 'sent' });
});

test('a snooze that falls due a minute before the follow-up: the snoozed reminder, and no follow-up that day', async () => {
  const s = await started();
  s.clock.set('2026-12-19T14:59:00Z');
  await s.press(okafor, 'remind.snooze', ROUND);
  for (const at of ['2026-12-21T14:59:00Z', '2026-12-21T15:00:00Z', '2026-12-21T15:01:00Z']) {
    s.clock.set(at);
    await s.tick();
  }
  const ds = await s.deliveries();
  expect(sentOn(ds, okafor, '2026-12-21').map((d) => d.key)).toEqual([`${ROUND}:snooze-2026-12-21T14:59:00.000Z:teams:29:aad-okafor`]);
  expect(textOf(sentOn(ds, okafor, '2026-12-21')[0]!)).toMatch(/Here's the reminder you asked for/);
  // Not answered yet: the next follow-up still comes.
  s.clock.set('2026-12-24T15:00:00Z');
  await s.tick();
  expect(sentOn(await s.deliveries(), okafor, '2026-12-24').map((d) => d.key)).toEqual([`${ROUND}:follow-up-2:teams:29:aad-okafor`]);
});

test('follow-ups that piled up while the bot was down: only the latest goes', async () => {
  const s = await started({ reminders: { followUpDays: 3, maxFollowUps: 2, catchUpDays: 7 } });
  s.clock.set('2026-12-25T10:00:00Z');
  await s.tick();
  const ds = await s.deliveries();
  for (const who of [okafor, jones]) expect(reminders(ds, who).map((d) => d.key.split(':')[2])).toEqual([who.platform, 'follow-up-2']);
  expect(await s.store.reminders.get(`round:${ROUND}`)).toMatchObject({ followUps: 2, missedFollowUps: [1] });
});

test('a round caught up late, its first follow-up already due: one reminder that day, not two', async () => {
  const s = await started({}, '2026-12-22T09:00:00Z');
  const ds = await s.deliveries();
  expect(reminders(ds, jones).map((d) => d.key)).toEqual([`${ROUND}:slack:U-JONES`]);
  expect(reminders(ds, okafor)).toHaveLength(1);
});

test('Remind me in 2 days on a round whose summary has gone: no timer, a plain answer, and no reminder months later', async () => {
  const s = await started({ reminders: { followUpDays: 1, maxFollowUps: 0 }, slack: { dpo: ['U-DPO'] } });
  s.clock.set('2026-12-19T15:00:00Z');
  await s.tick();
  expect(await s.store.reminders.get(`round:${ROUND}`)).toMatchObject({ status: 'summarised' });
  s.clock.set('2027-03-01T10:00:00Z');
  const [reply] = await s.press(okafor, 'remind.snooze', ROUND);
  expect(reply!.mode).toBe('update');
  expect(textOf(reply!)).toMatch(/That term's reminders have finished/);
  expect(await s.store.timers.list()).toEqual([]);
  s.clock.set('2027-03-03T10:00:00Z');
  await s.tick();
  expect(reminders(await s.deliveries(), okafor)).toHaveLength(1);
  expect(await s.store.reminders.get(`${ROUND}:teams:29:aad-okafor`)).toMatchObject({ status: 'sent' });
});

test('a snooze already set when the summary goes is still kept: the teacher asked for it', async () => {
  const s = await started({ reminders: { followUpDays: 1, maxFollowUps: 0 }, slack: { dpo: ['U-DPO'] } });
  s.clock.set('2026-12-18T16:00:00Z');
  await s.press(okafor, 'remind.snooze', ROUND);
  s.clock.set('2026-12-19T15:00:00Z');
  await s.tick();
  s.clock.set('2026-12-20T16:00:00Z');
  await s.tick();
  expect(reminders(await s.deliveries(), okafor).map((d) => d.key)).toEqual([`${ROUND}:teams:29:aad-okafor`, `${ROUND}:snooze-2026-12-20T16:00:00.000Z:teams:29:aad-okafor`]);
});
