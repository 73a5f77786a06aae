/**
 * The reminders' policy with a fixed clock: when the term-end round, its follow-ups, the DPO's summary and
 * the DPIA review fall due (in Europe/London, across the BST/GMT changes), who gets what, and the catch-up
 * cut-off. Deliveries are read back from the outbox (store.deliveries) as the scheduler would send them.
 */
import { school, textOf, buttonsOf } from './reminders.harness.js';
import { plainText } from '../../src/core/prompt.js';
import type { Delivery } from '../../src/core/schedule/types.js';

const AUTUMN = { name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' };
const SPRING = { name: 'Spring 2027', start: '2027-01-04', end: '2027-03-26' };
const SUMMER = { name: 'Summer 2027', start: '2027-04-12', end: '2027-07-21' };
/** Ends the Friday before the clocks go back (Sunday 31 October 2027). */
const OCTOBER = { name: 'Autumn one 2027', start: '2027-09-01', end: '2027-10-29' };

const firsts = (ds: Delivery[]) => ds.filter((d) => d.kind === 'reminder.term-end' && !/follow-up|snooze/.test(d.key));
const text = (d: Delivery) => plainText(d.prompt!.blocks);

async function withPeople(s: ReturnType<typeof school>) {
  await s.meet({ platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1', dmConversationId: 'D-KHAN', prefs: { callPlatform: 'zoom' } });
  await s.meet({ platform: 'slack', id: 'U-JONES', name: 'Mr Jones', teamId: 'T1' });
  await s.meet({ platform: 'teams', id: '29:aad-okafor', name: 'Mrs Okafor', teamId: 'tenant-1', dmConversationId: 'a:dm-okafor', prefs: { callPlatform: 'teams' } });
}

describe('the term-end round', () => {
  test('falls due at 15:00 local on the last day: GMT in December (15:00Z), BST in July (14:00Z)', async () => {
    const s = school({ now: '2026-12-18T14:59:00Z', settings: { terms: [AUTUMN, SUMMER] } });
    await withPeople(s);
    await s.tick();
    expect(await s.deliveries()).toEqual([]);
    s.clock.set('2026-12-18T15:00:00Z');
    await s.tick();
    expect(firsts(await s.deliveries()).map((d) => d.key).sort()).toEqual([
      'term-end:2026-12-18:slack:U-JONES',
      'term-end:2026-12-18:slack:U-KHAN',
      'term-end:2026-12-18:teams:29:aad-okafor',
    ]);

    s.clock.set('2027-07-21T13:59:00Z');
    await s.tick();
    expect((await s.deliveries()).filter((d) => d.group === 'term-end:2027-07-21')).toEqual([]);
    s.clock.set('2027-07-21T14:00:00Z');
    await s.tick();
    expect((await s.deliveries()).filter((d) => d.group === 'term-end:2027-07-21')).toHaveLength(3);
  });

  test('every known person gets exactly one DM, however often the tick runs, with the staff channel merged in', async () => {
    const s = school({
      now: '2026-12-18T15:00:00Z',
      settings: { terms: [AUTUMN], slack: { staffChannel: 'GSTAFF1' } },
      directory: { channelMembers: async (c) => (c === 'GSTAFF1' ? ['U-KHAN', 'U-NEW'] : undefined) },
    });
    await withPeople(s);
    await Promise.all([s.tick(), s.tick()]);
    await s.tick();
    const sent = firsts(await s.deliveries());
    expect(sent).toHaveLength(4);
    expect(new Set(sent.map((d) => d.key)).size).toBe(4);
    expect(sent.find((d) => d.key.endsWith(':slack:U-NEW'))!.to).toEqual({ platform: 'slack', userId: 'U-NEW' });
    expect(sent.find((d) => d.key.endsWith(':slack:U-KHAN'))!.to).toEqual({ platform: 'slack', userId: 'U-KHAN', teamId: 'T1', conversationId: 'D-KHAN' });
    expect(sent.find((d) => d.key.endsWith('aad-okafor'))!.to).toEqual({ platform: 'teams', userId: '29:aad-okafor', teamId: 'tenant-1', conversationId: 'a:dm-okafor' });
    expect(sent.every((d) => d.group === 'term-end:2026-12-18' && d.status === 'queued')).toBe(true);
  });

  test("each person's platform steps come from the guidance; no platform known: buttons to pick one", async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN] } });
    await withPeople(s);
    await s.tick();
    const byKey = new Map((await s.deliveries()).map((d) => [d.key, d]));
    const khan = byKey.get('term-end:2026-12-18:slack:U-KHAN')!;
    expect(text(khan)).toMatch(/How to do it on Zoom:/);
    expect(text(khan)).toMatch(/zoom\.us/);
    // The message is the diary entry: the guidance's "put a reminder in your calendar" step is left out.
    expect(text(khan)).not.toMatch(/calendar/i);
    expect(text(byKey.get('term-end:2026-12-18:teams:29:aad-okafor')!)).toMatch(/OneDrive/);
    const jones = byKey.get('term-end:2026-12-18:slack:U-JONES')!;
    expect(text(jones)).toMatch(/Which platform do you record on/);
    expect(buttonsOf(jones).map((b) => b.label)).toEqual([
      'Zoom',
      'Microsoft Teams',
      'Google Meet',
      "Done, I've deleted them",
      'Remind me in 2 days',
      "I don't record lessons",
      'Stop these reminders',
    ]);
    expect(buttonsOf(jones).every((b) => b.label.length <= 40)).toBe(true);
  });

  test('only the summer term also says to delete the account', async () => {
    const s = school({ now: '2027-07-21T14:00:00Z', settings: { terms: [AUTUMN, SUMMER], reminders: { catchUpDays: 60 } } });
    await withPeople(s);
    s.clock.set('2026-12-18T15:00:00Z');
    await s.tick();
    s.clock.set('2027-07-21T14:00:00Z');
    await s.tick();
    const ds = await s.deliveries();
    const of = (id: string) => ds.find((d) => d.key === `term-end:${id}:slack:U-KHAN`)!;
    expect(text(of('2026-12-18'))).not.toMatch(/delete it or ask IT to close it/);
    expect(text(of('2027-07-21'))).toMatch(/end of the school year: if you no longer need your call account, delete it or ask IT to close it/);
  });

  test('someone who stopped the reminders gets none, and is counted as opted out', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN] } });
    await withPeople(s);
    await s.say({ platform: 'slack', id: 'U-JONES', name: 'Mr Jones', teamId: 'T1' }, 'stop reminders');
    await s.tick();
    expect(firsts(await s.deliveries()).map((d) => d.key)).not.toContain('term-end:2026-12-18:slack:U-JONES');
    expect(firsts(await s.deliveries())).toHaveLength(2);
    expect(await s.store.reminders.get('term-end:2026-12-18:slack:U-JONES')).toMatchObject({ status: 'opted-out', notSent: true });
  });

  test('a crash in the middle of a round: the next tick finishes it without sending anyone a second one', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN] } });
    await withPeople(s);
    await s.tick();
    // As if the process died after enqueueing only some: the round is still "starting", one delivery is missing.
    await s.store.reminders.update('round:term-end:2026-12-18', (r) => r && { ...r, status: 'starting' });
    await s.store.deliveries.delete('term-end:2026-12-18:slack:U-JONES');
    const before = new Map((await s.deliveries()).map((d) => [d.key, d.createdAt]));
    s.clock.set('2026-12-18T15:01:00Z');
    await s.tick();
    const after = firsts(await s.deliveries());
    expect(after).toHaveLength(3);
    for (const d of after) if (before.has(d.key)) expect(d.createdAt).toBe(before.get(d.key));
    expect(await s.store.reminders.get('round:term-end:2026-12-18')).toMatchObject({ status: 'sent', people: 3 });
  });
});

describe('follow-ups and the summary', () => {
  const dpo = { slack: { dpo: ['U-DPO'], dpoChannel: 'GDPO1' }, teams: { dpo: ['29:aad-dpo'] } };

  test('someone who blocks the bot after the first DM (their follow-up is refused) is not followed up again and is summarised as unreachable', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], reminders: { followUpDays: 3, maxFollowUps: 2 }, ...dpo } });
    await s.meet({ platform: 'slack', id: 'U-JONES', name: 'Mr Jones', dmConversationId: 'D-JONES' });
    await s.tick();
    await s.store.deliveries.update('term-end:2026-12-18:slack:U-JONES', (d) => d && { ...d, status: 'sent' });
    s.clock.set('2026-12-21T15:00:00Z');
    await s.tick();
    // What the outbox does when Slack answers the follow-up with user_disabled: the delivery and the person are marked.
    await s.store.deliveries.update('term-end:2026-12-18:follow-up-1:slack:U-JONES', (d) => d && { ...d, status: 'unreachable', error: 'user_disabled' });
    await s.store.users.update('slack:U-JONES', (u) => u && { ...u, unreachable: { since: '2026-12-21T15:00:01.000Z', reason: 'user_disabled' } });
    for (const at of ['2026-12-24T15:00:00Z', '2026-12-27T15:00:00Z']) {
      s.clock.set(at);
      await s.tick();
    }
    expect((await s.deliveries()).filter((d) => /follow-up-2/.test(d.key))).toEqual([]);
    const summary = text((await s.deliveries()).find((d) => d.kind === 'reminder.summary')!);
    expect(summary).toMatch(/Couldn't be reached.*Mr Jones/);
    expect(summary).not.toMatch(/Haven't answered: Mr Jones/);
  });

  test('after followUpDays those who have not answered are followed up, at most maxFollowUps times, then the DPO gets the summary', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], reminders: { followUpDays: 3, maxFollowUps: 2 }, ...dpo } });
    await withPeople(s);
    await s.meet({ platform: 'slack', id: 'U-GONE', name: 'Mr Gone' });
    await s.tick();
    await s.press({ platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1' }, 'remind.done', 'term-end:2026-12-18');
    await s.press({ platform: 'teams', id: '29:aad-okafor', name: 'Mrs Okafor' }, 'remind.none', 'term-end:2026-12-18');
    // The outbox found Mr Gone unreachable (he removed the bot): no follow-ups for him.
    await s.store.deliveries.update('term-end:2026-12-18:slack:U-GONE', (d) => d && { ...d, status: 'unreachable', error: 'user_disabled' });
    await s.store.deliveries.update('term-end:2026-12-18:slack:U-JONES', (d) => d && { ...d, status: 'sent' });

    s.clock.set('2026-12-21T14:59:00Z');
    await s.tick();
    expect((await s.deliveries()).filter((d) => /follow-up/.test(d.key))).toEqual([]);
    s.clock.set('2026-12-21T15:00:00Z');
    await s.tick();
    expect((await s.deliveries()).filter((d) => /follow-up/.test(d.key)).map((d) => d.key)).toEqual(['term-end:2026-12-18:follow-up-1:slack:U-JONES']);
    const follow = (await s.deliveries()).find((d) => d.key.includes('follow-up-1'))!;
    expect(textOf(follow)).toMatch(/A reminder: you haven't told me yet/);

    s.clock.set('2026-12-24T15:00:00Z');
    await s.tick();
    s.clock.set('2026-12-27T15:00:00Z');
    await s.tick();
    s.clock.set('2026-12-30T15:00:00Z');
    await s.tick();
    const keys = (await s.deliveries()).map((d) => d.key);
    expect(keys.filter((k) => /follow-up/.test(k)).sort()).toEqual(['term-end:2026-12-18:follow-up-1:slack:U-JONES', 'term-end:2026-12-18:follow-up-2:slack:U-JONES']);
    const summaries = (await s.deliveries()).filter((d) => d.kind === 'reminder.summary');
    expect(summaries.map((d) => d.to)).toEqual([
      { platform: 'slack', conversationId: 'GDPO1' },
      { platform: 'teams', userId: '29:aad-dpo' },
    ]);
    const summary = text(summaries[0]!);
    expect(summary).toMatch(/Reminded: 4/);
    expect(summary).toMatch(/Confirmed they deleted them: 1/);
    expect(summary).toMatch(/Don't record lessons: 1/);
    expect(summary).toMatch(/Haven't answered: Mr Jones/);
    expect(summary).toMatch(/Couldn't be reached.*Mr Gone/);
    expect(await s.store.reminders.get('round:term-end:2026-12-18')).toMatchObject({ status: 'summarised', followUps: 2 });
    await s.tick();
    expect((await s.deliveries()).filter((d) => d.kind === 'reminder.summary')).toHaveLength(2);
  });

  test('a summary due when no DPO is set goes to the DPO named later (the settings edited, no restart), within the catch-up days; one set later still gets it too, once', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], reminders: { followUpDays: 2, maxFollowUps: 0 } } });
    await withPeople(s);
    await s.tick();
    s.clock.set('2026-12-20T15:00:00Z');
    await s.tick();
    const summaries = async () => (await s.deliveries()).filter((d) => d.kind === 'reminder.summary').map((d) => d.to);
    expect(await summaries()).toEqual([]);
    s.edit({ terms: [AUTUMN], reminders: { followUpDays: 2, maxFollowUps: 0 }, slack: { dpo: ['U-DPO'] } });
    s.clock.set('2026-12-21T09:00:00Z');
    await s.tick();
    await s.tick();
    expect(await summaries()).toEqual([{ platform: 'slack', userId: 'U-DPO' }]);
    expect(text((await s.deliveries()).find((d) => d.kind === 'reminder.summary')!)).toMatch(/Reminded: 3/);
    s.edit({ terms: [AUTUMN], reminders: { followUpDays: 2, maxFollowUps: 0 }, slack: { dpo: ['U-DPO'], dpoChannel: 'GDPO1' } });
    await s.tick();
    expect(await summaries()).toEqual([{ platform: 'slack', userId: 'U-DPO' }, { platform: 'slack', conversationId: 'GDPO1' }]);
    // Past the catch-up days a new destination no longer gets an old summary.
    s.edit({ terms: [AUTUMN], reminders: { followUpDays: 2, maxFollowUps: 0 }, slack: { dpo: ['U-DPO'], dpoChannel: 'GDPO2' } });
    s.clock.set('2026-12-28T15:01:00Z');
    await s.tick();
    expect(await summaries()).toHaveLength(2);
  });

  test('the Teams DPO conversation set in chat is used instead of the DPOs\' DMs; uncertain deliveries are counted', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], reminders: { followUpDays: 2, maxFollowUps: 0 }, ...dpo } });
    await withPeople(s);
    // Set the way a DPO sets it: typing "set dpo channel" in that Teams channel.
    await s.bot.handle({ who: { platform: 'teams', id: '29:aad-dpo' }, where: { platform: 'teams', id: '19:dpo@thread.tacv2', kind: 'channel' }, input: { kind: 'message', text: 'set dpo channel' }, at: s.clock.now() });
    await s.tick();
    await s.store.deliveries.update('term-end:2026-12-18:teams:29:aad-okafor', (d) => d && { ...d, status: 'uncertain' });
    s.clock.set('2026-12-20T15:00:00Z');
    await s.tick();
    const summaries = (await s.deliveries()).filter((d) => d.kind === 'reminder.summary');
    expect(summaries.map((d) => d.to)).toEqual([
      { platform: 'slack', conversationId: 'GDPO1' },
      { platform: 'teams', conversationId: '19:dpo@thread.tacv2' },
    ]);
    expect(text(summaries[1]!)).toMatch(/Delivery not certain: 1/);
    expect(text(summaries[1]!)).toMatch(/1 message\(s\) may or may not have arrived/);
  });

  test('a follow-up three days on stays at 15:00 local across the change to BST (Monday 29 March 2027 is 14:00Z)', async () => {
    const s = school({ now: '2027-03-26T15:00:00Z', settings: { terms: [SPRING] } });
    await withPeople(s);
    await s.tick();
    expect(firsts(await s.deliveries())).toHaveLength(3);
    s.clock.set('2027-03-29T13:59:00Z');
    await s.tick();
    expect((await s.deliveries()).filter((d) => /follow-up/.test(d.key))).toEqual([]);
    s.clock.set('2027-03-29T14:00:00Z');
    await s.tick();
    expect((await s.deliveries()).filter((d) => /follow-up-1/.test(d.key))).toHaveLength(3);
  });

  test('and across the change to GMT (Friday 29 October 2027 at 14:00Z, follow-up Monday 1 November at 15:00Z)', async () => {
    const s = school({ now: '2027-10-29T13:59:00Z', settings: { terms: [OCTOBER] } });
    await withPeople(s);
    await s.tick();
    expect(await s.deliveries()).toEqual([]);
    s.clock.set('2027-10-29T14:00:00Z');
    await s.tick();
    expect(firsts(await s.deliveries())).toHaveLength(3);
    s.clock.set('2027-11-01T14:59:00Z');
    await s.tick();
    expect((await s.deliveries()).filter((d) => /follow-up/.test(d.key))).toEqual([]);
    s.clock.set('2027-11-01T15:00:00Z');
    await s.tick();
    expect((await s.deliveries()).filter((d) => /follow-up-1/.test(d.key))).toHaveLength(3);
  });
});

describe('catch-up after the bot was down', () => {
  test('a round missed by up to catchUpDays is sent at the next tick', async () => {
    const s = school({ now: '2026-12-25T14:59:00Z', settings: { terms: [AUTUMN], reminders: { catchUpDays: 7, maxFollowUps: 0 } } });
    await withPeople(s);
    await s.tick();
    expect(firsts(await s.deliveries())).toHaveLength(3);
  });

  test('past the cut-off it is not sent: no "end of the summer term" message in October, and none later either', async () => {
    const s = school({ now: '2027-10-04T09:00:00Z', settings: { terms: [SUMMER], reminders: { catchUpDays: 7 } } });
    await withPeople(s);
    await s.tick();
    expect(await s.deliveries()).toEqual([]);
    expect(await s.store.reminders.get('round:term-end:2027-07-21')).toMatchObject({ status: 'skipped' });
    s.clock.set('2027-10-05T09:00:00Z');
    await s.tick();
    expect(await s.deliveries()).toEqual([]);
  });

  test('the cut-off is the end of the school day catchUpDays after the reminder day: 23:59 on the 7th day sends, midnight does not', async () => {
    const at = school({ now: '2026-12-25T23:59:59Z', settings: { terms: [AUTUMN], reminders: { catchUpDays: 7 } } });
    await withPeople(at);
    await at.tick();
    expect(firsts(await at.deliveries())).toHaveLength(3);
    const late = school({ now: '2026-12-26T00:00:00Z', settings: { terms: [AUTUMN], reminders: { catchUpDays: 7 } } });
    await withPeople(late);
    await late.tick();
    expect(await late.deliveries()).toEqual([]);
  });

  test('a follow-up missed by more than the cut-off is skipped; the DPO still gets the summary', async () => {
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], reminders: { followUpDays: 3, maxFollowUps: 1, catchUpDays: 2 }, slack: { dpo: ['U-DPO'] } } });
    await withPeople(s);
    await s.tick();
    s.clock.set('2026-12-24T16:00:00Z');
    await s.tick();
    const ds = await s.deliveries();
    expect(ds.filter((d) => /follow-up/.test(d.key))).toEqual([]);
    expect(ds.filter((d) => d.kind === 'reminder.summary').map((d) => d.to)).toEqual([{ platform: 'slack', userId: 'U-DPO' }]);
  });
});

describe('the DPIA review', () => {
  test('six months after sign-off at 09:00 local, then every six months (BST: 08:00Z), once each', async () => {
    const s = school({ now: '2026-12-01T08:59:00Z', settings: { terms: [], dpiaSignedOff: '2026-06-01', slack: { dpo: ['U-DPO'] }, teams: { dpo: ['29:aad-dpo'] } } });
    await s.tick();
    expect(await s.deliveries()).toEqual([]);
    s.clock.set('2026-12-01T09:00:00Z');
    await Promise.all([s.tick(), s.tick()]);
    const first = (await s.deliveries()).filter((d) => d.kind === 'reminder.dpia-review');
    expect(first.map((d) => d.key).sort()).toEqual(['dpia-review:2026-12-01:slack:U-DPO', 'dpia-review:2026-12-01:teams:29:aad-dpo']);
    expect(text(first[0]!)).toMatch(/Next review: Tue 1 Jun 2027/);
    s.clock.set('2027-06-01T07:59:00Z');
    await s.tick();
    expect(await s.deliveries()).toHaveLength(2);
    s.clock.set('2027-06-01T08:00:00Z');
    await s.tick();
    expect((await s.deliveries()).map((d) => d.key)).toContain('dpia-review:2027-06-01:slack:U-DPO');
  });

  test('a review due while no DPO is set goes to the DPO named later, within the catch-up days', async () => {
    const s = school({ now: '2026-12-01T09:00:00Z', settings: { terms: [], dpiaSignedOff: '2026-06-01' } });
    await s.tick();
    expect(await s.deliveries()).toEqual([]);
    s.edit({ terms: [], dpiaSignedOff: '2026-06-01', slack: { dpo: ['U-DPO'] } });
    s.clock.set('2026-12-02T10:00:00Z');
    await s.tick();
    await s.tick();
    expect((await s.deliveries()).map((d) => d.key)).toEqual(['dpia-review:2026-12-01:slack:U-DPO']);
  });

  test('a review missed by more than catchUpDays is not sent late', async () => {
    const s = school({ now: '2027-01-15T09:00:00Z', settings: { terms: [], dpiaSignedOff: '2026-06-01', slack: { dpo: ['U-DPO'] } } });
    await s.tick();
    expect(await s.deliveries()).toEqual([]);
  });
});

test('the settings are read at every tick: a term added while the bot runs is picked up', async () => {
  const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [SPRING] } });
  await withPeople(s);
  const live = s.settings;
  await s.tick();
  expect(await s.deliveries()).toEqual([]);
  live.terms = [AUTUMN, SPRING];
  await s.tick();
  expect(firsts(await s.deliveries())).toHaveLength(3);
});
