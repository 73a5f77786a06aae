/**
 * When the 72 hours start (issue 22), end to end on both platforms: a report noticed two days before it was
 * made runs from when it was noticed (the alert shows both), and the DPO records another awareness time with
 * a reason from the alert (a Slack modal, a Teams dialog), which is kept on the case and moves the deadline,
 * the alerts and the reminders with it.
 */
import { slackButtons, teamsButtons, find } from '../rig/clicks.js';
import { FORM, postSlack, viewSubmission } from '../rig/slack-requests.js';
import { cardSubmit, invoke, message, postTeams } from '../rig/teams-requests.js';
import { REPORT_ACTIONS as A, REPORT_FIELDS as F, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { TEAM } from '../rig/fake-slack.js';
import type { StoredReport } from '../../src/core/records/report.js';
import { cardTexts, leaks, nextCall, slackState, teamsSubmitValue, type SlackView } from './reports.rig.js';
import { alertsIn, flush, HOUR, MINUTE, MONDAY_9, postedTo, pressOnSlack, reportOnSlack, startReach, tickAt, updatedIn, type Reach } from './reports-reach.rig.js';

const DPO_CHAT = '19:dpo-office@thread.tacv2';
const SETTINGS = `school:
  name: Hillside
  timezone: Europe/London
slack:
  teamId: ${TEAM}
  dpo: [U0DPO]
  dpoChannel: C0DPO
teams:
  dpo: [aad-dpo]
reports:
  escalateAfterHours: 0
`;

let x: Reach;
beforeAll(async () => {
  x = await startReach(SETTINGS);
  await postTeams(x.rig.url, message(x.rig.connector.url, DPO_CHAT, { id: 'aad-dpo' }, 'set dpo channel', 'channel'));
});
afterAll(async () => x?.rig.stop());

async function stored(ref: string): Promise<StoredReport> {
  const view = await x.rig.view();
  try {
    return (await view.reports.get(ref))!;
  } finally {
    await view.close();
  }
}
const inChannel = <T extends { conversation: object }>(a: T): T => ({ ...a, conversation: { ...a.conversation, conversationType: 'channel' } });

let ref = '';
let alertTs = '';

test('noticed on Saturday, reported on Monday: the 72 hours run from Saturday, and the alert shows both', async () => {
  const noticed = new Date('2027-02-27T10:00:00Z');
  ({ ref } = await reportOnSlack(x, 'U0PUPIL', { [F.occurredAt]: new Date('2027-02-27T09:00:00Z').toISOString(), [F.discoveredAt]: noticed.toISOString() }));
  await flush(x.rig);
  const [alert] = alertsIn(x.rig, 'C0DPO', ref);
  alertTs = String(alert!.reply?.ts);
  const text = JSON.stringify(alert!.body);
  expect(text).toMatch(/Noticed\*\\nSat, 27 Feb 2027, 10:00/);
  expect(text).toMatch(/Reported\*\\nMon, 1 Mar 2027, 09:00/);
  expect(text).toMatch(/The 72 hours run from\*\\nSat, 27 Feb 2027, 10:00, when it was noticed/);
  expect(text).toMatch(/ICO deadline: Tue, 2 Mar 2027, 10:00 · 25 h 0 min left/);
  expect(slackButtons(alert!.body).map((b) => b.action)).toContain(A.aware);
  expect((await stored(ref)).deadlineAt).toBe('2027-03-02T10:00:00.000Z');
  // The 24-hour reminder was due on Sunday: it goes at the next tick, with the time really left (the
  // server's own minute tick may come first, at 09:00).
  await tickAt(x, MONDAY_9.getTime() + MINUTE);
  expect(postedTo(x.rig, 'C0DPO', new RegExp(`${ref}: 24 hours since the school became aware. (25 h 0 min|24 h 59 min) left`))).toHaveLength(1);
});

test('on Slack the DPO records another awareness time with a reason: kept on the case, the deadline and the reminders move', async () => {
  const opened = await pressOnSlack(x.rig, 'U0DPO', 'C0DPO', alertTs, A.aware, ref);
  expect(opened.path).toBe('/api/views.open');
  const view = opened.body.view as SlackView;
  // Without a reason it is refused beside the field, keeping the time.
  const bare = await postSlack(x.rig.url, viewSubmission({ user: 'U0DPO', callbackId: view.callback_id, values: slackState(view, { [T.awareAt]: '2027-03-01T08:00:00Z', [T.awareReason]: '' }), privateMetadata: view.private_metadata }), FORM);
  expect(bare.json).toEqual({ response_action: 'errors', errors: { [T.awareReason]: expect.any(String) } });
  const from = x.rig.slack.calls.length;
  const typed = { [T.awareAt]: '2027-03-01T08:00:00Z', [T.awareReason]: 'Zq81-aware: the teacher had the day wrong; noticed Monday at 8' };
  const saved = await postSlack(x.rig.url, viewSubmission({ user: 'U0DPO', callbackId: view.callback_id, values: slackState(view, typed), privateMetadata: view.private_metadata }), FORM);
  expect(saved.json?.response_action).toBeUndefined();
  const redrawn = await nextCall(x.rig.slack, from, (c) => c.path === '/api/chat.update' && c.body.ts === alertTs);
  expect(JSON.stringify(redrawn.body)).toMatch(/The 72 hours run from\*\\nMon, 1 Mar 2027, 08:00, recorded by/);
  expect(JSON.stringify(redrawn.body)).toMatch(/ICO deadline: Thu, 4 Mar 2027, 08:00/);
  const r = await stored(ref);
  expect([r.awareAt, r.deadlineAt]).toEqual(['2027-03-01T08:00:00.000Z', '2027-03-04T08:00:00.000Z']);
  const entry = r.timeline.find((e) => e.kind === 'aware')!;
  expect(entry).toMatchObject({ awareAt: '2027-03-01T08:00:00.000Z', previousAwareAt: '2027-02-27T10:00:00.000Z', by: { platform: 'slack', id: 'U0DPO' } });
  expect(entry.text).toBeDefined();

  // The old 48-hour time (Monday 10:00) passes quietly; the reminders come from the new time, across a restart.
  await tickAt(x, MONDAY_9.getTime() + HOUR);
  expect(postedTo(x.rig, 'C0DPO', new RegExp(`${ref}: 48 hours`))).toHaveLength(0);
  await x.rig.restart();
  await tickAt(x, new Date('2027-03-02T08:00:00Z'));
  expect(postedTo(x.rig, 'C0DPO', new RegExp(`${ref}: 24 hours since the school became aware. 48 h 0 min left`))).toHaveLength(1);
});

test('on Teams the DPO records it from the alert card in a dialog; every alert is redrawn with the new deadline', async () => {
  const card = x.rig.connector.sentTo(DPO_CHAT).find((a) => JSON.stringify(a.body).includes(ref) && JSON.stringify(a.body).includes(A.aware))!;
  const aware = find(teamsButtons(card.body), A.aware);
  let from = x.rig.connector.calls.length;
  await postTeams(x.rig.url, inChannel(cardSubmit(x.rig.connector.url, DPO_CHAT, { id: 'aad-dpo' }, { safecall: { action: aware.action, value: aware.value } }, String(card.reply?.id))));
  const opener = await nextCall(x.rig.connector, from, (c) => c.method === 'POST' && c.path.includes(encodeURIComponent(DPO_CHAT)));
  let data: unknown;
  JSON.stringify(opener.body, (_k, v: unknown) => ((v as { data?: { msteams?: { type?: string } } } | null)?.data?.msteams?.type === 'task/fetch' ? ((data = (v as { data: unknown }).data), v) : v));
  const dialog = JSON.parse((await postTeams(x.rig.url, invoke(x.rig.connector.url, DPO_CHAT, { id: 'aad-dpo' }, 'task/fetch', { type: 'task/fetch', data }))).text) as { task: { value: { card: { content: unknown } } } };
  const form = dialog.task.value.card.content;
  const answer = await postTeams(x.rig.url, invoke(x.rig.connector.url, DPO_CHAT, { id: 'aad-dpo' }, 'task/submit', { data: teamsSubmitValue(form, { [T.awareAt]: '2027-02-28T12:00:00Z', [T.awareReason]: 'Zq81-aware2: the head of year knew on Sunday' }) }));
  expect(cardTexts((JSON.parse(answer.text) as typeof dialog).task.value.card.content).join(' ')).toContain(ref);
  from = x.rig.slack.calls.length;
  await flush(x.rig);
  const r = await stored(ref);
  expect([r.awareAt, r.deadlineAt]).toEqual(['2027-02-28T12:00:00.000Z', '2027-03-03T12:00:00.000Z']);
  expect(r.timeline.filter((e) => e.kind === 'aware').map((e) => e.by)).toEqual([{ platform: 'slack', id: 'U0DPO' }, { platform: 'teams', id: 'aad-dpo' }]);
  expect(updatedIn(x.rig, 'C0DPO', /ICO deadline: Wed, 3 Mar 2027, 12:00/).length).toBeGreaterThan(0);
});

test('no log line holds the reasons typed (checked last)', () => {
  expect(leaks(x.rig, ['Zq81-aware'])).toEqual([]);
});
