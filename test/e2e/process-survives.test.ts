/**
 * The real process, as an admin runs it, against the signed Slack requests that used to end it (Bolt threw
 * after its ack, or our error handler wrote a status after the ack) and the ones it never answered.
 * The process must answer each and still be serving both platforms afterwards.
 */
import { freePort } from '../helpers/free-port.js';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeSlack, TEAM } from '../rig/fake-slack.js';
import { storeEnv } from '../rig/store-env.js';
import { FORM, SIGNING_SECRET, event, postSlack } from '../rig/slack-requests.js';
import { message, postTeams } from '../rig/teams-requests.js';

const root = resolve(new URL('../..', import.meta.url).pathname);

test('signed requests that used to stop or hang the process are answered, and the process keeps serving', async () => {
  const slack = await new FakeSlack().start();
  const port = await freePort();
  const settings = join(await mkdtemp(join(tmpdir(), 'safecall-survive-')), 'settings.yaml');
  await (await import('node:fs/promises')).writeFile(settings, `slack:\n  teamId: ${TEAM}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      ...storeEnv(join(tmpdir(), `safecall-survive-${port}`)),
      SAFECALL_SETTINGS: settings,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const url = `http://127.0.0.1:${port}`;
  try {
    for (const end = Date.now() + 60_000; !out.includes('slack: connected'); ) {
      if (Date.now() > end || exited !== undefined) throw new Error(`did not start: ${out}${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const dm = (extra: Record<string, unknown>, team = TEAM) => event({ type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', ts: '1.1', ...extra }, team);
    const requests: [string, string, number][] = [
      [dm({ text: 'help' }, 'T0OTHER'), 'application/json', 403],
      [dm({ text: 5 }), 'application/json', 400],
      ['payload=null', FORM, 400],
      ['payload=5', FORM, 400],
      [new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: { id: 'U1' }, team: { id: TEAM } }) }).toString(), FORM, 400],
      [JSON.stringify({ type: 'event_callback', event_id: 'Ev1', team_id: TEAM }), 'application/json', 400],
    ];
    const answered: (number | string)[] = [];
    for (const [body, type] of requests) {
      const answer = postSlack(url, body, type).then((r) => r.status, (e: Error) => `no answer (${e.message})`);
      answered.push(await Promise.race([answer, new Promise<string>((ok) => setTimeout(() => ok('no answer within 2.5 s'), 2500))]));
    }
    expect({ exited, health: await fetch(`${url}/healthz`).then((r) => r.status, () => 'down') }).toEqual({ exited: undefined, health: 200 });
    expect(answered).toEqual(requests.map((r) => r[2]));
    expect((await postTeams(url, { ...message('http://127.0.0.1:9/', 'a:after', { id: 'u' }, 'help'), type: 'typing' })).status).toBe(200);
    await postSlack(url, dm({ text: 'help', channel: 'D-after' }), 'application/json');
    await slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D-after');
    expect(exited).toBeUndefined();
  } finally {
    child.kill('SIGTERM');
    await slack.stop();
  }
}, 90_000);
