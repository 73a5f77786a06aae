/**
 * TEAMS_MODE: off, local (loopback callers and serviceUrls only) or authenticated; the default; the
 * start-up line and /healthz naming the mode; and the settings errors naming the key.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ConfigError, loadEnv, teamsMode } from '../../src/config.js';
import { createAdapter, turnLogic } from '../../src/teams/adapter.js';
import { memoryStore } from '../../src/core/memory.js';
import { prompt } from '../../src/core/prompt.js';
import { loadContent } from '../../src/content/load.js';
import { isLoopbackUrl } from '../../src/http/loopback.js';
import { RecordingServer } from '../rig/recorder.js';
import { teamsRequestListener } from '../../src/teams/http.js';
import { createLogger } from '../../src/log.js';
import { startRig, type Rig } from '../rig/harness.js';
import { message, postTeams } from '../rig/teams-requests.js';

const problems = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('choosing the mode', () => {
  test('the default is local without an app id and authenticated with one', () => {
    expect(teamsMode(loadEnv({}))).toBe('local');
    expect(teamsMode(loadEnv({ MicrosoftAppId: 'app', MicrosoftAppPassword: 'secret' }))).toBe('authenticated');
  });

  test('TEAMS_MODE=off needs nothing, and allows a non-loopback HOST (a Slack-only school behind a proxy)', () => {
    expect(teamsMode(loadEnv({ TEAMS_MODE: 'off', HOST: '0.0.0.0' }))).toBe('off');
  });

  test.each([
    [{ TEAMS_MODE: 'sometimes' }, /^TEAMS_MODE: must be off, local or authenticated/],
    [{ TEAMS_MODE: 'local', HOST: '0.0.0.0' }, /^HOST: 0\.0\.0\.0 is not a loopback address.*TEAMS_MODE=off/],
    [{ HOST: '0.0.0.0' }, /^HOST: .*local mode/],
    [{ TEAMS_MODE: 'local', MicrosoftAppId: 'app', MicrosoftAppPassword: 'secret' }, /^TEAMS_MODE: local runs without authentication/],
    [{ TEAMS_MODE: 'authenticated' }, /^MicrosoftAppId: is required when TEAMS_MODE is authenticated/],
    [{ MicrosoftAppId: 'app' }, /^MicrosoftAppPassword: is required with MicrosoftAppId/],
  ])('%j is refused, naming the key', (env, pattern) => {
    expect(problems(() => loadEnv(env)).join('\n')).toMatch(pattern);
  });

  test('a managed identity needs no password', () => {
    expect(problems(() => loadEnv({ MicrosoftAppId: 'app', MicrosoftAppType: 'UserAssignedMSI' }))).toEqual([]);
  });
});

describe('off', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ slack: false, env: { TEAMS_MODE: 'off' } });
  });
  afterAll(async () => rig.stop());

  test('/api/messages answers 404 saying how to turn Teams on, and sends nothing', async () => {
    const res = await postTeams(rig.url, message(rig.connector.url, 'a:off', { id: 'u' }, 'help'));
    expect(res.status).toBe(404);
    expect(res.text).toMatch(/TEAMS_MODE=off.*TEAMS_MODE=local or authenticated/);
    expect(rig.connector.calls).toHaveLength(0);
  });

  test('the start-up lines and /healthz say Teams is off', async () => {
    expect(rig.banner.join('\n')).toMatch(/Microsoft Teams: off \(TEAMS_MODE=off\)/);
    expect(((await (await fetch(`${rig.url}/healthz`)).json()) as { platforms: { teams: string } }).platforms.teams).toBe('off');
  });
});

describe('local', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ slack: false });
  });
  afterAll(async () => rig.stop());

  test('the start-up lines and /healthz say local', async () => {
    expect(rig.banner.join('\n')).toMatch(/Microsoft Teams, local, no auth, loopback callers and serviceUrls only/);
    expect(((await (await fetch(`${rig.url}/healthz`)).json()) as { platforms: { teams: string } }).platforms.teams).toBe('local');
  });

  test('a loopback serviceUrl is answered', async () => {
    expect((await postTeams(rig.url, message(rig.connector.url, 'a:local', { id: 'u' }, 'help'))).status).toBe(200);
    await rig.connector.waitForConversation('a:local');
  });

  test.each(['https://smba.trafficmanager.net/emea/', 'http://192.0.2.2:9/', 'http://127.0.0.1.example.org/', 'file:///etc/passwd', 'not a url'])(
    'an activity naming serviceUrl %s is refused with 403',
    async (serviceUrl) => {
      const res = await postTeams(rig.url, message(serviceUrl, 'a:far', { id: 'u-far' }, 'help'));
      expect(res.status).toBe(403);
      expect(res.text).toMatch(/serviceUrl on this machine/);
    },
  );
});

describe('local refuses callers that are not on this machine', () => {
  // Served on every interface so a connection can arrive from this machine's own non-loopback address.
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  let server: Server;
  const seen: string[] = [];
  beforeAll(async () => {
    const log = createLogger('silent');
    const listener = teamsRequestListener({
      adapter: createAdapter(loadEnv({}), log),
      logic: async (ctx) => void seen.push(ctx.activity.id ?? ''),
      log,
      bodyLimit: 65536,
      mode: 'local',
    });
    server = createServer((req, res) => void listener(req, res));
    await new Promise<void>((ok) => server.listen(0, '0.0.0.0', ok));
  });
  afterAll(async () => new Promise<void>((ok) => server.close(() => ok())));

  test('a caller on a non-loopback address gets 403; the same activity from loopback is processed', async () => {
    if (!outside) throw new Error('this machine has no non-loopback IPv4 address to test from');
    const port = (server.address() as AddressInfo).port;
    const body = message('http://127.0.0.1:9/', 'a:outside', { id: 'u' }, 'help');
    expect((await postTeams(`http://${outside}:${port}`, body)).status).toBe(403);
    expect(seen).toEqual([]);
    expect((await postTeams(`http://127.0.0.1:${port}`, body)).status).toBe(200);
    expect(seen).toEqual([body.id]);
  });
});

describe('local never sends to a stored serviceUrl outside this machine', () => {
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  let far: Server;
  const reached: string[] = [];
  beforeAll(async () => {
    far = createServer((req, res) => {
      reached.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}');
    });
    await new Promise<void>((ok) => far.listen(0, '0.0.0.0', ok));
  });
  afterAll(async () => new Promise<void>((ok) => far.close(() => ok())));

  test('a reply to another conversation whose stored reference names a far serviceUrl is not sent, with one log line', async () => {
    if (!outside) throw new Error('this machine has no non-loopback IPv4 address to test with');
    const near = await new RecordingServer(() => ({ body: { id: 'sent' } })).start();
    const lines: string[] = [];
    const sink = new (await import('node:stream')).Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) });
    const log = createLogger('info', sink);
    const store = memoryStore();
    const farUrl = `http://${outside}:${(far.address() as AddressInfo).port}/`;
    // A reference remembered from an earlier, authenticated run.
    await store.conversations.put('teams:19:far-channel', {
      platform: 'teams', id: '19:far-channel', kind: 'channel', firstSeen: '', lastSeen: '',
      reference: { serviceUrl: farUrl, conversation: { id: '19:far-channel' }, channelId: 'msteams', bot: { id: 'b' } },
    });
    const env = loadEnv({});
    const adapter = createAdapter(env, log);
    const bot = { handle: async () => [{ mode: 'post' as const, prompt: prompt([{ kind: 'text', text: 'checklist' }]), to: '19:far-channel' }] };
    const { strings } = loadContent();
    const logic = turnLogic({ env, bot, store, clock: { now: () => new Date() }, log, timezone: 'Europe/London', strings, mayCall: isLoopbackUrl }, adapter);
    const listener = teamsRequestListener({ adapter, logic, log, bodyLimit: 65536, mode: 'local' });
    const server = createServer((req, res) => void listener(req, res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const res = await postTeams(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, message(near.url, 'a:near', { id: 'u' }, 'post it'));
      expect(res.status).toBe(200);
      expect(reached).toEqual([]);
      expect(lines.filter((l) => /local mode does not send to a serviceUrl outside this machine/.test(l))).toHaveLength(1);
    } finally {
      await new Promise<void>((ok) => server.close(() => ok()));
      await near.stop();
    }
  });
});

describe('authenticated', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ slack: false, env: { MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'secret' } });
  });
  afterAll(async () => rig.stop());

  test('the start-up lines and /healthz say authenticated, and a request without a token is refused', async () => {
    expect(rig.banner.join('\n')).toMatch(/Microsoft Teams, authenticated \(app 11111111-/);
    expect(((await (await fetch(`${rig.url}/healthz`)).json()) as { platforms: { teams: string } }).platforms.teams).toBe('authenticated');
    expect((await postTeams(rig.url, message(rig.connector.url, 'a:auth', { id: 'u' }, 'help'))).status).toBe(401);
    expect(rig.connector.calls).toHaveLength(0);
  });
});
