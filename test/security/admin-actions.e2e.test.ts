/**
 * Everything only the DPO and the admins may do, tried by someone else, on both platforms, through the real
 * server: the commands (set the DPO channel, the breach log, the term dates), every button on a DPO alert
 * (acknowledge, assess risk, ICO decision, individuals told, add note, awareness time, close) and every DPO form saved with a
 * state taken from an officer's own form. Each try is refused in words, changes nothing (the report's
 * timeline, the DPO channel, no file handed over), and is logged as not permitted, with ids only.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { FORM, blockAction, postSlack, slashCommand } from '../rig/slack-requests.js';
import { cardSubmit, message, postTeams } from '../rig/teams-requests.js';
import type { Recorded } from '../rig/recorder.js';
import { REPORT_ACTIONS as A, REPORT_FORMS, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { formState } from '../../dialogs/incidents/triage-forms.js';
import { DPO_RUNTIME_KEYS } from '../../src/core/dpo.js';
import { NARRATIVE, SETTINGS, SLACK_DPO, SLACK_DPO_CHANNEL, respondUrlOf, slackState, submitReport, submitView, type SlackView } from '../e2e/reports.rig.js';

const PUPIL = 'U0PUPIL';
const TEAMS_PUPIL = 'aad-pupil';
const PUPIL_CHAT = 'a:chat-pupil';
const REFUSED = /not permitted|Only the school's admins/;

const BUTTONS = [A.acknowledge, A.risk, A.decision, A.told, A.note, A.aware, A.close];
const FORMS: [string, string, Record<string, string>][] = [
  ['risk', REPORT_FORMS.risk, { [T.risk]: 'none' }],
  ['decision', REPORT_FORMS.decision, { [T.decision]: 'not-reported', [T.reason]: 'forged' }],
  ['told', REPORT_FORMS.told, { [T.how]: 'email' }],
  ['note', REPORT_FORMS.note, { [T.note]: 'forged note' }],
  ['awareness', REPORT_FORMS.aware, { [T.awareAt]: new Date(Date.now() - 3_600_000).toISOString(), [T.awareReason]: 'forged reason' }],
];
const COMMANDS = ['set dpo channel', 'breach log', 'terms'];

let rig: Rig;
let ref = '';
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
  ref = await submitReport(rig, 'U0TEACH');
});
afterAll(async () => rig.stop());

/** What could change: the report's timeline and state, the DPO channel on each platform, files handed over. */
async function snapshot() {
  const view = await rig.view();
  try {
    const r = await view.reports.get(ref);
    return {
      timeline: r!.timeline.length,
      status: r!.status,
      slackChannel: (await view.runtime.get(DPO_RUNTIME_KEYS.slack))?.value,
      teamsChannel: (await view.runtime.get(DPO_RUNTIME_KEYS.teams))?.value,
      uploads: rig.slack.uploads().length,
      offers: rig.connector.calls.filter((c) => JSON.stringify(c.body).includes('file.consent')).length,
    };
  } finally {
    await view.close();
  }
}

const text = (c: Recorded) => JSON.stringify(c.body);
const refusals = (who: string) => rig.logs.filter((l) => l.includes('not-permitted') || l.includes('adminsOnly')).filter((l) => l.includes(who));

describe('Slack, someone who is not the DPO or an admin', () => {
  test.each(COMMANDS)('/safecall %s is refused in words and changes nothing', async (words) => {
    const before = await snapshot();
    const from = rig.slack.calls.length;
    const res = await postSlack(rig.url, slashCommand({ user: PUPIL, channel: 'C0CLASS', text: words, responseUrl: respondUrlOf(rig, PUPIL) }), FORM);
    expect(res.status).toBe(200);
    const answer = await rig.slack.waitFor((c) => rig.slack.calls.indexOf(c) >= from && REFUSED.test(text(c)));
    expect(text(answer)).toMatch(REFUSED);
    expect(await snapshot()).toEqual(before);
  });

  test.each(BUTTONS)('the alert button %s is refused in words and changes nothing', async (action) => {
    const before = await snapshot();
    const from = rig.slack.calls.length;
    await postSlack(rig.url, blockAction({ user: PUPIL, channel: SLACK_DPO_CHANNEL, actionId: action, value: ref, responseUrl: respondUrlOf(rig, PUPIL) }), FORM);
    const answer = await rig.slack.waitFor((c) => rig.slack.calls.indexOf(c) >= from && c.path === `/respond/${PUPIL}`);
    expect(text(answer)).toMatch(REFUSED);
    expect(rig.slack.calls.slice(from).filter((c) => c.path === '/api/views.open')).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  test.each(FORMS)('the %s form, saved with the state of the DPO\'s own form, is refused and records nothing', async (_name, formId, typed) => {
    // The DPO opens the form; its hidden state reaches someone else, who saves it as themselves.
    const action = { [REPORT_FORMS.risk]: A.risk, [REPORT_FORMS.decision]: A.decision, [REPORT_FORMS.told]: A.told, [REPORT_FORMS.note]: A.note, [REPORT_FORMS.aware]: A.aware }[formId]!;
    const from = rig.slack.calls.length;
    await postSlack(rig.url, blockAction({ user: SLACK_DPO, channel: SLACK_DPO_CHANNEL, actionId: action, value: ref, responseUrl: respondUrlOf(rig, SLACK_DPO) }), FORM);
    const opened = (await rig.slack.waitFor((c) => rig.slack.calls.indexOf(c) >= from && c.path === '/api/views.open')).body.view as SlackView;
    const before = await snapshot();
    const res = await submitView(rig, PUPIL, opened, slackState(opened, typed));
    expect(res.status).toBe(200);
    await eventually(() => expect(refusals(PUPIL).some((l) => l.includes(formId))).toBe(true));
    expect(await snapshot()).toEqual(before);
  });
});

describe('Teams, someone who is not the DPO or an admin', () => {
  const said = (from: number) => rig.connector.calls.slice(from).filter((c) => c.path.includes(encodeURIComponent(PUPIL_CHAT)));

  test.each(COMMANDS)('"%s" is refused in words and changes nothing', async (words) => {
    const before = await snapshot();
    const from = rig.connector.calls.length;
    await postTeams(rig.url, message(rig.connector.url, PUPIL_CHAT, { id: TEAMS_PUPIL }, words));
    await eventually(() => expect(said(from).map(text).join(' ')).toMatch(REFUSED));
    expect(await snapshot()).toEqual(before);
  });

  test.each(BUTTONS)('the alert button %s, pressed on a forwarded card, is refused in words and changes nothing', async (action) => {
    const before = await snapshot();
    const from = rig.connector.calls.length;
    await postTeams(rig.url, cardSubmit(rig.connector.url, PUPIL_CHAT, { id: TEAMS_PUPIL }, { safecall: { action, value: ref } }, 'act-alert'));
    await eventually(() => expect(said(from).map(text).join(' ')).toMatch(REFUSED));
    expect(await snapshot()).toEqual(before);
  });

  test.each(FORMS)('the %s form, submitted with a well-formed state, is refused and records nothing', async (_name, formId, typed) => {
    const before = await snapshot();
    const from = rig.connector.calls.length;
    await postTeams(rig.url, cardSubmit(rig.connector.url, PUPIL_CHAT, { id: TEAMS_PUPIL }, { safecall: { form: formId, state: formState(ref, 'forged-0001') }, ...typed }, 'act-form'));
    await eventually(() => expect(said(from).map(text).join(' ')).toMatch(REFUSED));
    expect(await snapshot()).toEqual(before);
  });
});

test('every refusal was logged as not permitted, with ids only (checked last)', () => {
  const lines = rig.logs.filter((l) => l.includes('not-permitted'));
  // Slack and Teams: 3 commands (2 logged by the incidents feature; terms says so in words), 7 buttons, 5 forms.
  expect(lines.filter((l) => l.includes(PUPIL)).length).toBeGreaterThanOrEqual(2 + BUTTONS.length + FORMS.length);
  expect(lines.filter((l) => l.includes(TEAMS_PUPIL)).length).toBeGreaterThanOrEqual(2 + BUTTONS.length + FORMS.length);
  expect(rig.logs.filter((l) => l.includes(NARRATIVE.slice(0, 12)) || l.includes('forged note'))).toEqual([]);
});
