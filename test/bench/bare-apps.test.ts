/**
 * The benchmark's baselines still start and do their one job (no figures here: speed is measured only
 * by `npm run bench`). The bare Bolt app acknowledges a signed command and posts through the fake Web API;
 * the bare botbuilder bot echoes through the fake Bot Connector.
 */
import { freePort } from '../helpers/free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { FarSide } from '../../bench/far-side.js';

const root = resolve(new URL('../..', import.meta.url).pathname);
const SECRET = 'bench-test-secret';
let far: FarSide;
const children: ChildProcess[] = [];

beforeAll(async () => {
  far = await new FarSide().start();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await far.stop();
});

async function launch(script: string): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), SLACK_API_URL: `${far.url}/api/`, SLACK_SIGNING_SECRET: SECRET },
    stdio: 'ignore',
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return url;
    } catch {
      // not listening yet
    }
  }
  throw new Error(`${script} did not answer /healthz`);
}

async function until(check: () => boolean): Promise<void> {
  for (const end = Date.now() + 10_000; !check(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error('timed out');
}

test('the bare Bolt app acknowledges a signed command and posts one reply', async () => {
  const url = await launch('bench/bare/bolt.mjs');
  far.reset();
  const body = new URLSearchParams({ team_id: 'T0SCHOOL', channel_id: 'D0BENCH7', user_id: 'U1', command: '/bare', text: 'hi', trigger_id: 'trigger-7', response_url: `${far.url}/respond/7` }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  const res = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
    body,
  });
  expect(res.status).toBe(200);
  await until(() => far.answered.has(7));
}, 60_000);

test('the bare botbuilder bot echoes a message through the Bot Connector', async () => {
  const url = await launch('bench/bare/echo.mjs');
  far.reset();
  const activity = {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: far.url,
    id: 'bench-9',
    from: { id: '29:a' },
    recipient: { id: '28:bot' },
    conversation: { id: 'a:conv' },
    text: 'hi',
  };
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  expect(res.status).toBeLessThan(300);
  await until(() => far.answered.has(9));
}, 60_000);
