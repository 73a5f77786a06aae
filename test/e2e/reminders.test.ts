/**
 * The term-end reminder end to end: the real server (Bolt, botbuilder, lowdb) with its scheduler, a fixed
 * clock moved by the test, and the fake Slack Web API and Bot Connector. A term that ends now gives every
 * known person on both platforms exactly one DM (Slack staff-channel members who never wrote to the bot
 * too); Done, Remind me in 2 days and Stop these reminders are pressed through signed Slack requests and
 * Teams activities, and the follow-ups, the snooze and the DPO's summary follow from them.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { dmOf } from '../rig/fake-slack.js';
import { blockAction, event, FORM, postSlack } from '../rig/slack-requests.js';
import { cardSubmit, message, postTeams } from '../rig/teams-requests.js';
import { find, slackButtons, teamsButtons } from '../rig/clicks.js';

let now = new Date('2026-12-18T10:00:00Z');
const clock = { now: () => now };
const SETTINGS = `
terms:
  - { name: Autumn 2026, start: 2026-09-02, end: 2026-12-18 }
reminders: { followUpDays: 3, maxFollowUps: 1 }
slack: { staffChannel: GSTAFF01, dpoChannel: GDPO0001 }
`;
const ROUND = 'term-end:2026-12-18';

let rig: Rig;
beforeEach(async () => {
  now = new Date('2026-12-18T10:00:00Z');
  rig = await startRig({ clock, settingsYaml: SETTINGS });
  rig.slack.members.set('GSTAFF01', ['U100', 'U300', 'UBOT0001']);
});
afterEach(async () => {
  await rig.stop();
});

const slackPeople = ['U100', 'U101'];
const teamsPeople = ['a100', 'a101'];

async function everyoneTalks() {
  for (const u of slackPeople) {
    const res = await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: dmOf(u), user: u, text: 'hello', ts: `1.${u}` }), 'application/json');
    expect(res.status).toBe(200);
  }
  for (const id of teamsPeople) expect((await postTeams(rig.url, message(rig.connector.url, `conv-${id}`, { id, name: `Teacher ${id}` }, 'hello'))).status).toBe(200);
  await eventually(() => expect(rig.slack.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(2));
  await eventually(() => expect(rig.connector.activities().length).toBeGreaterThanOrEqual(2));
}

/** The Teams person id the bot stores is the AAD object id. */
const teamsKey = (id: string) => `${ROUND}:teams:${id}`;
const teamsSends = (id: string) => rig.connector.activities(`conv-${id}`).filter((a) => a.kind === 'send' && JSON.stringify(a.body).includes('delete'));
const slackCard = (u: string) => rig.slack.callsOf('chat.postMessage').find((c) => c.body.channel === dmOf(u) && (c.body.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key === `${ROUND}:slack:${u}`)!;

async function tickAt(iso: string) {
  now = new Date(iso);
  const { scheduler } = rig.running!;
  await scheduler.tick();
  await scheduler.idle();
}

test('a term that ends now: every known person on both platforms gets exactly one DM, however the ticks overlap', async () => {
  await everyoneTalks();
  const { scheduler } = rig.running!;
  await tickAt('2026-12-18T14:59:00Z');
  expect(rig.slack.postedWithKey(`${ROUND}:slack:U100`)).toEqual([]);

  now = new Date('2026-12-18T15:00:00Z');
  await Promise.all([scheduler.tick(), scheduler.tick(), scheduler.flush()]);
  await scheduler.tick();
  await scheduler.idle();

  // U300 is in the staff channel but never wrote to the bot; the bot itself is left out.
  for (const u of [...slackPeople, 'U300']) expect(rig.slack.postedWithKey(`${ROUND}:slack:${u}`).map((m) => m.channel)).toEqual([dmOf(u)]);
  expect(rig.slack.postedWithKey(`${ROUND}:slack:UBOT0001`)).toEqual([]);
  expect(rig.slack.callsOf('conversations.members').map((c) => c.body.channel)).toContain('GSTAFF01');
  for (const id of teamsPeople) expect(teamsSends(id)).toHaveLength(1);
  for (const key of [`${ROUND}:slack:U100`, teamsKey('a100')]) expect((await scheduler.context().outbox.get(key))?.status).toBe('sent');
  const card = slackCard('U101');
  expect(slackButtons(card.body).map((b) => b.label)).toEqual(expect.arrayContaining(["Done, I've deleted them", 'Remind me in 2 days', "I don't record lessons", 'Stop these reminders']));
  // No message content in the logs: ids and counts only.
  expect(rig.logs.join('\n')).not.toMatch(/delete this term|Autumn 2026: delete/);
});

test('Done, snooze and opt-out through real Slack requests and Teams activities decide the follow-ups', async () => {
  await everyoneTalks();
  await tickAt('2026-12-18T15:00:00Z');

  // Slack U100: Done.
  const card = slackCard('U100');
  const done = find(slackButtons(card.body), 'remind.done');
  const before = rig.slack.calls.length;
  expect((await postSlack(rig.url, blockAction({ user: 'U100', channel: dmOf('U100'), actionId: done.action, value: done.value, messageTs: String((card.reply as { ts?: string } | undefined)?.ts ?? ''), responseUrl: `${rig.slack.url}/respond/U100` }), FORM)).status).toBe(200);
  await eventually(() => expect(rig.slack.calls.slice(before).some((c) => JSON.stringify(c.body).includes("noted that you deleted"))).toBe(true));

  // Teams a100: Remind me in 2 days; a101: Stop these reminders.
  for (const [id, action] of [['a100', 'remind.snooze'], ['a101', 'remind.stop']] as const) {
    const sent = teamsSends(id)[0]!;
    const button = find(teamsButtons(sent.body), action);
    const replyTo = String((sent.reply as { id?: string } | undefined)?.id ?? '');
    const count = rig.connector.calls.length;
    expect((await postTeams(rig.url, cardSubmit(rig.connector.url, `conv-${id}`, { id }, { safecall: { action: button.action, value: button.value } }, replyTo))).status).toBe(200);
    await eventually(() => expect(rig.connector.calls.length).toBeGreaterThan(count));
  }
  expect(JSON.stringify(rig.connector.activities('conv-a100').slice(-1)[0]!.body)).toMatch(/remind you again on Sunday 20 December 2026 at 15:00/);
  expect(JSON.stringify(rig.connector.activities('conv-a101').slice(-1)[0]!.body)).toMatch(/You won't get these reminders any more/);

  // Two days on: a100's snoozed reminder, and nothing else.
  const sendsBefore = rig.connector.activities().filter((a) => a.kind === 'send').length;
  await tickAt('2026-12-20T15:00:00Z');
  await eventually(() => expect(teamsSends('a100')).toHaveLength(2));
  expect(JSON.stringify(teamsSends('a100')[1]!.body)).toMatch(/the reminder you asked for/);
  expect(rig.connector.activities().filter((a) => a.kind === 'send').length).toBe(sendsBefore + 1);

  // Three days on: the follow-up goes to those who have not answered: U101, U300 and a100 (snooze is over).
  await tickAt('2026-12-21T15:00:00Z');
  for (const u of ['U101', 'U300']) expect(rig.slack.postedWithKey(`${ROUND}:follow-up-1:slack:${u}`)).toHaveLength(1);
  expect(rig.slack.postedWithKey(`${ROUND}:follow-up-1:slack:U100`)).toEqual([]);
  expect(teamsSends('a100')).toHaveLength(3);
  expect(teamsSends('a101')).toHaveLength(1);

  // After the last follow-up's days: the DPO channel gets the summary, once.
  await tickAt('2026-12-24T15:00:00Z');
  await tickAt('2026-12-24T15:01:00Z');
  const summary = rig.slack.postedWithKey(`${ROUND}:summary:slack:GDPO0001`);
  expect(summary.map((m) => m.channel)).toEqual(['GDPO0001']);
  const text = JSON.stringify(rig.slack.callsOf('chat.postMessage').find((c) => c.body.channel === 'GDPO0001')!.body);
  expect(text).toMatch(/Confirmed they deleted them/);
  expect(text).toMatch(/Teacher a100/);
});

test('the other way round: snooze and stop on Slack, Done on Teams; the snoozed DM comes once, to the same DM', async () => {
  await everyoneTalks();
  await tickAt('2026-12-18T15:00:00Z');
  for (const [u, action] of [['U100', 'remind.snooze'], ['U101', 'remind.stop']] as const) {
    const card = slackCard(u);
    const b = find(slackButtons(card.body), action);
    const before = rig.slack.calls.length;
    expect((await postSlack(rig.url, blockAction({ user: u, channel: dmOf(u), actionId: b.action, value: b.value, messageTs: String((card.reply as { ts?: string }).ts), responseUrl: `${rig.slack.url}/respond/${u}` }), FORM)).status).toBe(200);
    await eventually(() => expect(rig.slack.calls.length).toBeGreaterThan(before));
  }
  const sent = teamsSends('a100')[0]!;
  const done = find(teamsButtons(sent.body), 'remind.done');
  const count = rig.connector.calls.length;
  await postTeams(rig.url, cardSubmit(rig.connector.url, 'conv-a100', { id: 'a100' }, { safecall: { action: done.action, value: done.value } }, String((sent.reply as { id?: string }).id)));
  await eventually(() => expect(rig.connector.calls.length).toBeGreaterThan(count));
  expect(JSON.stringify(rig.connector.calls.slice(count))).toMatch(/noted that you deleted/);

  await Promise.all([tickAt('2026-12-20T15:00:00Z'), tickAt('2026-12-20T15:00:00Z')]);
  const snoozed = [...rig.slack.posted.get(dmOf('U100'))!].filter((m) => String(m.metadata?.event_payload?.key).includes(':snooze-'));
  expect(snoozed).toHaveLength(1);
  await tickAt('2026-12-21T15:00:00Z');
  expect(rig.slack.postedWithKey(`${ROUND}:follow-up-1:slack:U101`)).toEqual([]);
  expect(rig.slack.postedWithKey(`${ROUND}:follow-up-1:slack:U100`)).toHaveLength(1);
  expect(teamsSends('a100')).toHaveLength(1);
  expect(teamsSends('a101')).toHaveLength(2);
});

test('terms imported with the CLI while the server runs are used at its next tick, without a restart', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { main } = await import('../../src/cli.js');
  const dir = await mkdtemp(join(tmpdir(), 'safecall-live-terms-'));
  const file = join(dir, 'settings.yaml');
  const yaml = 'terms:\n  - { name: Spring 2027, start: 2027-01-04, end: 2027-03-26 }\n';
  await writeFile(file, yaml);
  const live = await startRig({ clock, settingsYaml: yaml, env: { SAFECALL_SETTINGS: file } });
  try {
    now = new Date('2026-12-18T10:00:00Z');
    expect((await postSlack(live.url, event({ type: 'message', channel_type: 'im', channel: dmOf('U500'), user: 'U500', text: 'hello', ts: '1.U500' }), 'application/json')).status).toBe(200);
    await eventually(() => expect(live.slack.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(1));
    now = new Date('2026-12-18T15:00:00Z');
    await live.running!.scheduler.tick();
    expect(live.slack.postedWithKey('term-end:2026-12-18:slack:U500')).toEqual([]);
    const ics = new URL('../cli/fixtures/school-calendar.ics', import.meta.url).pathname;
    const log = console.log;
    console.log = () => undefined;
    try {
      expect(await main(['terms', 'import', ics, '--settings', file])).toBe(0);
    } finally {
      console.log = log;
    }
    await live.running!.scheduler.tick();
    await live.running!.scheduler.idle();
    expect(live.slack.postedWithKey('term-end:2026-12-18:slack:U500').map((m) => m.channel)).toEqual([dmOf('U500')]);
  } finally {
    await live.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('forged reminder buttons (unknown term, a round that person was never sent, garbage) through signed Slack requests and Teams activities: a clear answer, nothing written', async () => {
  await everyoneTalks();
  await tickAt('2026-12-18T15:00:00Z');
  /** What the server wrote, read from disk by a read-only store. */
  const onDisk = async () => {
    const view = await rig.view();
    try {
      return { reminders: JSON.stringify(await view.reminders.list()), snoozes: (await view.timers.list()).filter((t) => t.kind === 'reminder.snooze') };
    } finally {
      await view.close();
    }
  };
  const before = await onDisk();
  // U999 and a999 were not in the round (they never talked to the bot); the others send values no card carries.
  const slackForged: [string, string, string][] = [
    ['U100', 'remind.done', 'term-end:no-such-term'],
    ['U999', 'remind.done', ROUND],
    ['U101', 'remind.snooze', '\u0000<script>'.repeat(50)],
  ];
  const teamsForged: [string, string, unknown][] = [
    ['a100', 'remind.none', 'term-end:no-such-term'],
    ['a999', 'remind.snooze', ROUND],
    ['a101', 'remind.done', { round: ROUND }],
  ];
  const slackBefore = rig.slack.calls.length;
  const teamsBefore = rig.connector.calls.length;
  const responses = await Promise.all([
    ...slackForged.map(([user, action, value]) => postSlack(rig.url, blockAction({ user, channel: dmOf(user), actionId: action, value, messageTs: '1.1', responseUrl: `${rig.slack.url}/respond/${user}` }), FORM)),
    ...teamsForged.map(([id, action, value]) => postTeams(rig.url, cardSubmit(rig.connector.url, `conv-${id}`, { id }, { safecall: { action, value } }, 'reply-1'))),
  ]);
  for (const r of responses) expect(r.status).toBe(200);
  await eventually(() => expect(rig.slack.calls.slice(slackBefore).filter((c) => JSON.stringify(c.body).includes('no longer open')).length).toBe(3));
  await eventually(() => expect(rig.connector.calls.slice(teamsBefore).filter((c) => JSON.stringify(c.body).includes('no longer open')).length).toBeGreaterThanOrEqual(2));
  expect(await onDisk()).toEqual({ reminders: before.reminders, snoozes: [] });
});
