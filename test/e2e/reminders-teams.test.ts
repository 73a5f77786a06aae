/**
 * Reaching every teacher on Teams, end to end: the real server (botbuilder, Bolt) with its scheduler, a fixed
 * clock, and the fake Bot Connector speaking the roster (GET /v3/conversations/{teamId}/pagedmembers) and
 * 1:1 creation (POST /v3/conversations). SafeCall is added to the staff team (teams.staffTeam); at the end of
 * term it reads the team's members, opens a 1:1 with each who never wrote to it and reminds them there;
 * someone Teams will not let it reach is counted, with why, in the DPO's summary; and the teacher on both
 * Slack and Teams is reminded once.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { dmOf } from '../rig/fake-slack.js';
import { event, postSlack } from '../rig/slack-requests.js';
import { activity, BOT, message, postTeams, TENANT } from '../rig/teams-requests.js';
import { oneToOneOf } from '../rig/fake-connector.js';

const TEAM = '19:staff0001@thread.tacv2';
const ROUND = 'term-end:2026-12-18';
let now = new Date('2026-12-18T10:00:00Z');
const clock = { now: () => now };
const SETTINGS = `
terms:
  - { name: Autumn 2026, start: 2026-09-02, end: 2026-12-18 }
  - { name: Spring 2027, start: 2027-01-04, end: 2027-03-26 }
reminders: { followUpDays: 1, maxFollowUps: 1 }
slack: { dpoChannel: GDPO0001 }
teams: { staffTeam: "https://teams.microsoft.com/l/team/${encodeURIComponent(TEAM)}/conversations?groupId=0000&tenantId=${TENANT}" }
`;

const member = (id: string, name: string, email: string) => ({ id: `29:${id}`, aadObjectId: id, name, email, userPrincipalName: email, tenantId: TENANT, userRole: 'user' as const });

let rig: Rig;
beforeEach(async () => {
  now = new Date('2026-12-18T10:00:00Z');
  rig = await startRig({ clock, settingsYaml: SETTINGS });
  rig.connector.rosters.set(TEAM, [
    member('a100', 'Teacher a100', 'a100@hillside.example'),
    member('a200', 'Ms Roster', 'roster@hillside.example'),
    member('a300', 'Mr Outside', 'outside@hillside.example'),
    member('a400', 'Pat Both', 'Pat@Hillside.example'),
  ]);
  rig.connector.refuseChat.set('a300', { status: 403, code: 'Forbidden' });
  rig.slack.emails = new Map([['U100', 'pat@hillside.example']]);
});
afterEach(async () => {
  await rig.stop();
});

async function setUp() {
  // SafeCall is added to the staff team: Teams tells it in the team's General channel (its id is the team's).
  const added = activity(rig.connector.url, TEAM, { id: 'admin1', name: 'IT admin' }, { type: 'conversationUpdate', membersAdded: [BOT], channelData: { team: { id: TEAM }, tenant: { id: TENANT } } }, 'channel');
  expect((await postTeams(rig.url, added)).status).toBe(200);
  expect((await postTeams(rig.url, message(rig.connector.url, 'conv-a100', { id: 'a100' }, 'hello'))).status).toBe(200);
  expect((await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: dmOf('U100'), user: 'U100', text: 'hello', ts: '1.U100' }), 'application/json')).status).toBe(200);
  await eventually(() => expect(rig.connector.activities('conv-a100').length).toBeGreaterThanOrEqual(1));
}

async function tickAt(iso: string) {
  now = new Date(iso);
  await rig.running!.scheduler.tick();
  await rig.running!.scheduler.idle();
}

const reminders = (conversation: string) => rig.connector.sentTo(conversation).filter((a) => JSON.stringify(a.body).includes('delete your class-call recordings'));

test('the staff team is read, each member who never wrote gets a 1:1 and one reminder, and one Teams would not let SafeCall reach is counted with why', async () => {
  await setUp();
  await tickAt('2026-12-18T15:00:00Z');
  expect(rig.connector.rosterReads(TEAM).length).toBeGreaterThanOrEqual(1);
  expect(rig.connector.rosterReads(TEAM)[0]!.path).toMatch(/pageSize=500/);
  expect(reminders('conv-a100')).toHaveLength(1);
  expect(reminders(oneToOneOf('a200'))).toHaveLength(1);
  const created = rig.connector.calls.find((c) => c.method === 'POST' && c.path === '/v3/conversations' && JSON.stringify(c.body).includes('a200'))!;
  expect(created.body).toMatchObject({ isGroup: false, members: [{ id: 'a200' }], tenantId: TENANT, bot: { id: BOT.id } });
  const outbox = rig.running!.scheduler.context().outbox;
  expect(await outbox.get(`${ROUND}:teams:a300`)).toMatchObject({ status: 'unreachable', error: 'no-install-403_Forbidden' });
  // Pat is on Slack (U100, who wrote to SafeCall) and Teams (a400, the same email): one reminder, on Slack.
  expect(rig.slack.postedWithKey(`${ROUND}:slack:U100`)).toHaveLength(1);
  expect(rig.connector.chatsCreated()).not.toContain('a400');
  expect(reminders(oneToOneOf('a400'))).toEqual([]);
  expect(rig.logs.join('\n')).not.toMatch(/hillside\.example/i);

  // The next day: the follow-up reuses the 1:1 opened yesterday (after a restart too); then the DPO summary.
  await rig.restart();
  await tickAt('2026-12-19T15:00:00Z');
  expect(reminders(oneToOneOf('a200'))).toHaveLength(2);
  expect(rig.connector.chatsCreated().filter((m) => m === 'a200')).toHaveLength(1);
  await tickAt('2026-12-20T15:00:00Z');
  const summary = JSON.stringify(rig.slack.callsOf('chat.postMessage').find((c) => c.body.channel === 'GDPO0001')!.body);
  expect(summary).toMatch(/Couldn't be reached: 1 haven't added SafeCall in Teams and aren't in the staff team:\*?\*? Mr Outside/);
  expect(summary).toMatch(/1 people use both Slack and Teams/);

  // Next term: Ms Roster's 1:1 is known now (no new one is created), and she is still named in the round.
  await tickAt('2027-03-26T15:00:00Z');
  expect(rig.connector.chatsCreated().filter((m) => m === 'a200')).toHaveLength(1);
  expect(reminders(oneToOneOf('a200'))).toHaveLength(3);
  const view = await rig.view();
  try {
    expect(await view.reminders.get('term-end:2027-03-26:teams:a200')).toMatchObject({ person: { name: 'Ms Roster' } });
  } finally {
    await view.close();
  }
});

test('SafeCall not yet added to the staff team: the people who used it are reminded, and the DPO is told the team could not be read', async () => {
  rig.connector.rosters.clear();
  await setUp();
  await tickAt('2026-12-18T15:00:00Z');
  expect(reminders('conv-a100')).toHaveLength(1);
  // Only the admin who added SafeCall in the team is reached in a new 1:1 (they wrote to it there); no roster was read.
  expect(rig.connector.chatsCreated()).toEqual(['admin1']);
  await tickAt('2026-12-20T15:00:00Z');
  const summary = JSON.stringify(rig.slack.callsOf('chat.postMessage').find((c) => c.body.channel === 'GDPO0001')!.body);
  expect(summary).toMatch(/The Teams staff team's members could not be read \(403_BotNotInConversationRoster\)/);
});
