/**
 * Who a round reaches: the Teams staff team's members as well as Slack's staff channel; one person on both
 * Slack and Teams (the same email in each platform's own directory) is one person, with one reminder, and
 * an answer or "Stop these reminders" on either account counts on both; and, for whoever could not be
 * reached, why, in the DPO's summary.
 */
import { school, textOf } from './reminders.harness.js';
import { plainText } from '../../src/core/prompt.js';
import type { Person } from '../../src/core/conversation.js';
import type { Delivery } from '../../src/core/schedule/types.js';
import type { StaffDirectory, TeamMember, TeamsStaffDirectory } from '../../dialogs/reminders/settings.js';

const AUTUMN = { name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' };
const SPRING = { name: 'Spring 2027', start: '2027-01-04', end: '2027-03-26' };
const ROUND = 'term-end:2026-12-18';
const TEAM = '19:staff0001@thread.tacv2';
const khanSlack: Person = { platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1' };
const khanTeams: Person = { platform: 'teams', id: 'aad-khan', name: 'Ms Khan', teamId: 'tenant-1' };

const firsts = (ds: Delivery[]) => ds.filter((d) => d.kind === 'reminder.term-end' && !/follow-up|snooze/.test(d.key));
const text = (d: Delivery) => plainText(d.prompt!.blocks);

function directories(o: { emails?: Record<string, string> | 'missing_scope'; roster?: TeamMember[] | 'not-installed' } = {}) {
  const slack: StaffDirectory = {
    channelMembers: async () => [],
    emails: async () => (o.emails === 'missing_scope' ? { problem: 'missing_scope' } : new Map(Object.entries(o.emails ?? {}))),
  };
  const teams: TeamsStaffDirectory = { teamMembers: async (id) => (o.roster === 'not-installed' ? { problem: 'not-installed' } : id === TEAM ? (o.roster ?? []) : { problem: '403_BotNotInConversationRoster' }) };
  return { directory: slack, teams };
}

const ROSTER: TeamMember[] = [
  { id: 'aad-khan', name: 'Ms Khan', email: 'S.Khan@Hillside.example', tenantId: 'tenant-1' },
  { id: 'aad-lee', name: 'Mr Lee', email: 'lee@hillside.example', tenantId: 'tenant-1' },
];

async function bothPlatforms(settings: Record<string, unknown> = {}, dirs = directories({ emails: { 'U-KHAN': 's.khan@hillside.example', 'U-JONES': 'jones@hillside.example' }, roster: ROSTER })) {
  const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN, SPRING], teams: { staffTeam: TEAM }, slack: { dpo: ['U-DPO'] }, reminders: { followUpDays: 3, maxFollowUps: 1 }, ...settings }, ...dirs });
  await s.meet({ ...khanSlack, dmConversationId: 'D-KHAN', lastSeen: '2026-12-01T10:00:00.000Z' });
  await s.meet({ ...khanTeams, dmConversationId: 'a:dm-khan', lastSeen: '2026-11-01T10:00:00.000Z' });
  await s.meet({ platform: 'slack', id: 'U-JONES', name: 'Mr Jones', teamId: 'T1' });
  await s.tick();
  return s;
}

describe('the Teams staff team', () => {
  test('its members who never used SafeCall are reminded too, addressed by their Entra id in their tenant', async () => {
    const s = await bothPlatforms();
    const lee = firsts(await s.deliveries()).find((d) => d.to.userId === 'aad-lee')!;
    expect(lee.key).toBe(`${ROUND}:teams:aad-lee`);
    expect(lee.to).toEqual({ platform: 'teams', userId: 'aad-lee', teamId: 'tenant-1' });
    expect(await s.store.reminders.get(`${ROUND}:teams:aad-lee`)).toMatchObject({ person: { name: 'Mr Lee' }, status: 'sent' });
  });

  test('a staff team that cannot be read is said in the DPO summary, with why; the people who used SafeCall are still reminded', async () => {
    const s = await bothPlatforms({ reminders: { followUpDays: 1, maxFollowUps: 0 } }, directories({ roster: 'not-installed' }));
    expect(firsts(await s.deliveries())).toHaveLength(3);
    s.clock.set('2026-12-19T15:00:00Z');
    await s.tick();
    const summary = text((await s.deliveries()).find((d) => d.kind === 'reminder.summary')!);
    expect(summary).toMatch(/The Teams staff team's members could not be read \(not-installed\)/);
  });
});

describe('one person on Slack and Teams', () => {
  test('matched by the email each platform gives (case aside): one reminder, to the account they used last', async () => {
    const s = await bothPlatforms();
    const ds = firsts(await s.deliveries());
    expect(ds.map((d) => d.key).sort()).toEqual([`${ROUND}:slack:U-JONES`, `${ROUND}:slack:U-KHAN`, `${ROUND}:teams:aad-lee`]);
    expect(await s.store.reminders.get(`${ROUND}:slack:U-KHAN`)).toMatchObject({ status: 'sent', accounts: [{ platform: 'teams', id: 'aad-khan' }] });
    expect(await s.store.reminders.get(`${ROUND}:teams:aad-khan`)).toMatchObject({ status: 'linked', linkedTo: `${ROUND}:slack:U-KHAN` });
  });

  test('Done pressed on the other account counts: no follow-up on either, and the summary counts one person confirmed', async () => {
    const s = await bothPlatforms();
    const [reply] = await s.press(khanTeams, 'remind.done', ROUND);
    expect(textOf(reply!)).toMatch(/noted that you deleted/);
    s.clock.set('2026-12-21T15:00:00Z');
    await s.tick();
    const ds = await s.deliveries();
    expect(ds.filter((d) => d.key.includes('follow-up') && /KHAN|khan/.test(d.key))).toEqual([]);
    s.clock.set('2026-12-24T15:00:00Z');
    await s.tick();
    const summary = text((await s.deliveries()).find((d) => d.kind === 'reminder.summary')!);
    expect(summary).toMatch(/Reminded: 3/);
    expect(summary).toMatch(/Confirmed they deleted them: 1/);
    expect(summary).toMatch(/1 people use both Slack and Teams: each was reminded once/);
  });

  test('"stop reminders" typed on one account stops them on both; "Start them again" on the other brings them back on both', async () => {
    const s = await bothPlatforms();
    await s.say(khanTeams, 'stop reminders');
    s.clock.set('2027-03-26T15:00:00Z');
    await s.tick();
    const spring = (await s.deliveries()).filter((d) => d.group === 'term-end:2027-03-26');
    expect(spring.map((d) => d.to.userId).sort()).toEqual(['U-JONES', 'aad-lee']);
    // One record holds her (on the account she used last, Teams now), the other points to it.
    expect(await s.store.reminders.get('term-end:2027-03-26:teams:aad-khan')).toMatchObject({ status: 'opted-out', notSent: true, accounts: [{ platform: 'slack', id: 'U-KHAN' }] });
    expect(await s.store.reminders.get('term-end:2027-03-26:slack:U-KHAN')).toMatchObject({ status: 'linked' });

    await s.press(khanSlack, 'remind.resume', 'term-end:2027-03-26');
    expect(await s.store.reminders.query({ index: 'round', equals: 'opt-out' })).toEqual([]);
  });

  test('Slack without users:read.email: the accounts are not matched, both are reminded, and the summary says why', async () => {
    const s = await bothPlatforms({ reminders: { followUpDays: 1, maxFollowUps: 0 } }, directories({ emails: 'missing_scope', roster: ROSTER }));
    expect(firsts(await s.deliveries()).map((d) => d.to.userId).sort()).toEqual(['U-JONES', 'U-KHAN', 'aad-khan', 'aad-lee']);
    s.clock.set('2026-12-19T15:00:00Z');
    await s.tick();
    const summary = text((await s.deliveries()).find((d) => d.kind === 'reminder.summary')!);
    expect(summary).toMatch(/Slack and Teams accounts could not be matched \(missing_scope\)/);
  });

  test('no staff team, or Slack alone: no email is asked for', async () => {
    let asked = 0;
    const slack: StaffDirectory = { channelMembers: async () => [], emails: async () => ((asked += 1), new Map()) };
    const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN] }, directory: slack });
    await s.meet({ ...khanSlack });
    await s.meet({ ...khanTeams, dmConversationId: 'a:dm-khan' });
    await s.tick();
    expect(asked).toBe(0);
    expect(firsts(await s.deliveries())).toHaveLength(2);
  });
});

test('the DPO summary says why each person could not be reached, in words the DPO can act on', async () => {
  const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: [AUTUMN], slack: { dpo: ['U-DPO'] }, reminders: { followUpDays: 1, maxFollowUps: 0 } } });
  const people = [
    ['teams', 'aad-new', 'Ms New', 'no-conversation'],
    ['teams', 'aad-out', 'Mr Outside', 'no-install-403_Forbidden'],
    ['teams', 'aad-blocked', 'Mrs Blocked', '403_MessageWritesBlocked'],
    ['slack', 'U-LEFT', 'Mr Left', 'user_disabled'],
    ['slack', 'U-BOT', 'Helper bot', 'cannot_dm_bot'],
    ['slack', 'U-DOWN', 'Ms Down', 'internal_error'],
  ] as const;
  for (const [platform, id, name] of people) await s.meet({ platform, id, name });
  await s.tick();
  for (const [platform, id, , error] of people)
    await s.store.deliveries.update(`${ROUND}:${platform}:${id}`, (d) => d && { ...d, status: error === 'internal_error' ? 'failed' : 'unreachable', error });
  s.clock.set('2026-12-19T15:00:00Z');
  await s.tick();
  const summary = text((await s.deliveries()).find((d) => d.kind === 'reminder.summary')!);
  expect(summary).toMatch(/Couldn't be reached: 6/);
  expect(summary).toMatch(/Couldn't be reached: 2 haven't added SafeCall in Teams and aren't in the staff team:\*?\*? Mr Outside, Ms New/);
  expect(summary).toMatch(/Couldn't be reached: 1 blocked SafeCall or turned its messages off:\*?\*? Mrs Blocked/);
  expect(summary).toMatch(/Couldn't be reached: 1 whose account is closed or gone:\*?\*? Mr Left/);
  expect(summary).toMatch(/Couldn't be reached: 1 bots in the staff channel, not people:\*?\*? Helper bot/);
  expect(summary).toMatch(/Couldn't be reached: 1 the platform kept refusing, after several tries:\*?\*? Ms Down/);
});
