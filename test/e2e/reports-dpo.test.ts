/**
 * The DPO's side end to end, through the real server and its scheduler on a fixed clock: the alert reaches
 * the DPO channel on Slack and the DPO conversation on Teams with its deadline; each button works for the DPO
 * and is refused for anyone else; the 24/48/68 h reminders and the 72 h overdue flag fire once each, across
 * a restart; a decision after the deadline needs the reason for the delay.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { slackButtons, teamsButtons, find } from '../rig/clicks.js';
import type { Recorded } from '../rig/recorder.js';
import { FORM, blockAction, postSlack, slashCommand, viewSubmission } from '../rig/slack-requests.js';
import { cardSubmit, invoke, message, postTeams } from '../rig/teams-requests.js';
import { REPORT_ACTIONS as A, REPORT_FORMS, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { cardTexts, teamsSubmitValue } from './reports.rig.js';
import { NARRATIVE, SETTINGS, SLACK_ADMIN, SLACK_DPO, SLACK_DPO_CHANNEL, TEAMS_DPO, answers, leaks, nextCall, slackState, type SlackView } from './reports.rig.js';

const T0 = new Date('2027-03-01T09:00:00Z');
const clock = { at: T0, now() { return this.at; } };
const HOUR = 3_600_000;
const TEAMS_DPO_CHAT = '19:dpo-office@thread.tacv2';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS, clock });
  // The DPO sets the Teams destination by typing in that channel.
  await postTeams(rig.url, message(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, 'set dpo channel', 'channel'));
});
afterAll(async () => rig.stop());

const scheduler = () => rig.running!.scheduler;
/** Lets the scheduler send what is queued (a cron tick may be running too: wait for it first). */
async function flush(): Promise<void> {
  await scheduler().idle();
  await scheduler().flush();
  await scheduler().idle();
}
async function tickAt(ms: number) {
  clock.at = new Date(ms);
  await scheduler().idle();
  const summary = await scheduler().tick();
  await scheduler().idle();
  return summary;
}

const respondUrl = (user: string) => `${rig.slack.url}/respond/${user}`;
const REF = /INC-\d{4}-\d{4}/;

/** A report made on Slack by `user` from a class channel; resolves to its reference. */
async function report(user: string): Promise<string> {
  let from = rig.slack.calls.length;
  await postSlack(rig.url, slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrl(user) }), FORM);
  const view = (await nextCall(rig.slack, from, (c) => c.path === '/api/views.open')).body.view as SlackView;
  from = rig.slack.calls.length;
  await postSlack(rig.url, viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, answers(clock.now())), privateMetadata: view.private_metadata }), FORM);
  const confirmed = await nextCall(rig.slack, from, (c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)));
  return JSON.stringify(confirmed.body).match(REF)![0];
}

const slackAlerts = (ref: string) => rig.slack.calls.filter((c) => c.path === '/api/chat.postMessage' && c.body.channel === SLACK_DPO_CHANNEL && JSON.stringify(c.body).includes(ref));
const teamsToDpo = (ref: string) => rig.connector.activities(TEAMS_DPO_CHAT).filter((a) => JSON.stringify(a.body).includes(ref));
const textOf = (c: Recorded) => JSON.stringify(c.body);
/** The DPO's conversation on Teams is a team channel. */
const inChannel = <A extends { conversation: object }>(a: A): A => ({ ...a, conversation: { ...a.conversation, conversationType: 'channel' } });

/** Presses a button on the Slack alert as `user`; resolves to what came back (an update, a modal, or a private answer). */
async function press(user: string, alertTs: string, action: string, value: string): Promise<Recorded> {
  const from = rig.slack.calls.length;
  await postSlack(rig.url, blockAction({ user, channel: SLACK_DPO_CHANNEL, actionId: action, value, messageTs: alertTs, responseUrl: respondUrl(user) }), FORM);
  return nextCall(rig.slack, from, (c) => c.path === '/api/chat.update' || c.path === '/api/views.open' || c.path === `/respond/${user}`);
}

/** Opens one of the DPO's forms from the alert and submits it; resolves to the ack's JSON and the next update. */
async function triage(user: string, alertTs: string, action: string, ref: string, typed: Record<string, string>) {
  const opened = await press(user, alertTs, action, ref);
  expect(opened.path).toBe('/api/views.open');
  const view = opened.body.view as SlackView;
  const from = rig.slack.calls.length;
  const res = await postSlack(rig.url, viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, typed), privateMetadata: view.private_metadata }), FORM);
  return { view, ack: res.json, from };
}
const updateAfter = (from: number, ts: string) => nextCall(rig.slack, from, (c) => c.path === '/api/chat.update' && c.body.ts === ts && c.body.channel === SLACK_DPO_CHANNEL);

describe('a report reaches the DPO on both platforms, and the DPO takes it to a decision', () => {
  let ref = '';
  let alertTs = '';

  test('the alert reaches the Slack DPO channel and the Teams DPO conversation, with the deadline and time left', async () => {
    ref = await report('U0PUPIL');
    await flush();
    const [alert] = slackAlerts(ref);
    expect(alert).toBeDefined();
    alertTs = String(alert!.reply?.ts);
    expect(textOf(alert!)).toMatch(/ICO deadline/);
    expect(textOf(alert!)).toMatch(/\d+ h \d+ min left/);
    expect(slackButtons(alert!.body).map((b) => b.action)).toEqual(expect.arrayContaining([A.acknowledge, A.risk, A.decision, A.told, A.note]));
    const teams = teamsToDpo(ref);
    expect(teams.filter((a) => a.kind === 'send')).toHaveLength(1);
    expect(teamsButtons(teams[0]!.body).map((b) => b.action)).toContain(A.acknowledge);
    expect(textOf(teams[0]!)).toMatch(/ICO deadline/);
    // Sent once: another flush sends nothing more.
    await flush();
    expect(slackAlerts(ref)).toHaveLength(1);
  });

  test('every button pressed by someone who is not the DPO or an admin is refused, changes nothing, and is logged without content', async () => {
    const updates = rig.slack.callsOf('chat.update').length;
    for (const action of [A.acknowledge, A.risk, A.decision, A.told, A.note, A.close]) {
      const answer = await press('U0PUPIL', alertTs, action, ref);
      expect([action, answer.path]).toEqual([action, '/respond/U0PUPIL']);
      expect(textOf(answer)).toMatch(/not permitted|isn.t something you can|only/i);
    }
    expect(rig.slack.callsOf('chat.update')).toHaveLength(updates);
    expect(rig.slack.callsOf('views.open').filter((c) => JSON.stringify(c.body).includes(REPORT_FORMS.risk))).toEqual([]);
    const refused = rig.logs.filter((l) => l.includes('incident.not-permitted') && l.includes('U0PUPIL'));
    expect(refused.length).toBeGreaterThanOrEqual(6);
    expect(refused.filter((l) => l.includes(NARRATIVE.slice(0, 12)))).toEqual([]);
  });

  test('Acknowledge: the alert is updated in place on Slack, and the Teams alert is redrawn', async () => {
    const updated = await press(SLACK_DPO, alertTs, A.acknowledge, ref);
    expect(updated.path).toBe('/api/chat.update');
    expect(updated.body.ts).toBe(alertTs);
    expect(slackButtons(updated.body).map((b) => b.action)).not.toContain(A.acknowledge);
    await flush();
    await eventually(() => expect(teamsToDpo(ref).filter((a) => a.kind === 'update').length).toBeGreaterThan(0));
  });

  test('Close is refused before a decision is recorded', async () => {
    const answer = await press(SLACK_ADMIN, alertTs, A.close, ref);
    expect(answer.path).toBe(`/respond/${SLACK_ADMIN}`);
    expect(textOf(answer)).toMatch(/decision/i);
  });

  test('Assess risk (high), by the admin', async () => {
    const { ack, from } = await triage(SLACK_ADMIN, alertTs, A.risk, ref, { [T.risk]: 'high', [T.consequences]: 'Zq81-consequences: photo of a pupil seen by strangers' });
    expect(ack?.response_action).toBeUndefined();
    expect(textOf(await updateAfter(from, alertTs))).toMatch(/high risk/i);
  });

  test('ICO decision "not reported" without a reason is refused in the form; with one it is recorded', async () => {
    const refused = await triage(SLACK_DPO, alertTs, A.decision, ref, { [T.decision]: 'not-reported', [T.reason]: '' });
    expect(refused.ack).toEqual({ response_action: 'errors', errors: { [T.reason]: expect.any(String) } });
    const from = rig.slack.calls.length;
    const res = await postSlack(
      rig.url,
      viewSubmission({ user: SLACK_DPO, callbackId: refused.view.callback_id, values: slackState(refused.view, { [T.decision]: 'not-reported', [T.reason]: 'Zq81-reason: contained within a minute' }), privateMetadata: refused.view.private_metadata }),
      FORM,
    );
    expect(res.json?.response_action).toBeUndefined();
    expect(textOf(await updateAfter(from, alertTs))).toMatch(/Decision recorded/);
  });

  test('High risk: Close is refused until individuals are told; Individuals told and Add note record; then Close closes it', async () => {
    const early = await press(SLACK_DPO, alertTs, A.close, ref);
    expect(early.path).toBe(`/respond/${SLACK_DPO}`);

    const told = await triage(SLACK_DPO, alertTs, A.told, ref, { [T.toldAt]: new Date(clock.now().getTime() - 5 * 60_000).toISOString(), [T.how]: 'Zq81-how: phoned the parents' });
    expect(told.ack?.response_action).toBeUndefined();
    await updateAfter(told.from, alertTs);

    const noted = await triage(SLACK_DPO, alertTs, A.note, ref, { [T.note]: 'Zq81-note: Zoom account password changed' });
    expect(noted.ack?.response_action).toBeUndefined();
    expect(textOf(await updateAfter(noted.from, alertTs))).toMatch(/Notes/);

    const closed = await press(SLACK_DPO, alertTs, A.close, ref);
    expect(closed.path).toBe('/api/chat.update');
    expect(slackButtons(closed.body)).toEqual([]);
  });

  test('on Teams, the DPO acknowledges a new report from the alert card; someone else is refused', async () => {
    const other = await report('U0PUPIL2');
    await flush();
    const card = teamsToDpo(other).find((a) => a.kind === 'send')!;
    const ack = find(teamsButtons(card.body), A.acknowledge);
    let from = rig.connector.calls.length;
    await postTeams(rig.url, cardSubmit(rig.connector.url, TEAMS_DPO_CHAT, { id: 'aad-teacher' }, { safecall: { action: ack.action, value: ack.value } }, String(card.reply?.id)));
    const refused = await nextCall(rig.connector, from, (c) => c.path.includes(encodeURIComponent(TEAMS_DPO_CHAT)));
    expect(refused.method).toBe('POST');
    expect(textOf(refused)).toMatch(/not permitted|only/i);
    from = rig.connector.calls.length;
    await postTeams(rig.url, cardSubmit(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, { safecall: { action: ack.action, value: ack.value } }, String(card.reply?.id)));
    const updated = await nextCall(rig.connector, from, (c) => c.method === 'PUT' && c.path.includes(encodeURIComponent(String(card.reply?.id))));
    expect(teamsButtons(updated.body).map((b) => b.action)).not.toContain(A.acknowledge);

    // Assess risk on Teams: in the DPO channel the form opens in a dialog; once saved, the alert is redrawn.
    const risk = find(teamsButtons(updated.body), A.risk);
    from = rig.connector.calls.length;
    await postTeams(rig.url, inChannel(cardSubmit(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, { safecall: { action: risk.action, value: risk.value } }, String(card.reply?.id))));
    const opener = await nextCall(rig.connector, from, (c) => c.method === 'POST' && c.path.includes(encodeURIComponent(TEAMS_DPO_CHAT)));
    let data: unknown;
    JSON.stringify(opener.body, (_k, v: unknown) => ((v as { data?: { msteams?: { type?: string } } } | null)?.data?.msteams?.type === 'task/fetch' ? ((data = (v as { data: unknown }).data), v) : v));
    const dialog = JSON.parse((await postTeams(rig.url, invoke(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, 'task/fetch', { type: 'task/fetch', data }))).text) as { task: { value: { card: { content: unknown } } } };
    const form = dialog.task.value.card.content;
    const saved = JSON.parse((await postTeams(rig.url, invoke(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, 'task/submit', { data: teamsSubmitValue(form, { [T.risk]: 'risk' }) }))).text) as typeof dialog;
    expect(cardTexts(saved.task.value.card.content).join(' ')).toContain(other);
    from = rig.connector.calls.length;
    await flush();
    const redrawn = await nextCall(rig.connector, from, (c) => c.method === 'PUT' && c.path.includes(encodeURIComponent(String(card.reply?.id))));
    expect(textOf(redrawn)).toMatch(/A risk to people/);
  });
});

describe('the ICO clock', () => {
  test('reminders at 24, 48 and 68 hours and the overdue flag at 72, once each, across a restart; a late decision needs the delay reason', async () => {
    clock.at = new Date(T0.getTime() + 10 * HOUR);
    const ref = await report('U0LATE');
    await flush();
    const start = clock.now().getTime();
    const reminders = () => rig.slack.calls.filter((c) => c.path === '/api/chat.postMessage' && c.body.channel === SLACK_DPO_CHANNEL && JSON.stringify(c.body).includes(ref) && slackButtons(c.body).length === 0).map((c) => String(c.body.text));

    // The school is aware from when the report is made: the clock runs from `start`.
    // (Other reports' timers fall due on these ticks too: only this report's messages are counted.)
    await tickAt(start + 22 * HOUR);
    await flush();
    expect(reminders()).toEqual([]);
    await tickAt(start + 24 * HOUR);
    await flush();
    expect(reminders()).toEqual([expect.stringContaining('24 hours')]);

    // A restart in between: the timers live in the store.
    await rig.restart();
    await tickAt(start + 48 * HOUR);
    await flush();
    expect(reminders()).toEqual([expect.stringContaining('24 hours'), expect.stringContaining('48 hours')]);
    await tickAt(start + 48 * HOUR + 60_000);
    await flush();
    expect(reminders()).toHaveLength(2);

    await tickAt(start + 68 * HOUR);
    await tickAt(start + 72 * HOUR);
    await flush();
    expect(reminders()).toEqual([expect.stringContaining('24 hours'), expect.stringContaining('48 hours'), expect.stringMatching(/only .* to decide/), expect.stringMatching(/overdue/)]);
    expect(rig.logs.some((l) => l.includes('incident.overdue') && l.includes(ref))).toBe(true);
    // Teams got the same four.
    expect(rig.connector.activities(TEAMS_DPO_CHAT).filter((a) => a.kind === 'send' && JSON.stringify(a.body).includes(ref)).length).toBe(5);

    // After the deadline the decision form asks why it is late, and refuses without it.
    clock.at = new Date(start + 72 * HOUR + 60_000);
    const alert = slackAlerts(ref)[0]!;
    const late = await triage(SLACK_DPO, String(alert.reply?.ts), A.decision, ref, { [T.decision]: 'reported', [T.icoRef]: 'IC-123456' });
    expect(late.ack).toEqual({ response_action: 'errors', errors: { [T.delayReason]: expect.any(String) } });
    const from = rig.slack.calls.length;
    const typed = { [T.decision]: 'reported', [T.icoRef]: 'IC-123456', [T.delayReason]: 'Zq81-delay: the DPO was on leave' };
    const res = await postSlack(rig.url, viewSubmission({ user: SLACK_DPO, callbackId: late.view.callback_id, values: slackState(late.view, typed), privateMetadata: late.view.private_metadata }), FORM);
    expect(res.json?.response_action).toBeUndefined();
    expect(textOf(await updateAfter(from, String(alert.reply?.ts)))).toMatch(/Decision recorded/);
  });
});

test('the alert leaves as soon as the report is stored, without waiting for the next tick', async () => {
  await scheduler().idle();
  const ref = await report('U0LATER');
  // No tick and no flush from the test: the outbox tells the scheduler, which sends straight away.
  const [alert] = await eventually(() => {
    const found = slackAlerts(ref);
    expect(found).toHaveLength(1);
    return found;
  });
  expect(textOf(alert!)).toMatch(/ICO deadline/);
  await eventually(() => expect(teamsToDpo(ref).filter((a) => a.kind === 'send')).toHaveLength(1));
});

test('no log line holds what a reporter or the DPO typed (checked last)', () => {
  expect(leaks(rig, [NARRATIVE, 'Zq81-consequences', 'Zq81-reason', 'Zq81-how', 'Zq81-note', 'Zq81-delay'])).toEqual([]);
});
