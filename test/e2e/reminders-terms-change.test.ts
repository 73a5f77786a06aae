/**
 * A school changes its terms while a round runs, as schools do, and every teacher still gets exactly one
 * reminder per term, with the follow-ups and one DPO summary. Through the real server (Bolt, botbuilder,
 * the store of this jest project: lowdb or PostgreSQL) with the settings file edited while it runs and a
 * restart in between:
 *  - the round of "Autumn 2026" starts on its last day;
 *  - the same evening the admin renames it by hand in the settings file;
 *  - the next day the council's calendar is imported (`npx safecall terms import`): new names, a new first day;
 *  - SafeCall restarts;
 *  - in the holidays the file's terms are replaced by next year's only (the autumn term has left the settings);
 *  - in January the school's Google calendar (both years) is imported: the spring term comes back, with autumn.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { dmOf } from '../rig/fake-slack.js';
import { blockAction, event, FORM, postSlack } from '../rig/slack-requests.js';
import { cardSubmit, message, postTeams } from '../rig/teams-requests.js';
import { find, slackButtons, teamsButtons } from '../rig/clicks.js';
import { main } from '../../src/cli.js';

let now = new Date('2026-12-18T10:00:00Z');
const clock = { now: () => now };
const AUTUMN = 'term-end:2026-12-18';
const SPRING = 'term-end:2027-03-26';
const REST = `reminders: { followUpDays: 3, maxFollowUps: 2 }
slack: { staffChannel: GSTAFF01, dpoChannel: GDPO0001 }
`;
const FIRST = `# Hillside's settings
terms:
  - { name: Autumn 2026, start: 2026-09-02, end: 2026-12-18 }
  - { name: Spring 2027, start: 2027-01-04, end: 2027-03-26 }
${REST}`;
const NEXT_YEAR = `terms:
  - { name: Autumn 2027, start: 2027-09-01, end: 2027-12-17 }
  - { name: Spring 2028, start: 2028-01-04, end: 2028-04-07 }
  - { name: Summer 2028, start: 2028-04-24, end: 2028-07-21 }
${REST}`;
const fixture = (name: string) => new URL(`../cli/fixtures/${name}`, import.meta.url).pathname;

const slackTeachers = ['U100', 'U101', 'U300'];
const teamsTeachers = ['a100', 'a101'];

let dir: string;
let file: string;
let rig: Rig;
beforeEach(async () => {
  now = new Date('2026-12-18T10:00:00Z');
  dir = await mkdtemp(join(tmpdir(), 'safecall-terms-change-'));
  file = join(dir, 'settings.yaml');
  await writeFile(file, FIRST);
  rig = await startRig({ clock, settingsYaml: FIRST, env: { SAFECALL_SETTINGS: file } });
  rig.slack.members.set('GSTAFF01', ['U300', 'UBOT0001']);
});
afterEach(async () => {
  await rig.stop();
  await rm(dir, { recursive: true, force: true });
});

async function tickAt(iso: string) {
  now = new Date(iso);
  await rig.running!.scheduler.tick();
  await rig.running!.scheduler.idle();
}

/** The settings file written anew (an admin's editor), its modification time moved on for the reload to see it. */
async function edit(text: string) {
  await new Promise((r) => setTimeout(r, 20));
  await writeFile(file, text);
}

async function importCalendar(name: string) {
  await new Promise((r) => setTimeout(r, 20));
  const log = console.log;
  console.log = () => undefined;
  try {
    expect(await main(['terms', 'import', fixture(name), '--settings', file])).toBe(0);
  } finally {
    console.log = log;
  }
}

/** The term-end messages (first, follow-ups, snoozed) each teacher got for a round, by kind of message. */
function received(round: string) {
  const of = (key: string) => (key.includes(':follow-up-') ? key.split(':')[2]! : key.includes(':snooze-') ? 'snooze' : 'first');
  const out: Record<string, string[]> = {};
  for (const u of slackTeachers) out[u] = [...(rig.slack.posted.get(dmOf(u)) ?? [])].map((m) => String(m.metadata?.event_payload?.key ?? '')).filter((k) => k.startsWith(`${round}:`)).map(of);
  for (const id of teamsTeachers)
    out[id] = rig.connector
      .sentTo(`conv-${id}`)
      .map((a) => JSON.stringify(a.body))
      .filter((b) => b.includes(`"value":"${round}"`))
      .map((b) => (b.includes('A reminder: you haven') ? 'follow-up' : b.includes('reminder you asked for') ? 'snooze' : 'first'));
  return out;
}

test('renamed, re-imported and replaced mid-round, with a restart: one reminder per teacher per term, the follow-ups and one summary', async () => {
  for (const u of ['U100', 'U101']) expect((await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: dmOf(u), user: u, text: 'hello', ts: `1.${u}` }), 'application/json')).status).toBe(200);
  for (const id of teamsTeachers) expect((await postTeams(rig.url, message(rig.connector.url, `conv-${id}`, { id, name: `Teacher ${id}` }, 'hello'))).status).toBe(200);
  await eventually(() => expect(rig.connector.activities().length).toBeGreaterThanOrEqual(2));

  // Friday 18 December, 15:00: the round starts.
  await tickAt('2026-12-18T15:00:00Z');
  expect(received(AUTUMN)).toEqual({ U100: ['first'], U101: ['first'], U300: ['first'], a100: ['first'], a101: ['first'] });

  // 16:00: renamed by hand. Saturday: the council calendar imported (other names, the term starting a day later).
  await edit(FIRST.replace('name: Autumn 2026', 'name: Autumn term (Christmas)'));
  await tickAt('2026-12-18T16:00:00Z');
  now = new Date('2026-12-19T10:00:00Z');
  await importCalendar('school-calendar.ics');
  await tickAt('2026-12-19T10:01:00Z');

  // U100 has deleted them (Slack); a100 asks to be reminded in two days (Teams).
  const card = rig.slack.callsOf('chat.postMessage').find((c) => (c.body.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key === `${AUTUMN}:slack:U100`)!;
  const done = find(slackButtons(card.body), 'remind.done');
  expect((await postSlack(rig.url, blockAction({ user: 'U100', channel: dmOf('U100'), actionId: done.action, value: done.value, messageTs: String((card.reply as { ts?: string }).ts), responseUrl: `${rig.slack.url}/respond/U100` }), FORM)).status).toBe(200);
  const sent = rig.connector.sentTo('conv-a100').find((a) => JSON.stringify(a.body).includes(`"value":"${AUTUMN}"`))!;
  const snooze = find(teamsButtons(sent.body), 'remind.snooze');
  const before = rig.connector.calls.length;
  expect((await postTeams(rig.url, cardSubmit(rig.connector.url, 'conv-a100', { id: 'a100' }, { safecall: { action: snooze.action, value: snooze.value } }, String((sent.reply as { id?: string }).id)))).status).toBe(200);
  await eventually(() => expect(JSON.stringify(rig.connector.calls.slice(before))).toMatch(/remind you again on Monday 21 December 2026 at 10:01/));
  await eventually(async () => {
    const view = await rig.view();
    try {
      expect(await view.reminders.get(`${AUTUMN}:slack:U100`)).toMatchObject({ status: 'done' });
    } finally {
      await view.close();
    }
  });

  // SafeCall restarts (an upgrade), then in the holidays the terms are replaced by next year's.
  await rig.restart();
  now = new Date('2026-12-20T09:00:00Z');
  await edit(NEXT_YEAR);
  await tickAt('2026-12-20T09:01:00Z');
  await tickAt('2026-12-21T10:05:00Z');
  await tickAt('2026-12-21T15:00:00Z');
  await tickAt('2026-12-24T15:00:00Z');
  await tickAt('2026-12-27T15:00:00Z');
  await tickAt('2026-12-27T15:01:00Z');
  expect(received(AUTUMN)).toEqual({
    U100: ['first'],
    U101: ['first', 'follow-up-1', 'follow-up-2'],
    U300: ['first', 'follow-up-1', 'follow-up-2'],
    // The snoozed reminder on Monday morning, so no follow-up that afternoon.
    a100: ['first', 'snooze', 'follow-up'],
    a101: ['first', 'follow-up', 'follow-up'],
  });
  const summaries = rig.slack.postedWithKey(`${AUTUMN}:summary:slack:GDPO0001`);
  expect(summaries).toHaveLength(1);
  const summary = JSON.stringify(rig.slack.callsOf('chat.postMessage').find((c) => c.body.channel === 'GDPO0001')!.body);
  expect(summary).toMatch(/Reminded: 5/);
  expect(summary).toMatch(/Confirmed they deleted them: 1/);

  // January: the school's Google calendar for both years is imported; the spring term comes back.
  now = new Date('2027-01-10T09:00:00Z');
  await importCalendar('google-calendar.ics');
  await tickAt('2027-01-10T09:01:00Z');
  await tickAt('2027-03-26T15:00:00Z');
  await tickAt('2027-03-26T15:01:00Z');
  expect(received(SPRING)).toEqual({ U100: ['first'], U101: ['first'], U300: ['first'], a100: ['first'], a101: ['first'] });
  // And nothing more of the autumn term, whatever it is called now.
  expect(received(AUTUMN).U101).toEqual(['first', 'follow-up-1', 'follow-up-2']);
  expect(rig.slack.postedWithKey(`${AUTUMN}:summary:slack:GDPO0001`)).toHaveLength(1);
  // Counted by what the messages say, whatever round they belong to: two first reminders each, autumn and spring.
  const firsts = (texts: string[]) => texts.filter((t) => t.includes("It's the last day of") && !/A reminder: you haven|reminder you asked for/.test(t)).length;
  for (const u of slackTeachers) expect(firsts(rig.slack.callsOf('chat.postMessage').filter((c) => c.body.channel === dmOf(u)).map((c) => JSON.stringify(c.body)))).toBe(2);
  for (const id of teamsTeachers) expect(firsts(rig.connector.sentTo(`conv-${id}`).map((a) => JSON.stringify(a.body)))).toBe(2);
  const keys = [...rig.slack.posted.values()].flat().map((m) => String(m.metadata?.event_payload?.key ?? '')).filter(Boolean);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.filter((k) => /^term-end:[a-z]/.test(k))).toEqual([]);
});
