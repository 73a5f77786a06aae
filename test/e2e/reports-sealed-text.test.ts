/**
 * Text that looks like ciphertext is text. With no SAFECALL_DATA_KEY, a note, likely consequences and an ICO reference
 * the DPO types as `sc1: …` (what sealed values once started with) are stored and shown as typed: the
 * breach log from chat and from the CLI carries them, and the server starts again on that data.
 */
import { startRig, type Rig } from '../rig/harness.js';
import { slackButtons, find } from '../rig/clicks.js';
import { FORM, blockAction, postSlack, slashCommand, viewSubmission } from '../rig/slack-requests.js';
import { storeEnv } from '../rig/store-env.js';
import { runCli } from '../helpers/cli.js';
import { REPORT_ACTIONS as A, REPORT_FIELDS as F, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { SETTINGS, SLACK_DPO, SLACK_DPO_CHANNEL, nextCall, slackState, submitReport, type SlackView } from './reports.rig.js';

const NOTE = 'sc1: spoke to head';
const REASON = 'sc1:a:b:c distress for one pupil';
const ICO_REF = 'sc1: IC-4455';
const NARRATIVE = 'sc1: a stranger joined 7B maths';

let rig: Rig;
let ref = '';
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
  ref = await submitReport(rig, 'U0TYPED', { [F.narrative]: NARRATIVE });
  await rig.running!.scheduler.flush();
});
afterAll(async () => rig.stop());

/** Opens one of the DPO's forms from the alert and saves it with `typed`. */
async function triage(ref: string, action: string, typed: Record<string, string>): Promise<void> {
  const alert = await rig.slack.waitFor((c) => c.path === '/api/chat.postMessage' && c.body.channel === SLACK_DPO_CHANNEL && JSON.stringify(c.body).includes(ref), 15_000);
  const button = find(slackButtons(alert.body), action);
  let from = rig.slack.calls.length;
  await postSlack(rig.url, blockAction({ user: SLACK_DPO, channel: SLACK_DPO_CHANNEL, actionId: button.action, value: button.value, messageTs: String(alert.reply?.ts), responseUrl: `${rig.slack.url}/respond/${SLACK_DPO}` }), FORM);
  const view = (await nextCall(rig.slack, from, (c) => c.path === '/api/views.open', 15_000)).body.view as SlackView;
  from = rig.slack.calls.length;
  const res = await postSlack(rig.url, viewSubmission({ user: SLACK_DPO, callbackId: view.callback_id, values: slackState(view, typed), privateMetadata: view.private_metadata }), FORM);
  expect(res.json?.response_action).toBeUndefined();
  await nextCall(rig.slack, from, (c) => c.path === '/api/chat.update', 15_000);
}

test('the DPO types a note, likely consequences and an ICO reference starting "sc1:"; they are saved', async () => {
  await triage(ref, A.note, { [T.kind]: 'note', [T.note]: NOTE });
  await triage(ref, A.risk, { [T.risk]: 'risk', [T.consequences]: REASON });
  await triage(ref, A.decision, { [T.decision]: 'reported', [T.icoRef]: ICO_REF });
});

test('"breach log" in chat gives the CSV with what was typed, as typed', async () => {
  const from = rig.slack.calls.length;
  await postSlack(rig.url, slashCommand({ user: SLACK_DPO, channel: 'D0DPO', text: 'breach log' }), FORM);
  await nextCall(rig.slack, from, (c) => c.path === '/api/files.completeUploadExternal', 15_000);
  const csv = rig.slack.uploads().at(-1)!.content;
  for (const typed of [NOTE, REASON, ICO_REF, NARRATIVE]) expect(csv).toContain(typed);
});

test('the server starts again on that data, and the CLI export reads it', async () => {
  await rig.restart();
  expect((await fetch(`${rig.url}/healthz`)).status).toBe(200);
  const saved = { ...process.env };
  try {
    delete process.env.SAFECALL_DATA_KEY;
    delete process.env.SAFECALL_SETTINGS;
    Object.assign(process.env, storeEnv(rig.dataDir));
    const r = await runCli(['reports', 'export', '--format', 'json', '--data-dir', rig.dataDir], { stdout: true });
    expect([r.code, r.err]).toEqual([0, '']);
    const text = JSON.stringify(JSON.parse(r.out));
    for (const typed of [NOTE, REASON, ICO_REF, NARRATIVE]) expect(text).toContain(typed);
  } finally {
    process.env = saved;
  }
});
