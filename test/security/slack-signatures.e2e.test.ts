/**
 * Slack's request signatures, for every kind of request SafeCall takes (a command, an event, a button, a
 * form): unsigned, signed with another secret, stale, from the future, and a signature lifted onto another
 * body are each refused with 401, with nothing posted and nothing stored. A correctly signed request that is
 * replayed (the same bytes and headers again, inside the five minutes a signature is good for, as a proxy
 * or an attacker could) is acknowledged and has no second effect.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { FORM, SIGNING_SECRET, blockAction, event, postSlack, sign, slashCommand, viewSubmission } from '../rig/slack-requests.js';
import { SETUP_ACTIONS } from '../../dialogs/secure-call/ids.js';
import { REF, SETTINGS, answers, openReportView, slackState, submitView } from '../e2e/reports.rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
});
afterAll(async () => rig.stop());

const now = () => Math.floor(Date.now() / 1000);
const KINDS: [string, () => { body: string; type: string }][] = [
  ['a command', () => ({ body: slashCommand({ user: 'U0SIG', channel: 'C0SIG', text: 'help' }), type: FORM })],
  ['an event', () => ({ body: event({ type: 'message', channel_type: 'im', channel: 'D0SIG', user: 'U0SIG', text: 'help', ts: '1.1' }), type: 'application/json' })],
  ['a button', () => ({ body: blockAction({ user: 'U0SIG', channel: 'C0SIG', actionId: SETUP_ACTIONS.start, value: '' }), type: FORM })],
  ['a form', () => ({ body: viewSubmission({ user: 'U0SIG', callbackId: 'report.form', values: {} }), type: FORM })],
];
const BAD: [string, (body: string) => Record<string, string>][] = [
  ['unsigned', () => ({})],
  ['a timestamp but no signature', () => ({ 'x-slack-request-timestamp': String(now()) })],
  ['signed with another secret', (b) => sign(b, 'not-the-signing-secret')],
  ['stale (six minutes old)', (b) => sign(b, SIGNING_SECRET, now() - 6 * 60)],
  ['from the future (six minutes ahead)', (b) => sign(b, SIGNING_SECRET, now() + 6 * 60)],
  ["another body's signature", () => sign('token=x&command=%2Fsafecall&text=help')],
  ['a signature that is not hex', () => ({ 'x-slack-request-timestamp': String(now()), 'x-slack-signature': 'v0=zz' })],
];

describe.each(KINDS)('%s', (_kind, make) => {
  test.each(BAD)('%s: 401, nothing posted, nothing stored', async (_bad, headers) => {
    const { body, type } = make();
    const calls = rig.slack.calls.length;
    const stored = await rig.storedText();
    const res = await postSlack(rig.url, body, type, headers(body));
    expect(res.status).toBe(401);
    // A later good request is answered, so anything the refused one had set going would be seen by now.
    await postSlack(rig.url, slashCommand({ user: 'U0OK', channel: 'C0OK', text: 'help' }), FORM);
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C0OK');
    expect(rig.slack.calls.slice(calls).filter((c) => JSON.stringify(c.body).includes('0SIG'))).toEqual([]);
    expect((await rig.storedText()).includes('U0SIG')).toBe(stored.includes('U0SIG'));
  });
});

describe('a correctly signed request replayed within its five minutes', () => {
  const replay = async (body: string, type: string, times = 3) => {
    const headers = sign(body);
    const res = await Promise.all(Array.from({ length: times }, () => postSlack(rig.url, body, type, headers)));
    return res.map((r) => r.status);
  };

  test('a command: acknowledged each time, answered once', async () => {
    const body = slashCommand({ user: 'U0RPC', channel: 'C0RPC', text: 'help' });
    expect(await replay(body, FORM)).toEqual([200, 200, 200]);
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C0RPC');
    await postSlack(rig.url, slashCommand({ user: 'U0OK', channel: 'C0OK2', text: 'help' }), FORM);
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C0OK2');
    expect(rig.slack.callsOf('chat.postMessage').filter((c) => c.body.channel === 'C0RPC')).toHaveLength(1);
  });

  test('a DM event: acknowledged each time, answered once', async () => {
    const body = event({ type: 'message', channel_type: 'im', channel: 'D0RPE', user: 'U0RPE', text: 'help', ts: '2.1' });
    expect(await replay(body, 'application/json')).toEqual([200, 200, 200]);
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D0RPE');
    await postSlack(rig.url, slashCommand({ user: 'U0OK', channel: 'C0OK3', text: 'help' }), FORM);
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C0OK3');
    expect(rig.slack.callsOf('chat.postMessage').filter((c) => c.body.channel === 'D0RPE')).toHaveLength(1);
  });

  test('a report form: acknowledged each time, one report', async () => {
    const view = await openReportView(rig, 'U0RPF');
    const body = viewSubmission({ user: 'U0RPF', callbackId: view.callback_id, values: slackState(view, answers(new Date())), privateMetadata: view.private_metadata });
    expect(await replay(body, FORM)).toEqual([200, 200, 200]);
    await eventually(() => expect(rig.slack.calls.some((c) => c.path === '/respond/U0RPF' && REF.test(JSON.stringify(c.body)))).toBe(true));
    // A second, honest submission of the same form (not a replay: a new trigger) is still one report.
    expect((await submitView(rig, 'U0RPF', view, slackState(view, answers(new Date())))).status).toBe(200);
    const stored = await rig.view();
    try {
      expect((await stored.reports.list()).filter((r) => r.reporter.id === 'U0RPF')).toHaveLength(1);
    } finally {
      await stored.close();
    }
  });
});
