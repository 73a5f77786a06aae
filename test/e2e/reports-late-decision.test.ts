/**
 * The ICO decision form opened before the 72-hour mark and saved after it. Once the deadline has passed the
 * decision needs the reason for the delay, a field the form did not have when it opened: on Slack the modal
 * is redrawn with that field added and everything typed kept (Slack cannot show an error for a block the
 * open view lacks, so answering with field errors left the DPO unable ever to save); on Teams the dialog is
 * redrawn the same way. Then the reason saves the decision, marked late.
 */
import { startRig, type Rig } from '../rig/harness.js';
import { slackButtons, teamsButtons, find } from '../rig/clicks.js';
import { FORM, blockAction, postSlack, viewSubmission } from '../rig/slack-requests.js';
import { cardSubmit, invoke, message, postTeams } from '../rig/teams-requests.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { openStoreView } from '../rig/store-env.js';
import { cardTexts, leaks, nextCall, slackShown, slackState, submitReport, teamsShown, teamsSubmitValue, SETTINGS, SLACK_DPO, SLACK_DPO_CHANNEL, TEAMS_DPO, type SlackView } from './reports.rig.js';

const T0 = new Date('2027-03-01T09:00:00Z');
const clock = { at: T0, now() { return this.at; } };
const TEAMS_DPO_CHAT = '19:dpo-office@thread.tacv2';
const DELAY = 'Zq81-delay: the form was open over the deadline';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS, clock });
  await postTeams(rig.url, message(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, 'set dpo channel', 'channel'));
});
afterAll(async () => rig.stop());

async function flush(): Promise<void> {
  const s = rig.running!.scheduler;
  await s.idle();
  await s.flush();
  await s.idle();
}

/** The report's ICO deadline as stored: 72 hours from when the school became aware (noticed, or reported if earlier). */
async function deadlineOf(ref: string): Promise<number> {
  const store = await openStoreView(rig.dataDir);
  try {
    return Date.parse((await store.reports.get(ref))!.deadlineAt);
  } finally {
    await store.close();
  }
}

async function decisionOf(ref: string) {
  const store = await openStoreView(rig.dataDir);
  try {
    return (await store.reports.get(ref))?.timeline.find((e) => e.kind === 'decision');
  } finally {
    await store.close();
  }
}

test('Slack: the decision modal opened before the deadline and saved after it is redrawn with the delay field, keeping what was typed; then it saves', async () => {
  clock.at = T0;
  const ref = await submitReport(rig, 'U0EARLY');
  const deadline = await deadlineOf(ref);
  await flush();
  const alert = rig.slack.calls.find((c) => c.path === '/api/chat.postMessage' && c.body.channel === SLACK_DPO_CHANNEL && JSON.stringify(c.body).includes(ref))!;
  const ts = String(alert.reply?.ts);

  // Opened a minute before the deadline: no delay field yet.
  clock.at = new Date(deadline - 60_000);
  let from = rig.slack.calls.length;
  const button = find(slackButtons(alert.body), A.decision);
  await postSlack(rig.url, blockAction({ user: SLACK_DPO, channel: SLACK_DPO_CHANNEL, actionId: button.action, value: button.value, messageTs: ts, responseUrl: `${rig.slack.url}/respond/${SLACK_DPO}` }), FORM);
  const opened = (await nextCall(rig.slack, from, (c) => c.path === '/api/views.open')).body.view as SlackView;
  expect(opened.blocks.map((b) => b.block_id)).not.toContain(T.delayReason);

  // Saved two minutes later, past the deadline.
  clock.at = new Date(deadline + 60_000);
  const typed = { [T.decision]: 'reported', [T.icoRef]: 'IC-778899', [T.reason]: 'Zq81-reason: names and a photo were seen' };
  const first = await postSlack(rig.url, viewSubmission({ user: SLACK_DPO, callbackId: opened.callback_id, values: slackState(opened, typed), privateMetadata: opened.private_metadata, blocks: opened.blocks as { type: string }[] }), FORM);
  expect(first.json?.response_action).toBe('update');
  const redrawn = first.json!.view as SlackView;
  expect(redrawn.callback_id).toBe(opened.callback_id);
  expect(JSON.parse(redrawn.private_metadata!)).toEqual(JSON.parse(opened.private_metadata!));
  const delayBlock = redrawn.blocks.find((b) => b.block_id === T.delayReason) as { hint?: { text: string } } | undefined;
  expect(delayBlock).toBeDefined();
  expect(delayBlock!.hint?.text).toMatch(/⚠️/);
  expect(slackShown(redrawn)).toEqual(expect.objectContaining(typed));

  from = rig.slack.calls.length;
  const saved = await postSlack(rig.url, viewSubmission({ user: SLACK_DPO, callbackId: redrawn.callback_id, values: slackState(redrawn, { [T.delayReason]: DELAY }), privateMetadata: redrawn.private_metadata, blocks: redrawn.blocks as { type: string }[] }), FORM);
  expect(saved.json?.response_action).toBeUndefined();
  const updated = await nextCall(rig.slack, from, (c) => c.path === '/api/chat.update' && c.body.ts === ts);
  expect(JSON.stringify(updated.body)).toMatch(/Decision recorded/);
  expect(await decisionOf(ref)).toEqual(expect.objectContaining({ decision: 'reported', icoRef: 'IC-778899', late: true }));
});

test('Teams: the decision dialog opened before the deadline and saved after it is redrawn with the delay field, keeping what was typed; then it saves', async () => {
  clock.at = T0;
  const ref = await submitReport(rig, 'U0EARLY2');
  const deadline = await deadlineOf(ref);
  await flush();
  const card = rig.connector.activities(TEAMS_DPO_CHAT).find((a) => a.kind === 'send' && JSON.stringify(a.body).includes(ref))!;
  const button = find(teamsButtons(card.body), A.decision);

  clock.at = new Date(deadline - 60_000);
  const from = rig.connector.calls.length;
  const pressed = cardSubmit(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, { safecall: { action: button.action, value: button.value } }, String(card.reply?.id));
  await postTeams(rig.url, { ...pressed, conversation: { ...pressed.conversation, conversationType: 'channel' } });
  const opener = await nextCall(rig.connector, from, (c) => c.method === 'POST' && c.path.includes(encodeURIComponent(TEAMS_DPO_CHAT)));
  let data: unknown;
  JSON.stringify(opener.body, (_k, v: unknown) => ((v as { data?: { msteams?: { type?: string } } } | null)?.data?.msteams?.type === 'task/fetch' ? ((data = (v as { data: unknown }).data), v) : v));
  type Task = { task: { value: { card: { content: unknown } } } };
  const dialog = JSON.parse((await postTeams(rig.url, invoke(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, 'task/fetch', { type: 'task/fetch', data }))).text) as Task;
  const form = dialog.task.value.card.content;
  expect(Object.keys(teamsShown(form))).not.toContain(T.delayReason);

  clock.at = new Date(deadline + 60_000);
  const typed = { [T.decision]: 'not-reported', [T.reason]: 'Zq81-reason: one name, no risk' };
  const refused = JSON.parse((await postTeams(rig.url, invoke(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, 'task/submit', { data: teamsSubmitValue(form, typed) }))).text) as Task;
  const again = refused.task.value.card.content;
  expect(Object.keys(teamsShown(again))).toContain(T.delayReason);
  expect(teamsShown(again)).toEqual(expect.objectContaining(typed));

  const saved = JSON.parse((await postTeams(rig.url, invoke(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, 'task/submit', { data: teamsSubmitValue(again, { [T.delayReason]: DELAY }) }))).text) as Task;
  expect(cardTexts(saved.task.value.card.content).join(' ')).toContain(ref);
  expect(await decisionOf(ref)).toEqual(expect.objectContaining({ decision: 'not-reported', late: true }));
});

test('no log line holds what the DPO typed', () => {
  expect(leaks(rig, ['Zq81-reason', 'Zq81-delay'])).toEqual([]);
});
