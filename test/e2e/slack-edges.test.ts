/**
 * Signed Slack requests of every shape: each gets an answer within Slack's 3 seconds and one log line,
 * what does not fit is refused with 400 before any listener (nothing posted, nothing stored), and none of
 * them can end or hang the process. The first six used to end the process or leave the connection open.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { TEAM } from '../rig/fake-slack.js';
import { FORM, blockAction, event, payload, sign, slashCommand, triggerId, viewSubmission } from '../rig/slack-requests.js';

const strays: unknown[] = [];
const onStray = (err: unknown) => strays.push(err);

let rig: Rig;
beforeAll(async () => {
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  rig = await startRig({ settingsYaml: `slack:\n  teamId: ${TEAM}\n` });
});
afterAll(async () => {
  await rig.stop();
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
});
beforeEach(() => rig.slack.clear());
afterEach(async () => {
  expect((await fetch(`${rig.url}/healthz`)).status).toBe(200);
  expect(strays).toEqual([]);
});

/** A signed POST that must be answered well within Slack's 3-second window (a hang fails here). */
async function post(body: string, contentType: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${rig.url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...sign(body), ...headers },
    body,
    signal: AbortSignal.timeout(2500),
  });
  return { status: res.status, text: await res.text() };
}

const JSON_TYPE = 'application/json';
const dm = (e: Record<string, unknown>) => event({ type: 'message', channel_type: 'im', channel: 'D-edge', user: 'U-edge', ts: '1.1', ...e });
const linesMatching = (pattern: RegExp) => rig.logs.filter((l) => pattern.test(l));

describe('requests that used to end or hang the process', () => {
  test('a signed event from a workspace that is not the configured one: 403, nothing posted', async () => {
    const res = await post(event({ type: 'message', channel_type: 'im', channel: 'D-foreign', user: 'U-foreign', text: 'help', ts: '1.1' }, 'T0OTHER'), JSON_TYPE);
    expect(res.status).toBe(403);
    await eventually(() => expect(linesMatching(/workspace that is not configured/)).toHaveLength(1));
    expect(rig.slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  test('a DM event whose text is not a string: 400, one log line naming the field', async () => {
    const res = await post(dm({ text: 5 }), JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/event\.message text/);
    expect(linesMatching(/event\.message text/)).toHaveLength(1);
  });

  test.each([
    ['payload=null', 'null'],
    ['payload=5', '5'],
    ['payload="text"', '"text"'],
    ['a block_actions without actions', JSON.stringify({ type: 'block_actions', user: { id: 'U-edge' }, team: { id: TEAM } })],
    ['a block_actions with an empty actions list', JSON.stringify({ type: 'block_actions', user: { id: 'U-edge' }, team: { id: TEAM }, actions: [] })],
    ['an interactive payload of an unknown type', JSON.stringify({ type: 'dialog_submission', user: { id: 'U-edge' }, team: { id: TEAM } })],
    ['a payload that is not JSON', '{"type":'],
  ])('%s: 400', async (_name, json) => {
    const res = await post(new URLSearchParams({ payload: json }).toString(), FORM);
    expect(res.status).toBe(400);
  });

  test.each([
    ['an event_callback without event', { type: 'event_callback', event_id: 'Ev-none', team_id: TEAM }],
    ['an event_callback whose event is a string', { type: 'event_callback', event_id: 'Ev-str', team_id: TEAM, event: 'message' }],
    ['an event_callback without event_id', { type: 'event_callback', team_id: TEAM, event: { type: 'message', channel: 'D1', user: 'U1', text: 'hi' } }],
    ['JSON null', null],
    ['a JSON number', 5],
    ['an object of an unknown type', { type: 'something_else' }],
  ])('%s: 400', async (_name, body) => {
    const res = await post(JSON.stringify(body), JSON_TYPE);
    expect(res.status).toBe(400);
  });

  test('the same payload twice in one form (payload as a list): 400', async () => {
    const one = JSON.stringify({ type: 'shortcut', callback_id: 'setup.shortcut', trigger_id: 't', user: { id: 'U1' }, team: { id: TEAM } });
    expect((await post(`payload=${encodeURIComponent(one)}&payload=${encodeURIComponent(one)}`, FORM)).status).toBe(400);
  });

  test('after all that, a DM still gets its answer', async () => {
    await post(dm({ text: 'help' }), JSON_TYPE);
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D-edge');
  });
});

const user = { id: 'U-shape', username: 'shape', name: 'shape', team_id: TEAM };
const base = { team: { id: TEAM, domain: 'school' }, user, api_app_id: 'A0SAFECALL', token: 'legacy' };
const view = { id: 'V1', type: 'modal', callback_id: 'nothing.here', private_metadata: '', blocks: [], state: { values: {} }, hash: 'h' };

describe('interactive payloads of every shape', () => {
  const good: [string, Record<string, unknown>, (r: { status: number; text: string }) => unknown][] = [
    ['view_closed', { ...base, type: 'view_closed', view, is_cleared: false }, (r) => expect(r.text).toBe('')],
    ['block_suggestion', { ...base, type: 'block_suggestion', action_id: 'a', block_id: 'b', value: 'zo', container: { type: 'view', view_id: 'V1' } }, (r) => expect(JSON.parse(r.text)).toEqual({ options: [] })],
    ['message_action', { ...base, type: 'message_action', callback_id: 'unknown.action', trigger_id: 'trigger-ma.1', channel: { id: 'C-shape' }, message: { ts: '1.1', text: 'x' }, response_url: 'http://127.0.0.1:9/r' }, () => undefined],
    // The shortcut starts the setup in the DM: wait for that post, so it cannot land in a later test's count.
    ['shortcut', { ...base, type: 'shortcut', callback_id: 'setup.shortcut', trigger_id: 'trigger-sc.1', action_ts: '1.1' }, () => rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'U-shape')],
    ['view_submission', { ...base, type: 'view_submission', trigger_id: 'trigger-vs.1', view }, () => undefined],
  ];
  test.each(good)('a well-formed %s is answered 200', async (_type, body, check) => {
    const res = await post(payload(body), FORM);
    expect(res.status).toBe(200);
    await check(res);
  });

  test('a well-formed block_actions is answered 200 and acted on', async () => {
    const respond = `${rig.slack.url}/respond/shape`;
    expect((await post(blockAction({ user: 'U-shape', channel: 'C-shape', actionId: 'nothing.here', responseUrl: respond }), FORM)).status).toBe(200);
    await rig.slack.waitFor((c) => c.path === '/respond/shape');
  });

  const bad: [string, Record<string, unknown>][] = [
    ['block_actions whose action has no action_id', { ...base, type: 'block_actions', trigger_id: 't', actions: [{ type: 'button', value: 'x' }] }],
    ['block_actions without a user', { type: 'block_actions', team: { id: TEAM }, trigger_id: 't', actions: [{ type: 'button', action_id: 'a' }] }],
    ['block_actions whose user id is a number', { ...base, user: { id: 7 }, type: 'block_actions', actions: [{ type: 'button', action_id: 'a' }] }],
    ['view_submission without a view', { ...base, type: 'view_submission', trigger_id: 't' }],
    ['view_submission whose state values are not objects', { ...base, type: 'view_submission', view: { ...view, state: { values: { a: 5 } } } }],
    ['view_submission with a number for a typed value', { ...base, type: 'view_submission', view: { ...view, state: { values: { a: { a: { type: 'plain_text_input', value: 5 } } } } } }],
    ['view_submission whose private_metadata is a number', { ...base, type: 'view_submission', view: { ...view, private_metadata: 5 } }],
    ['view_closed without a view', { ...base, type: 'view_closed' }],
    ['shortcut without a trigger_id', { ...base, type: 'shortcut', callback_id: 'setup.shortcut' }],
    ['message_action without a channel', { ...base, type: 'message_action', callback_id: 'x', trigger_id: 't' }],
    ['block_suggestion without a value', { ...base, type: 'block_suggestion', action_id: 'a', block_id: 'b' }],
  ];
  test.each(bad)('%s: 400, nothing posted', async (_name, body) => {
    const res = await post(payload(body), FORM);
    expect(res.status).toBe(400);
    expect(rig.slack.calls).toHaveLength(0);
  });

  test('a view_submission carrying an envelope SafeCall did not write is answered, with one log line', async () => {
    const res = await post(viewSubmission({ user: 'U-shape', callbackId: 'nothing.here', values: {}, privateMetadata: '{"channel":5}' }), FORM);
    expect(res.status).toBe(200);
    expect(linesMatching(/unreadable metadata/)).toHaveLength(1);
  });
});

describe('commands and events of every shape', () => {
  test('a well-formed command is answered 200 and acted on', async () => {
    expect((await post(slashCommand({ user: 'U-cmd', channel: 'C-cmd', text: 'help' }), FORM)).status).toBe(200);
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C-cmd');
  });

  const command = (change: Record<string, string | undefined>) => {
    const form = new URLSearchParams(slashCommand({ user: 'U-cmd', channel: 'C-cmd', text: 'help' }));
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) form.delete(k);
      else form.set(k, v);
    }
    return form.toString();
  };
  test.each([
    ['without user_id', { user_id: undefined }],
    ['without channel_id', { channel_id: undefined }],
    ['without trigger_id', { trigger_id: undefined }],
    ['without command', { command: undefined }],
  ])('a command %s: 400, nothing posted', async (_name, change) => {
    expect((await post(command(change), FORM)).status).toBe(400);
    expect(rig.slack.calls).toHaveLength(0);
  });

  test('a command with user_id given twice: 400', async () => {
    expect((await post(`${slashCommand({ user: 'U-cmd', channel: 'C-cmd', text: 'help' })}&user_id=U2`, FORM)).status).toBe(400);
  });

  test.each([
    ['a mention whose text is missing', { type: 'app_mention', channel: 'C1', user: 'U1' }],
    ['a mention whose channel is a number', { type: 'app_mention', channel: 1, user: 'U1', text: 'hi' }],
    ['a DM whose user is an object', { type: 'message', channel_type: 'im', channel: 'D1', user: { id: 'U1' }, text: 'hi' }],
    ['a DM without a channel', { type: 'message', channel_type: 'im', user: 'U1', text: 'hi' }],
    ['an App Home event without a user', { type: 'app_home_opened', channel: 'D1', tab: 'home' }],
  ])('%s: 400, nothing posted', async (_name, e) => {
    expect((await post(event(e), JSON_TYPE)).status).toBe(400);
    expect(rig.slack.calls).toHaveLength(0);
  });

  // Found by the fuzz suite: the event's schema was looked up by its type on a plain object, so `__proto__`
  // found Object.prototype and the edge threw (500).
  test.each(['__proto__', 'constructor', 'toString'])('an event of type %s is acknowledged like any unknown type, not a 500', async (type) => {
    const res = await post(event({ type, channel: 'C-proto', user: 'U-proto' }), JSON_TYPE);
    expect(res.status).toBe(200);
    expect(linesMatching(/"level":50/)).toEqual([]);
  });

  // Found by the fuzz suite: Bolt reads these from every event, of any type, before any listener, and threw.
  test.each([
    ['channel a number', { channel: 7 }],
    ['channel null', { channel: null }],
    ['user null', { user: null }],
    ['item a string', { item: 'x' }],
    ['subteam null', { subteam: null }],
  ])('an event SafeCall does not listen to, with %s: 400, not a 500', async (_name, change) => {
    const res = await post(event({ type: 'tokens_revoked', ...change }), JSON_TYPE);
    expect(res.status).toBe(400);
    expect(linesMatching(/"level":50/)).toEqual([]);
  });

  // Found by the fuzz suite: a delivery's ids become its receipt's key, and a 5,000-character trigger_id was
  // stored as one.
  test('a trigger_id far longer than any of Slack\'s is refused with 400, and no receipt is stored for it', async () => {
    const long = `trigger-${'x'.repeat(5000)}`;
    const res = await post(slashCommand({ user: 'U-long', channel: 'C-long', text: 'help', triggerId: long }), FORM);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/trigger_id/);
    expect(await rig.storedText()).not.toContain('x'.repeat(300));
  });

  test('an event type SafeCall does not listen to is acknowledged', async () => {
    expect((await post(event({ type: 'reaction_added', user: 'U1', reaction: 'wave' }), JSON_TYPE)).status).toBe(200);
  });

  test('url_verification is answered with the challenge', async () => {
    const res = await post(JSON.stringify({ type: 'url_verification', token: 'legacy', challenge: 'c-123' }), JSON_TYPE);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: 'c-123' });
  });
});

describe('the message-size bound', () => {
  test('a DM far longer than a question gets a clear reply, not a search', async () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
    expect((await post(dm({ text: words, channel: 'D-long' }), JSON_TYPE)).status).toBe(200);
    const reply = await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D-long');
    expect(JSON.stringify(reply.body)).toMatch(new RegExp(`${words.length} characters long.*fewer than 2000 characters`));
  });

  test('a slash command far longer than a question gets the same reply, privately', async () => {
    const respond = `${rig.slack.url}/respond/long`;
    const body = slashCommand({ user: 'U-long', channel: 'C-long', text: `ask ${'x '.repeat(1500)}`, responseUrl: respond, triggerId: triggerId('U-long') });
    expect((await post(body, FORM)).status).toBe(200);
    const reply = await rig.slack.waitFor((c) => c.path === '/respond/long');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(reply.body)).toMatch(/fewer than 2000 characters/);
  });
});
