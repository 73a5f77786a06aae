/**
 * Teams with token checks on, end to end: the real server and botbuilder's CloudAdapter check each
 * activity's Bearer token against a local OpenID configuration and JWKS (test/rig/fake-openid.ts) instead of
 * login.botframework.com, and the bot's reply is sent with a token from a local token endpoint. A good
 * token is answered; every bad one is refused with 401, one log line, nothing sent and nothing stored, and
 * the process keeps serving.
 */
import { jest } from '@jest/globals';
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { FakeOpenId, signingKey } from '../rig/fake-openid.js';
import { TENANT, message, postTeams } from '../rig/teams-requests.js';

const APP_ID = '11111111-2222-3333-4444-555555555555';
const PASSWORD = 'local-secret';
/** What each activity says: a refused one's words must appear nowhere (logs, store, connector). */
const WORDS = 'how do I stop strangers joining the lesson';

let openid: FakeOpenId;
let rig: Rig;
/** What botbuilder prints itself (console.error, outside SafeCall's log) while refusing tokens. */
let printed: string[];
let consoleError: ReturnType<typeof jest.spyOn>;

beforeAll(async () => {
  openid = await new FakeOpenId(PASSWORD).start();
  rig = await startRig({
    slack: false,
    env: { MicrosoftAppId: APP_ID, MicrosoftAppPassword: PASSWORD, MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT },
    teamsAuth: openid.auth(APP_ID, PASSWORD),
  });
});
afterAll(async () => {
  await rig.stop();
  await openid.stop();
});
beforeEach(() => {
  printed = [];
  consoleError = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
});
afterEach(async () => {
  consoleError.mockRestore();
  expect((await fetch(`${rig.url}/healthz`)).status).toBe(200);
});

const say = (conv: string, user = `aad-${conv}`) => message(rig.connector.url, conv, { id: user }, WORDS);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const goodToken = () => openid.channelToken({ appId: APP_ID, serviceUrl: rig.connector.url });
const refusals = () => rig.logs.filter((l) => /"status":401/.test(l) && /teams: refused a request without a valid token/.test(l));

/** A later good activity whose reply proves the server has handled everything sent before it. */
async function sentinel(conv: string) {
  expect((await postTeams(rig.url, say(conv), bearer(goodToken()))).status).toBe(200);
  await rig.connector.waitForConversation(conv);
}

describe('a valid token', () => {
  test('the activity is processed and its reply reaches the Bot Connector with the bot token from the local login', async () => {
    const activity = say('a:auth-ok');
    const res = await postTeams(rig.url, activity, bearer(goodToken()));
    expect(res.status).toBe(200);
    const sent = await rig.connector.waitForConversation('a:auth-ok');
    expect(sent.method).toBe('POST');
    expect(sent.body).toMatchObject({ type: 'message', replyToId: activity.id });
    // botbuilder asked the local token endpoint for a Bot Connector token and signed the reply with it.
    const login = openid.calls.find((c) => c.path === '/token');
    expect(login?.body).toMatchObject({ grant_type: 'client_credentials', client_id: APP_ID, scope: 'https://api.botframework.com/.default' });
    expect(openid.issued.length).toBeGreaterThanOrEqual(1);
    expect(sent.headers.authorization).toBe(`Bearer ${openid.issued[0]}`);
    // The keys came from the local configuration: botbuilder read it and its jwks_uri.
    expect(openid.calls.map((c) => c.path)).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/keys']));
    // Remembered as a conversation, like any other turn.
    await eventually(async () => expect(await rig.storedText()).toContain('a:auth-ok'));
    expect(rig.logs.join('\n')).not.toContain(WORDS);
    expect(printed).toEqual([]);
  });
});

describe('tokens that are refused with 401', () => {
  const other = signingKey('someone-elses-key');
  const cases: [string, (conv: string) => string][] = [
    ['the audience is another app', () => openid.channelToken({ appId: '99999999-8888-7777-6666-555555555555', serviceUrl: rig.connector.url })],
    ['the issuer is not the channel', () => openid.channelToken({ appId: APP_ID, serviceUrl: rig.connector.url, iss: 'https://api.botframework.com' })],
    ['it has expired (past the five minutes botbuilder allows for clock skew)', () => openid.channelToken({ appId: APP_ID, serviceUrl: rig.connector.url, expiresIn: -600 })],
    ['it is signed by a key the JWKS does not list (unknown kid)', () => openid.channelToken({ appId: APP_ID, serviceUrl: rig.connector.url }, other)],
    ['it names the listed key but is signed by another (a forged signature)', () => openid.channelToken({ appId: APP_ID, serviceUrl: rig.connector.url }, other, openid.key.kid)],
    ['it is not yet valid', () => openid.channelToken({ appId: APP_ID, serviceUrl: rig.connector.url, nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['its serviceUrl claim names another Bot Connector', () => openid.channelToken({ appId: APP_ID, serviceUrl: 'https://smba.trafficmanager.net/emea/' })],
  ];

  test.each(cases)('%s: 401, one log line, nothing sent, nothing stored', async (_name, token) => {
    const tag = Math.random().toString(36).slice(2, 8);
    const conv = `a:refused-${tag}`;
    const before = refusals().length;
    const jwt = token(conv);
    const res = await postTeams(rig.url, say(conv), bearer(jwt));
    expect(res.status).toBe(401);
    expect(res.text).not.toContain(WORDS);
    await sentinel(`a:after-${tag}`);
    expect(refusals()).toHaveLength(before + 1);
    expect(rig.connector.activities(conv)).toHaveLength(0);
    const stored = await rig.storedText();
    expect(stored).not.toContain(conv);
    expect(stored).not.toContain(`aad-${conv}"`);
    // Neither SafeCall's log nor what botbuilder prints carries the activity's words or the token.
    const everything = [...rig.logs, ...printed].join('\n');
    expect(everything).not.toContain(WORDS);
    expect(everything).not.toContain(jwt);
  });
});

describe('endorsements', () => {
  test('a valid token on an activity from a channel its key is not endorsed for (webchat, not msteams) is refused with 401', async () => {
    const before = refusals().length;
    const activity = { ...say('a:webchat'), channelId: 'webchat' };
    const res = await postTeams(rig.url, activity, bearer(goodToken()));
    expect(res.status).toBe(401);
    await sentinel('a:after-webchat');
    expect(refusals()).toHaveLength(before + 1);
    expect(rig.connector.activities('a:webchat')).toHaveLength(0);
    expect(await rig.storedText()).not.toContain('a:webchat"');
  });
});

describe('another tenant', () => {
  test('with a valid token, an activity from a tenant this SafeCall does not serve is refused with 403 and stores nothing', async () => {
    const activity = say('a:foreign');
    activity.conversation.tenantId = 'another-tenant';
    activity.channelData.tenant.id = 'another-tenant';
    const before = rig.logs.filter((l) => /does not serve that tenant/.test(l)).length;
    const res = await postTeams(rig.url, activity, bearer(goodToken()));
    expect(res.status).toBe(403);
    await sentinel('a:after-foreign');
    expect(rig.logs.filter((l) => /does not serve that tenant/.test(l))).toHaveLength(before + 1);
    expect(rig.connector.activities('a:foreign')).toHaveLength(0);
    expect(await rig.storedText()).not.toContain('a:foreign"');
  });
});
