/**
 * Incident reports on Slack end to end, through real signed requests to the real server (Bolt, lowdb): every
 * way in opens the form (the command, both shortcuts, the "It's happening now" card), a submission gets its
 * reference, a refused form keeps what was typed, and a retry or a double submit makes one report. No log
 * line holds what the reporter typed.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { storeEnv } from '../rig/store-env.js';
import { find, slackButtons } from '../rig/clicks.js';
import type { Recorded } from '../rig/recorder.js';
import { dmOf } from '../rig/fake-slack.js';
import { FORM, blockAction, event, globalShortcut, messageShortcut, postSlack, sign, slashCommand, viewSubmission } from '../rig/slack-requests.js';
import { expectWithinSlackLimits } from '../helpers/slack-limits.js';
import { REPORT_ACTIONS, REPORT_FIELDS as F, REPORT_FORMS } from '../../dialogs/incidents/ids.js';
import { SETUP_ACTIONS } from '../../dialogs/secure-call/ids.js';
import { NARRATIVE, SETTINGS, SLACK_DPO, answers, leaks, nextCall, slackShown, slackState, type SlackView } from './reports.rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
});
afterAll(async () => rig.stop());

const root = resolve(new URL('../..', import.meta.url).pathname);
const respondUrl = (user: string) => `${rig.slack.url}/respond/${user}`;
const REF = /INC-\d{4}-\d{4}/g;

/** Sends a request and returns the views.open it led to. */
async function opens(body: string): Promise<{ view: SlackView; call: Recorded }> {
  const from = rig.slack.calls.length;
  const res = await postSlack(rig.url, body, FORM);
  expect(res.status).toBe(200);
  const call = await nextCall(rig.slack, from, (c) => c.path === '/api/views.open');
  return { view: call.body.view as SlackView, call };
}

function submit(user: string, view: SlackView, typed: Record<string, string>, headers?: (body: string) => Record<string, string>) {
  const body = viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, typed), privateMetadata: view.private_metadata });
  return postSlack(rig.url, body, FORM, headers ? headers(body) : sign(body));
}

/** What the reporter's "my reports" lists: the references, by asking in their DM. */
async function myReports(user: string): Promise<string[]> {
  const channel = `D${user}`;
  const from = rig.slack.calls.length;
  await postSlack(rig.url, slashCommand({ user, channel, text: 'my reports', responseUrl: respondUrl(user) }), FORM);
  const reply = await nextCall(rig.slack, from, (c) => (c.path === '/api/chat.postMessage' && c.body.channel === channel) || c.path === `/respond/${user}`);
  return [...new Set(JSON.stringify(reply.body).match(REF) ?? [])];
}

/** The confirmation the reporter got after a submission from a channel (ephemeral through the response_url). */
const confirmationFor = (user: string, from: number) => nextCall(rig.slack, from, (c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)));

describe('every way in opens the report form', () => {
  test('/safecall report in a channel opens the modal with the trigger of that command, within Slack limits', async () => {
    const { view, call } = await opens(slashCommand({ user: 'U0CMD', channel: 'C0CLASS', text: 'report', triggerId: 'trigger-cmd-1' }));
    expect(call.body.trigger_id).toBe('trigger-cmd-1');
    expect(view.callback_id).toBe(REPORT_FORMS.report);
    expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual(expect.arrayContaining([F.category, F.occurredAt, F.narrative, F.evidence]));
    expect((view.private_metadata ?? '').length).toBeLessThanOrEqual(3000);
    expectWithinSlackLimits(view as never);
  });

  test('the "Report an incident" global shortcut opens it; "Secure my class call" still starts the setup', async () => {
    const { view } = await opens(globalShortcut({ user: 'U0SHORT', callbackId: 'report.shortcut' }));
    expect(view.callback_id).toBe(REPORT_FORMS.report);
    expect(slackShown(view)[F.evidence]).toBeUndefined();

    const from = rig.slack.calls.length;
    await postSlack(rig.url, globalShortcut({ user: 'U0SHORT', callbackId: 'setup.shortcut' }), FORM);
    const setup = await nextCall(rig.slack, from, (c) => c.path === '/api/chat.postMessage' && c.body.channel === 'U0SHORT');
    expect(slackButtons(setup.body).map((b) => b.action)).toContain(SETUP_ACTIONS.platform);
  });

  test('"Report this message" opens it with the link to that message filled in (Slack\'s permalink)', async () => {
    const from = rig.slack.calls.length;
    const { view } = await opens(messageShortcut({ user: 'U0MSG', callbackId: 'report.message', channel: 'C0CLASS', messageTs: '1700000123.000400' }));
    const asked = rig.slack.calls.slice(from).find((c) => c.path === '/api/chat.getPermalink')!;
    expect(asked.body).toMatchObject({ channel: 'C0CLASS', message_ts: '1700000123.000400' });
    expect(slackShown(view)[F.evidence]).toBe((asked.reply as { permalink: string }).permalink);
  });

  test('"Report this message" in a conversation Slack will not give a link for: the link built from the payload', async () => {
    rig.slack.failNext('chat.getPermalink', 'channel_not_found');
    const { view } = await opens(messageShortcut({ user: 'U0MSG2', callbackId: 'report.message', channel: 'G0PRIVATE', messageTs: '1700000124.000500', threadTs: '1700000100.000100' }));
    expect(slackShown(view)[F.evidence]).toBe('https://school.slack.com/archives/G0PRIVATE/p1700000124000500?thread_ts=1700000100.000100&cid=G0PRIVATE');
  });

  test('the "It\'s happening now" card leads to the form in two presses', async () => {
    const user = 'U0NOW';
    const channel = 'D0NOW';
    await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel, user, text: 'happening now', ts: '1.1' }), 'application/json');
    const posted = () => rig.slack.calls.filter((c) => c.path === '/api/chat.postMessage' && c.body.channel === channel);
    await eventually(() => expect(posted().length).toBeGreaterThan(0));
    // The platform question first, when the bot does not know it yet.
    let card = posted().at(-1)!;
    if (!slackButtons(card.body).some((b) => b.action === SETUP_ACTIONS.report)) {
      const pick = find(slackButtons(card.body), SETUP_ACTIONS.now, /Zoom/);
      const n = rig.slack.calls.length;
      await postSlack(rig.url, blockAction({ user, channel, actionId: pick.action, value: pick.value, messageTs: String(card.reply?.ts) }), FORM);
      card = await nextCall(rig.slack, n, (c) => (c.path === '/api/chat.update' || c.path === '/api/chat.postMessage') && c.body.channel === channel);
    }
    const report = find(slackButtons(card.body), SETUP_ACTIONS.report);
    let n = rig.slack.calls.length;
    await postSlack(rig.url, blockAction({ user, channel, actionId: report.action, value: report.value, messageTs: String(card.reply?.ts ?? card.body.ts) }), FORM);
    const advice = await nextCall(rig.slack, n, (c) => c.path === '/api/chat.postMessage' && c.body.channel === channel);
    const start = find(slackButtons(advice.body), REPORT_ACTIONS.start);
    n = rig.slack.calls.length;
    await postSlack(rig.url, blockAction({ user, channel, actionId: start.action, value: start.value, messageTs: String(advice.reply?.ts) }), FORM);
    const opened = await nextCall(rig.slack, n, (c) => c.path === '/api/views.open');
    expect((opened.body.view as SlackView).callback_id).toBe(REPORT_FORMS.report);
  });
});

describe('submitting', () => {
  test('a report from a channel: the modal closes, the reporter alone gets the reference, and it is listed as theirs', async () => {
    const user = 'U0REP';
    const { view } = await opens(slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrl(user) }));
    const from = rig.slack.calls.length;
    const res = await submit(user, view, answers(new Date()));
    expect(res.status).toBe(200);
    expect(res.json?.response_action).toBeUndefined();
    const confirmed = await confirmationFor(user, from);
    expect(confirmed.body.response_type).toBe('ephemeral');
    const ref = JSON.stringify(confirmed.body).match(REF)![0];
    // Nothing about it was posted in the class channel.
    expect(rig.slack.calls.slice(from).filter((c) => c.path === '/api/chat.postMessage' && c.body.channel === 'C0CLASS')).toEqual([]);
    expect(await myReports(user)).toEqual([ref]);
  });

  test('a refused form stays open with the messages beside the fields; what was typed stays in the modal, and the corrected form goes through', async () => {
    const user = 'U0REFUSE';
    const { view } = await opens(slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrl(user) }));
    const future = new Date(Date.now() + 2 * 3600_000).toISOString();
    const from = rig.slack.calls.length;
    const refused = await submit(user, view, answers(new Date(), { [F.occurredAt]: future, [F.discoveredAt]: '', [F.narrative]: '' }));
    expect(refused.status).toBe(200);
    expect(refused.json).toEqual({ response_action: 'errors', errors: { [F.occurredAt]: expect.any(String), [F.narrative]: expect.any(String) } });
    // Slack keeps the modal and every value in it on response_action errors: nothing was replaced or posted.
    // (Only this person's conversations count: the alert for the report made in the test before, and the
    // message telling its reporter it has reached the DPO, may still be going out.)
    expect(rig.slack.calls.slice(from).filter((c) => /views\.(update|push)/.test(c.path) || (c.path === '/api/chat.postMessage' && [dmOf(user), 'C0CLASS'].includes(String(c.body.channel))))).toEqual([]);
    expect(await myReports(user)).toEqual([]);
    const n = rig.slack.calls.length;
    const fixed = await submit(user, view, answers(new Date()));
    expect(fixed.json?.response_action).toBeUndefined();
    await confirmationFor(user, n);
    expect(await myReports(user)).toHaveLength(1);
  });

  test('Slack retrying a submission (x-slack-retry-num) makes one report and one confirmation', async () => {
    const user = 'U0RETRY';
    const { view } = await opens(slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrl(user) }));
    const from = rig.slack.calls.length;
    const body = viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, answers(new Date())), privateMetadata: view.private_metadata });
    const [first, retry] = await Promise.all([
      postSlack(rig.url, body, FORM),
      postSlack(rig.url, body, FORM, { ...sign(body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    ]);
    expect([first.status, retry.status]).toEqual([200, 200]);
    await confirmationFor(user, from);
    expect(await myReports(user)).toHaveLength(1);
    expect(rig.slack.calls.slice(from).filter((c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)))).toHaveLength(1);
  });

  test('a double-clicked submit (two submissions of one modal at once) makes one report, the same reference twice', async () => {
    const user = 'U0DOUBLE';
    const { view } = await opens(slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrl(user) }));
    const from = rig.slack.calls.length;
    const typed = answers(new Date());
    const results = await Promise.all([submit(user, view, typed), submit(user, view, typed)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await eventually(() => expect(rig.slack.calls.slice(from).filter((c) => c.path === `/respond/${user}`)).toHaveLength(2));
    const refs = rig.slack.calls.slice(from).filter((c) => c.path === `/respond/${user}`).map((c) => JSON.stringify(c.body).match(REF)![0]);
    expect(new Set(refs).size).toBe(1);
    expect(await myReports(user)).toEqual([refs[0]]);
  });
});

describe('the breach log from chat', () => {
  test('the DPO asking in their DM gets the CSV uploaded there (v2 upload), with every report so far in it', async () => {
    const refs = [...(await myReports('U0REP')), ...(await myReports('U0DOUBLE'))];
    expect(refs).toHaveLength(2);
    const from = rig.slack.calls.length;
    await postSlack(rig.url, slashCommand({ user: SLACK_DPO, channel: 'D0DPO', text: 'breach log' }), FORM);
    await nextCall(rig.slack, from, (c) => c.path === '/api/files.completeUploadExternal');
    const upload = rig.slack.uploads().at(-1)!;
    expect(upload).toMatchObject({ channel: 'D0DPO', filename: expect.stringMatching(/^breach-log-\d{4}-\d{2}-\d{2}\.csv$/) });
    expect(upload.content.startsWith('\uFEFF')).toBe(true);
    for (const ref of refs) expect(upload.content).toContain(ref);
    // The export decrypts: the DPO's file holds the narrative the logs never do.
    expect(upload.content).toContain(NARRATIVE);
    expect(rig.slack.calls.slice(from).some((c) => c.path === '/api/chat.postMessage' && c.body.channel === 'D0DPO')).toBe(true);
  });

  test('asked for in a channel, the file goes to the DPO\'s DM and the channel gets nothing of it', async () => {
    const from = rig.slack.calls.length;
    await postSlack(rig.url, slashCommand({ user: SLACK_DPO, channel: 'C0STAFF', text: 'breach log', responseUrl: respondUrl(SLACK_DPO) }), FORM);
    await nextCall(rig.slack, from, (c) => c.path === '/api/files.completeUploadExternal');
    const dm = (rig.slack.calls.slice(from).find((c) => c.path === '/api/conversations.open')!.reply as { channel: { id: string } }).channel.id;
    expect(rig.slack.uploads().at(-1)!.channel).toBe(dm);
    expect(rig.slack.calls.slice(from).filter((c) => c.body.channel === 'C0STAFF' && c.path === '/api/chat.postMessage')).toEqual([]);
    await nextCall(rig.slack, from, (c) => c.path === `/respond/${SLACK_DPO}`);
  });

  test('anyone else is told it is not permitted, and no file is made', async () => {
    const uploads = rig.slack.uploads().length;
    const from = rig.slack.calls.length;
    await postSlack(rig.url, slashCommand({ user: 'U0REP', channel: 'D0U0REP', text: 'breach log', responseUrl: respondUrl('U0REP') }), FORM);
    const reply = await nextCall(rig.slack, from, (c) => c.path === `/respond/U0REP` || (c.path === '/api/chat.postMessage' && c.body.channel === 'D0U0REP'));
    expect(JSON.stringify(reply.body)).toMatch(/permitted|allowed/i);
    expect(rig.slack.calls.slice(from).some((c) => c.path.startsWith('/api/files.'))).toBe(false);
    expect(rig.slack.uploads()).toHaveLength(uploads);
    expect(rig.logs.some((l) => l.includes('incident.not-permitted') && l.includes('U0REP'))).toBe(true);
  });
});

describe('the breach log from the CLI, against the running server\'s data', () => {
  const run = (args: string[]) =>
    promisify(execFile)('npx', ['safecall', 'reports', 'export', ...args, '--data-dir', rig.dataDir], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...storeEnv(rig.dataDir) }, maxBuffer: 10_000_000 });

  test('npx safecall reports export --format csv|json: every report made above, with its latest state (JSON: the timeline)', async () => {
    const refs = [...(await myReports('U0REP')), ...(await myReports('U0DOUBLE')), ...(await myReports('U0RETRY'))];
    expect(refs).toHaveLength(3);
    const csv = await run(['--format', 'csv']);
    expect(csv.stdout.startsWith('\uFEFF')).toBe(true);
    for (const ref of refs) expect(csv.stdout).toContain(ref);
    expect(csv.stdout).toContain(NARRATIVE);
    const json = JSON.parse((await run(['--format', 'json'])).stdout) as unknown;
    const text = JSON.stringify(json);
    for (const ref of refs) expect(text).toContain(ref);
    expect(text).toMatch(/"timeline"/);
    // The DPO's export says nothing on stderr, and the server kept serving while it read.
    expect(csv.stderr).toBe('');
    expect(await myReports('U0REP')).toHaveLength(1);
  }, 60_000);
});

test('no log line holds what a reporter typed (checked last, over every request above)', () => {
  expect(rig.logs.length).toBeGreaterThan(10);
  expect(rig.logs.some((l) => l.includes('incident.reported'))).toBe(true);
  expect(leaks(rig)).toEqual([]);
});
