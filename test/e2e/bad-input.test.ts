/**
 * Bad input on both endpoints: the right status, one clear log line, and the process stays up.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { FORM, event, postSlack, sign, slashCommand, SIGNING_SECRET } from '../rig/slack-requests.js';
import { message, postTeams } from '../rig/teams-requests.js';

async function healthy(rig: Rig) {
  const res = await fetch(`${rig.url}/healthz`);
  expect(res.status).toBe(200);
}

async function logged(rig: Rig, pattern: RegExp) {
  await eventually(() => expect(rig.logs.filter((l) => pattern.test(l))).toHaveLength(1));
}

describe('Slack endpoint', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ settingsYaml: 'slack:\n  teamId: T0SCHOOL\n', env: { SAFECALL_BODY_LIMIT: '4096' } });
  });
  afterAll(async () => rig.stop());
  afterEach(async () => healthy(rig));

  const body = slashCommand({ user: 'U1', channel: 'C1', text: 'help' });

  test('an unsigned request is refused with 401', async () => {
    expect((await postSlack(rig.url, body, FORM, {})).status).toBe(401);
  });

  test('a wrongly signed request is refused with 401', async () => {
    expect((await postSlack(rig.url, body, FORM, sign(body, 'not-the-secret'))).status).toBe(401);
  });

  test('a stale request (over 5 minutes old) is refused with 401', async () => {
    expect((await postSlack(rig.url, body, FORM, sign(body, SIGNING_SECRET, Math.floor(Date.now() / 1000) - 600))).status).toBe(401);
  });

  test('malformed JSON is refused with 400 and nothing is sent', async () => {
    const raw = '{"type":"event_callback", "event": {';
    const res = await postSlack(rig.url, raw, 'application/json');
    expect(res.status).toBe(400);
    expect(rig.slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  test('a body over the size limit is refused with 413', async () => {
    const big = slashCommand({ user: 'U1', channel: 'C1', text: 'x'.repeat(8000) });
    expect((await postSlack(rig.url, big, FORM)).status).toBe(413);
  });

  test('a request from a workspace that is not configured is refused with 403 and logged once', async () => {
    const foreign = slashCommand({ user: 'U9', channel: 'C9', text: 'help', team: 'T0OTHER' });
    expect((await postSlack(rig.url, foreign, FORM)).status).toBe(403);
    await logged(rig, /workspace that is not configured/);
  });

  test('an event from the configured workspace still works after all that', async () => {
    await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'help', ts: '1.1' }), 'application/json');
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D1');
  });
});

describe('Slack unreachable at start', () => {
  test('start-up does not hang; /slack/events answers 503 until Slack is reachable, then works', async () => {
    const { FakeSlack } = await import('../rig/fake-slack.js');
    const { FakeConnector } = await import('../rig/fake-connector.js');
    const { Rig } = await import('../rig/harness.js');
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const slack = await new FakeSlack().start();
    slack.unreachable = true;
    const rig = new Rig(slack, await new FakeConnector().start(), await mkdtemp(join(tmpdir(), 'safecall-unreachable-')), {});
    // boot() waits for Slack; start the server without waiting by catching that wait.
    const booting = rig.boot().catch(() => rig);
    await eventually(() => expect(rig.url).not.toBe(''));
    const health = (await (await fetch(`${rig.url}/healthz`)).json()) as { platforms: { slack: string } };
    expect(health.platforms.slack).toBe('http (connecting)');
    const body = slashCommand({ user: 'U1', channel: 'C1', text: 'help' });
    expect((await postSlack(rig.url, body, FORM)).status).toBe(503);
    await eventually(() => expect(rig.logs.some((l) => /cannot reach Slack/.test(l))).toBe(true));
    slack.unreachable = false;
    await rig.waitForSlack();
    expect((await postSlack(rig.url, body, FORM)).status).toBe(200);
    await booting;
    await rig.stop();
  });
});

describe('Teams endpoint', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ slack: false, env: { SAFECALL_BODY_LIMIT: '4096' } });
  });
  afterAll(async () => rig.stop());
  afterEach(async () => healthy(rig));

  test('malformed JSON is refused with 400', async () => {
    expect((await postTeams(rig.url, '{"type": "message",')).status).toBe(400);
    await logged(rig, /not valid JSON/);
  });

  test('a wrong content type is refused with 415', async () => {
    const res = await fetch(`${rig.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'help' });
    expect(res.status).toBe(415);
  });

  test('a body over the size limit is refused with 413', async () => {
    expect((await postTeams(rig.url, message(rig.connector.url, 'a:c', { id: 'u' }, 'x'.repeat(8000)))).status).toBe(413);
  });

  test('JSON that is not an activity is refused with 400', async () => {
    expect((await postTeams(rig.url, [1, 2, 3])).status).toBe(400);
    expect((await postTeams(rig.url, { hello: 'world' })).status).toBe(400);
  });

  test('an unknown card submit is ignored with a log line, not a crash', async () => {
    const res = await postTeams(rig.url, { ...message(rig.connector.url, 'a:c', { id: 'u' }, ''), text: undefined, value: { something: 'else' } });
    expect(res.status).toBe(200);
    await logged(rig, /card submit with unknown data/);
  });

  test('with Slack off, /slack/events says which variables turn it on', async () => {
    const res = await fetch(`${rig.url}/slack/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/SLACK_BOT_TOKEN/);
    expect(rig.banner.join('\n')).toMatch(/Slack: off\. Set SLACK_BOT_TOKEN/);
  });
});

describe('Teams with an app id', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({
      slack: false,
      env: { MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'secret', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: 'tenant-0001' },
    });
  });
  afterAll(async () => rig.stop());

  test('a request without a token is refused with 401 and nothing is sent', async () => {
    const res = await postTeams(rig.url, message(rig.connector.url, 'a:c', { id: 'u' }, 'help'));
    expect(res.status).toBe(401);
    expect(rig.connector.calls).toHaveLength(0);
    await logged(rig, /without a valid token/);
  });

  test('a request with a forged token is refused with 401', async () => {
    const res = await postTeams(rig.url, message(rig.connector.url, 'a:c', { id: 'u' }, 'help'), { authorization: 'Bearer not.a.token' });
    expect(res.status).toBe(401);
  });

  test('an activity from another tenant is refused with 403', async () => {
    const other = message(rig.connector.url, 'a:c', { id: 'u' }, 'help');
    other.conversation.tenantId = 'another-tenant';
    other.channelData.tenant.id = 'another-tenant';
    // A well-formed token is needed to get past the token check to the tenant check.
    const res = await postTeams(rig.url, other, { authorization: 'Bearer aaa.bbb.ccc' });
    expect(res.status).toBe(403);
    await logged(rig, /does not serve that tenant/);
  });
});
