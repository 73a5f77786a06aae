/**
 * Incident reports under bad input, as an independent reviewer sends it: real signed Slack requests and
 * Teams activities to the real server. Every bad submission gets a clear answer, writes no report, and no
 * log line holds what was typed; concurrent DPO decisions on one case record one decision.
 */
import { startRig, type Rig } from '../rig/harness.js';
import { FORM, blockAction, postSlack } from '../rig/slack-requests.js';
import { cardSubmit, message, postTeams } from '../rig/teams-requests.js';
import { REPORT_ACTIONS as A, REPORT_FIELDS as F, REPORT_FORMS, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { SETTINGS, SLACK_ADMIN, SLACK_DPO, SLACK_DPO_CHANNEL, answers, cardOf, leaks, nextCall, openReportView, respondUrlOf, slackState, submitReport, submitView, teamsSubmitValue, type SlackView } from './reports.rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
});
afterAll(async () => rig.stop());

const respondUrl = (user: string) => respondUrlOf(rig, user);
const SECRET = 'Qx77-secret-typed';
/** Reports stored so far: each one logs incident.reported once (ids only). */
const count = async () => rig.logs.filter((l) => l.includes('incident.reported')).length;

const openView = (user: string) => openReportView(rig, user);
const rawSubmit = (user: string, view: SlackView, values: Record<string, Record<string, unknown>>, privateMetadata = view.private_metadata) =>
  submitView(rig, user, { callback_id: view.callback_id, private_metadata: privateMetadata, blocks: view.blocks }, values);
const report = (user: string) => submitReport(rig, user);

describe('the report form on Slack, sent bad values', () => {
  const cases: [string, (v: SlackView) => Record<string, Record<string, unknown>>, string][] = [
    ['a 10,000-character narrative', (v) => slackState(v, answers(new Date(), { [F.narrative]: SECRET + 'x'.repeat(10_000) })), F.narrative],
    ['an unknown category option', (v) => ({ ...slackState(v, answers(new Date())), [F.category]: { type: 'static_select', selected_option: { value: 'nope', text: { text: SECRET } } } }), F.category],
    ['an unknown "whose data" option', (v) => ({ ...slackState(v, answers(new Date())), [F.subjects]: { type: 'multi_static_select', selected_options: [{ value: 'aliens' }] } }), F.subjects],
    ['a time far in the future (seconds beyond any date)', (v) => ({ ...slackState(v, answers(new Date())), [F.occurredAt]: { type: 'datetimepicker', selected_date_time: 99_999_999_999_999 } }), F.occurredAt],
    ['a time in the year 3000', (v) => ({ ...slackState(v, answers(new Date())), [F.occurredAt]: { type: 'datetimepicker', selected_date_time: 32_503_680_000 } }), F.occurredAt],
    ['a time before anyone could have reported it (1970)', (v) => ({ ...slackState(v, answers(new Date())), [F.occurredAt]: { type: 'datetimepicker', selected_date_time: 1 }, [F.discoveredAt]: { type: 'datetimepicker', selected_date_time: null } }), F.occurredAt],
    ['no values at all', () => ({}), F.category],
  ];
  test.each(cases)('%s: refused beside the field, nothing stored', async (_name, values, field) => {
    const user = 'U0BAD';
    const view = await openView(user);
    const before = await count();
    const res = await rawSubmit(user, view, values(view));
    expect(res.status).toBe(200);
    expect(res.json?.response_action).toBe('errors');
    expect(Object.keys((res.json as { errors: Record<string, string> }).errors)).toContain(field);
    expect(await count()).toBe(before);
  });

  const wrongTypes: [string, (v: SlackView) => Record<string, Record<string, unknown>>][] = [
    ['a narrative of the wrong type (a number)', (v) => ({ ...slackState(v, answers(new Date())), [F.narrative]: { type: 'plain_text_input', value: 12345 } })],
    ['a selected_option that is a string', (v) => ({ ...slackState(v, answers(new Date())), [F.category]: { type: 'static_select', selected_option: 'uninvited' } })],
    ['a date-time that is a string', (v) => ({ ...slackState(v, answers(new Date())), [F.occurredAt]: { type: 'datetimepicker', selected_date_time: 'garbage' } })],
  ];
  test.each(wrongTypes)('%s (nothing Slack sends): 400 with one log line naming no content, nothing stored', async (_name, values) => {
    const user = 'U0TYPES';
    const view = await openView(user);
    const before = await count();
    const logs = rig.logs.length;
    const res = await rawSubmit(user, view, values(view));
    expect(res.status).toBe(400);
    expect(rig.logs.slice(logs).filter((l) => /"level":(40|50)/.test(l))).toHaveLength(1);
    expect(await count()).toBe(before);
  });

  test('a forged, truncated or oversized private_metadata still gets a clear answer', async () => {
    const user = 'U0META';
    const view = await openView(user);
    for (const meta of ['{"x":', 'A'.repeat(5000), '"\u0000"', (view.private_metadata ?? '').slice(0, 5)]) {
      const res = await rawSubmit(user, view, slackState(view, answers(new Date(), { [F.narrative]: '' })), meta);
      expect(res.status).toBe(200);
      expect(res.json?.response_action).toBe('errors');
    }
  });
});

describe('DPO buttons with forged values and decisions at once', () => {
  test('a button naming an unknown reference, or garbage, is answered and changes nothing', async () => {
    for (const value of ['INC-2099-9999', '', 'x'.repeat(5000), '../../etc/passwd']) {
      const from = rig.slack.calls.length;
      const res = await postSlack(rig.url, blockAction({ user: SLACK_DPO, channel: SLACK_DPO_CHANNEL, actionId: A.acknowledge, value, responseUrl: respondUrl(SLACK_DPO) }), FORM);
      expect(res.status).toBe(200);
      await nextCall(rig.slack, from, (c) => c.path === `/respond/${SLACK_DPO}` || c.path === '/api/chat.postEphemeral');
    }
  });

  test('two ICO decisions on one case at once (two forms): one is recorded, the other is told it was already decided', async () => {
    const ref = await report('U0TWO');
    const opened: SlackView[] = [];
    for (const who of [SLACK_DPO, SLACK_ADMIN]) {
      const from = rig.slack.calls.length;
      await postSlack(rig.url, blockAction({ user: who, channel: SLACK_DPO_CHANNEL, actionId: A.decision, value: ref, responseUrl: respondUrl(who) }), FORM);
      opened.push((await nextCall(rig.slack, from, (c) => c.path === '/api/views.open')).body.view as SlackView);
    }
    const typed: Record<string, string>[] = [{ [T.decision]: 'not-reported', [T.reason]: 'low risk, contained' }, { [T.decision]: 'reported', [T.icoRef]: 'ICO-123' }];
    const results = await Promise.all(
      opened.map((v, i) => rawSubmit([SLACK_DPO, SLACK_ADMIN][i]!, v, slackState(v, typed[i]!))),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(rig.logs.filter((l) => l.includes('"incident.decision"') && l.includes(ref))).toHaveLength(1);
    // Once decided, the decision button says so instead of opening another form.
    const from = rig.slack.calls.length;
    await postSlack(rig.url, blockAction({ user: SLACK_DPO, channel: SLACK_DPO_CHANNEL, actionId: A.decision, value: ref, responseUrl: respondUrl(SLACK_DPO) }), FORM);
    const said = await nextCall(rig.slack, from, (c) => c.path === `/respond/${SLACK_DPO}` || c.path === '/api/views.open' || c.path === '/api/chat.postEphemeral');
    expect(said.path).not.toBe('/api/views.open');
    expect(JSON.stringify(said.body)).toMatch(/already/i);
  });
});

describe('Teams', () => {
  test('a report form submission missing its fields comes back with the messages and stores nothing', async () => {
    const who = 'aad-missing';
    const conv = `a:chat-${who}`;
    let from = rig.connector.calls.length;
    await postTeams(rig.url, message(rig.connector.url, conv, { id: who }, 'report'));
    const call = await nextCall(rig.connector, from, (c) => JSON.stringify(c.body).includes(`"form":"${REPORT_FORMS.report}"`));
    const card = cardOf(call.body);
    const before = await count();
    const value = teamsSubmitValue(card, {});
    const bare = { safecall: value.safecall };
    from = rig.connector.calls.length;
    const res = await postTeams(rig.url, cardSubmit(rig.connector.url, conv, { id: who }, bare, String(call.reply?.id)));
    expect(res.status).toBe(200);
    await nextCall(rig.connector, from, (c) => c.path.includes(encodeURIComponent(conv)));
    expect(await count()).toBe(before);
    const wrongTypes = { ...value, [F.narrative]: { x: SECRET }, [F.category]: 42 };
    from = rig.connector.calls.length;
    expect((await postTeams(rig.url, cardSubmit(rig.connector.url, conv, { id: who }, wrongTypes, String(call.reply?.id)))).status).toBe(200);
    await nextCall(rig.connector, from, (c) => c.path.includes(encodeURIComponent(conv)));
    expect(await count()).toBe(before);
  });
});

test('no log line holds what was typed (checked last)', () => {
  expect(leaks(rig, [SECRET])).toEqual([]);
});
