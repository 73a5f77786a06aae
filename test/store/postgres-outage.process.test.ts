/**
 * The real process (`node dist/src/main.js`) on PostgreSQL behind a TCP proxy that the test cuts and
 * restores: /healthz answers 503 within seconds, every request still gets an answer, the process stays
 * up, and /healthz is back to 200 by itself when the database returns. The log says so once each way.
 * (In test/store, not test/e2e: it sets its own DATABASE_URL, so it runs once, in the lowdb project.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { dropSchema } from '../helpers/pg-admin.js';
import { buildDistIfStale, ROOT } from '../helpers/build-dist.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { FakeConnector } from '../rig/fake-connector.js';
import { TEST_DATABASE_URL } from '../rig/store-env.js';
import { message, postTeams } from '../rig/teams-requests.js';
import { FakeSlack } from '../rig/fake-slack.js';
import { FORM, SIGNING_SECRET, event, postSlack, sign, slashCommand } from '../rig/slack-requests.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

const PASSWORD = 'n0t-in-any-log-line';
const schema = `t_outage_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

beforeAll(() => buildDistIfStale(), 120_000);

/** Polls until `check` is true; the elapsed ms, or a failure naming `what` (and the process output) at the deadline. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms: number, output: () => string): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a server that loses the database answers 503, keeps answering every request, and recovers by itself', async () => {
  const target = new URL(TEST_DATABASE_URL);
  const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const connector = await new FakeConnector().start();
  const slack = await new FakeSlack().start();
  const url = new URL(TEST_DATABASE_URL);
  url.port = String(proxy.port);
  url.password = PASSWORD;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      DATA_DIR: join(await mkdtemp(join(tmpdir(), 'safecall-outage-')), 'data'),
      DATABASE_URL: url.toString(),
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: '3',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exited: number | null | undefined;
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exit = new Promise<number | null>((ok) => child.on('exit', (code) => ok((exited = code))));
  const output = () => `--- stdout\n${out}\n--- stderr\n${err}`;
  const health = async () => {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as { status: string; store: { ok: boolean; error?: string } } };
  };
  // A Teams message: answered by some HTTP status within the deadline, whatever the store is doing.
  const teams = (text: string) =>
    Promise.race([
      postTeams(base, message(connector.url, 'conv-outage', { id: 'teacher-1' }, text)).then((r) => r.status),
      new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`no answer to a Teams message within 10 s\n${output()}`)), 10_000).unref()),
    ]);
  try {
    await until('the banner', () => /Data: .*\n/.test(out) || exited !== undefined, 20_000, output);
    expect(exited).toBeUndefined();
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', store: { ok: true, kind: 'postgres' } } });
    expect(await teams('help')).toBe(200); // also loads botbuilder, so the answers below time the outage only
    await until('the reply to help', () => connector.sentTo('conv-outage').length > 0, 10_000, output);

    await proxy.cut();
    const toUnavailable = await until('/healthz 503', async () => (await health()).status === 503, 5000, output);
    const down = await health();
    expect(down).toMatchObject({ status: 503, body: { status: 'unavailable', store: { ok: false } } });
    expect(down.body.store.error).toEqual(expect.any(String));
    // Every request is answered while the database is away; none hangs, and the process stays up.
    const asked = Date.now();
    const statuses = await Promise.all([teams('help'), teams('hello'), health().then((h) => h.status)]);
    const answeredIn = Date.now() - asked;
    expect(statuses[2]).toBe(503);
    for (const s of statuses.slice(0, 2)) expect(s).toBeGreaterThanOrEqual(200);
    expect(exited).toBeUndefined();
    // The teacher is told, in words, on both platforms (Teams: a reply; Slack: the command's answer).
    await until('the Teams reply saying so', () => connector.sentTo('conv-outage').filter((a) => JSON.stringify(a.body).includes("can't reach my records")).length === 2, 10_000, output);
    const command = await postSlack(base, slashCommand({ user: 'U0OUT', channel: 'C0CLASS', text: 'help' }), FORM);
    expect(command.status).toBe(200);
    expect(command.json).toEqual({ response_type: 'ephemeral', text: expect.stringContaining("can't reach my records") });
    // An event (a DM) is not taken while the database is away: Bolt would acknowledge it before anything could
    // store it, and it would be lost. 503 makes Slack send it again.
    const dm = event({ type: 'message', channel_type: 'im', channel: 'D0OUT', user: 'U0OUT', text: 'help', ts: '1.1' });
    expect((await postSlack(base, dm, 'application/json')).status).toBe(503);

    await proxy.restore();
    const toRecovered = await until('/healthz 200 after the restore', async () => (await health()).status === 200, 10_000, output);
    // Slack's retry of that event, once the database is back, is answered: nothing the teacher wrote was lost.
    expect((await postSlack(base, dm, 'application/json', { ...sign(dm), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' })).status).toBe(200);
    await until('the answer to the retried DM', () => slack.callsOf('chat.postMessage').some((c) => c.body.channel === 'D0OUT'), 10_000, output);
    expect(slack.callsOf('chat.postMessage').filter((c) => c.body.channel === 'D0OUT')).toHaveLength(1);
    expect(await teams('help')).toBe(200);
    expect(exited).toBeUndefined();

    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.filter((l) => /^PostgreSQL unreachable/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => /^PostgreSQL reachable again/.test(l.msg))).toHaveLength(1);
    expect(out + err).not.toContain(PASSWORD);
    // Beyond that line, what is logged at warn or above is per failed request (a Teams turn), never per
    // pooled connection, scheduler tick, heartbeat or sweep.
    const expected = /^(PostgreSQL unreachable|teams: a turn failed because the database is unreachable|slack: the database is unreachable|slack: the database is unreachable; answered an event 503|SAFECALL_DATA_KEY is not set|incident alerts: No DPO destination is set)/;
    expect(lines.filter((l) => l.level >= 40 && !expected.test(l.msg)).map((l) => l.msg)).toEqual([]);
    process.stdout.write(
      `outage (process): /healthz 503 ${toUnavailable} ms after the cut; two Teams messages and a /healthz answered in ${answeredIn} ms ` +
        `(statuses ${statuses.join(', ')}); /healthz 200 ${toRecovered} ms after the restore\n` +
        `log lines at warn or above:\n${lines.filter((l) => l.level >= 40).map((l) => `  ${l.level} ${l.msg}`).join('\n')}\n`,
    );
  } finally {
    if (exited === undefined) child.kill('SIGTERM');
    const code = await exit;
    await proxy.close();
    await connector.stop();
    await slack.stop();
    await dropSchema(schema);
    expect(code).toBe(0);
  }
}, 60_000);
