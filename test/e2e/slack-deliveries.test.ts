/**
 * Each Slack delivery has one effect: a command replayed, an event retried by Slack (x-slack-retry-num,
 * same event_id) and a button press replayed are acknowledged and not processed again. Counted at the fake
 * Web API after a later request's reply proves the earlier ones were handled.
 */
import { startRig, type Rig } from '../rig/harness.js';
import { FORM, blockAction, event, postSlack, sign, slashCommand } from '../rig/slack-requests.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => rig.stop());

const posts = (channel: string) => rig.slack.callsOf('chat.postMessage').filter((c) => c.body.channel === channel);

/** A later command whose reply proves everything sent before it was handled. */
async function sentinel(channel: string) {
  await postSlack(rig.url, slashCommand({ user: 'U-sentinel', channel, text: 'help' }), FORM);
  await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === channel);
}

test('the same signed command sent three times gives one post', async () => {
  const body = slashCommand({ user: 'U-thrice', channel: 'C-thrice', text: 'help' });
  for (let i = 0; i < 3; i++) expect((await postSlack(rig.url, body, FORM)).status).toBe(200);
  // A first meeting is written durably and a later person's turn is not, so the sentinel alone could overtake it.
  await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C-thrice');
  await sentinel('C-after-thrice');
  expect(posts('C-thrice')).toHaveLength(1);
  expect(rig.logs.filter((l) => /repeated delivery was acknowledged/.test(l))).toHaveLength(2);
});

test('three copies of a command at once give one post', async () => {
  const body = slashCommand({ user: 'U-burst', channel: 'C-burst', text: 'help' });
  const answers = await Promise.all([1, 2, 3].map(() => postSlack(rig.url, body, FORM)));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C-burst');
  await sentinel('C-after-burst');
  expect(posts('C-burst')).toHaveLength(1);
});

test('an event Slack retries (x-slack-retry-num, same event_id) gets one reply', async () => {
  const body = event({ type: 'message', channel_type: 'im', channel: 'D-retry', user: 'U-retry', text: 'help', ts: '1.1' });
  expect((await postSlack(rig.url, body, 'application/json')).status).toBe(200);
  for (const n of ['1', '2']) {
    const res = await postSlack(rig.url, body, 'application/json', { ...sign(body), 'x-slack-retry-num': n, 'x-slack-retry-reason': 'http_timeout' });
    expect(res.status).toBe(200);
  }
  // Events are acknowledged before they are handled, so a later command can finish first: wait for the
  // event's own reply, then let the sentinel show that no second one followed.
  await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D-retry');
  await sentinel('C-after-retry');
  expect(posts('D-retry')).toHaveLength(1);
});

test('a replayed event_id in a new body is still the same delivery', async () => {
  const first = JSON.parse(event({ type: 'message', channel_type: 'im', channel: 'D-replay', user: 'U-replay', text: 'help', ts: '1.1' })) as Record<string, unknown>;
  await postSlack(rig.url, JSON.stringify(first), 'application/json');
  await postSlack(rig.url, JSON.stringify({ ...first, event_time: Number(first.event_time) + 1 }), 'application/json');
  await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D-replay'); // see above
  await sentinel('C-after-replay');
  expect(posts('D-replay')).toHaveLength(1);
});

test('different commands from one person are each answered', async () => {
  for (let i = 0; i < 2; i++) await postSlack(rig.url, slashCommand({ user: 'U-twice', channel: 'C-twice', text: 'help' }), FORM);
  // Both are acknowledged before they are handled and run side by side, so a sentinel's reply proves
  // nothing here: wait for the second post itself (the wait fails after 5 s if it never comes).
  await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C-twice' && posts('C-twice').length >= 2);
  await sentinel('C-after-twice');
  expect(posts('C-twice')).toHaveLength(2);
});

test('a button press replayed has one effect', async () => {
  const respond = `${rig.slack.url}/respond/replayed-press`;
  const body = blockAction({ user: 'U-press', channel: 'C-press', actionId: 'nothing.here', responseUrl: respond });
  await postSlack(rig.url, body, FORM);
  await rig.slack.waitFor((c) => c.path === '/respond/replayed-press');
  await postSlack(rig.url, body, FORM);
  await sentinel('C-after-press');
  expect(rig.slack.calls.filter((c) => c.path === '/respond/replayed-press')).toHaveLength(1);
});
