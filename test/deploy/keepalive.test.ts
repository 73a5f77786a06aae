/**
 * Behind a proxy: nginx (deploy/nginx.conf) keeps idle connections to an instance and sends the next request
 * on one of them. Node's HTTP server used to close them after 5 s, and a request that crossed the close got a
 * 502 from nginx. The crossing is made certain rather than waited for: nginx (one worker) is paused with
 * SIGSTOP while it holds an idle connection to a real instance (`node dist/src/main.js`); a client's next
 * request reaches nginx's socket 4 s into the idle gap; the instance's keep-alive timer closes its side at 5 s
 * if it is still Node's default; nginx resumes at 6.5 s and finds the request first (it arrived first), sends
 * it on the connection it still holds, and gets the close: 502. With SAFECALL_KEEPALIVE_SECONDS (65 s by
 * default) above nginx's upstream keepalive_timeout (50 s) the instance answers.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { envSchema } from '../../src/config.js';
import { createHttpServer, DEFAULT_KEEPALIVE_SECONDS } from '../../src/server.js';
import { nginxFor, type NginxPrefix } from '../helpers/nginx.js';
import { buildDist, startInstance, stopInstance, until, type Instance } from '../rig/processes.js';
import { needs } from '../helpers/system-deps.js';

needs('nginx');

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe('through real nginx, after an idle gap longer than 5 s', () => {
  let work: string;
  let instance: Instance | undefined;
  let nginx: NginxPrefix | undefined;

  beforeAll(async () => {
    await buildDist();
    work = await mkdtemp(join(tmpdir(), 'safecall-keepalive-'));
  }, 120_000);
  afterEach(async () => {
    await nginx?.remove();
    if (instance) await stopInstance(instance);
    nginx = instance = undefined;
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  /** One instance behind nginx with one worker, so every request takes the one cache of idle upstream connections. */
  async function behindNginx(env: Record<string, string> = {}) {
    instance = await startInstance('safecall-1', { DATA_DIR: join(work, `data-${Date.now()}`), HOST: '127.0.0.1', LOG_LEVEL: 'warn', TEAMS_MODE: 'off', ...env });
    await until(async () => (await fetch(`${instance!.url}/healthz`).catch(() => undefined))?.ok === true, 30_000, 'the instance to answer');
    const port = Number(new URL(instance.url).port);
    nginx = await nginxFor([port, port], { workers: 1 });
    await nginx.start();
    return { instance, nginx };
  }

  /**
   * A POST (nginx never retries one on another instance, so what crossed the close reaches the client), on a
   * raw kept-alive client connection to nginx: the second request is already in nginx's socket when it resumes.
   */
  async function requestAcrossTheIdleClose(env: Record<string, string> = {}) {
    const { nginx: n } = await behindNginx(env);
    const socket: Socket = connect(Number(new URL(n.base).port), '127.0.0.1');
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    const statuses = () => [...received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
    const request = 'POST /keepalive-probe HTTP/1.1\r\nHost: safecall\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';
    const paused: number[] = [];
    try {
      socket.write(request);
      await until(() => statuses().length === 1, 10_000, 'the first answer');
      const answeredAt = Date.now();
      expect(statuses()).toEqual([404]); // SafeCall's own answer; nginx now holds the idle upstream connection
      await sleep(1000);
      paused.push(...n.pids());
      for (const pid of paused) process.kill(pid, 'SIGSTOP');
      await sleep(answeredAt + 4000 - Date.now());
      socket.write(request);
      await sleep(answeredAt + 6500 - Date.now());
      for (const pid of paused.splice(0)) process.kill(pid, 'SIGCONT');
      await until(() => statuses().length === 2, 10_000, 'the second answer');
      return statuses()[1];
    } finally {
      for (const pid of paused) process.kill(pid, 'SIGCONT');
      socket.destroy();
    }
  }

  test('a request nginx sends on its kept connection is answered, not refused with a 502', async () => {
    expect(await requestAcrossTheIdleClose()).toBe(404);
  });

  test('the same with SafeCall closing idle connections after 5 s (Node default): 502, as before the fix', async () => {
    expect(await requestAcrossTheIdleClose({ SAFECALL_KEEPALIVE_SECONDS: '5' })).toBe(502);
  });
});

test('deploy/nginx.conf closes idle upstream connections before SafeCall does', () => {
  const conf = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');
  const upstream = /upstream safecall \{([^}]*)\}/.exec(conf)?.[1] ?? '';
  const nginxSeconds = Number(/keepalive_timeout (\d+)s;/.exec(upstream)?.[1]);
  expect(nginxSeconds).toBeGreaterThan(0);
  expect(envSchema.parse({}).SAFECALL_KEEPALIVE_SECONDS).toBe(DEFAULT_KEEPALIVE_SECONDS);
  // Cloud load balancers keep idle connections 60 s: the default is above that too.
  expect(DEFAULT_KEEPALIVE_SECONDS).toBeGreaterThan(Math.max(nginxSeconds, 60));
});

test('a kept-alive connection idle for longer than the 10 s header timeout still takes the next request', async () => {
  const server = createHttpServer({ slackOffReason: 'off', teams: (_q, res) => void res.end(), health: async () => { throw new Error('unused'); }, log: silent });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const socket: Socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.on('close', () => (closed = true));
  const answers = () => (received.match(/^HTTP\/1\.1 404/gm) ?? []).length;
  try {
    socket.write('GET /nothing HTTP/1.1\r\nHost: safecall\r\n\r\n');
    await until(() => answers() === 1, 5000, 'the first answer');
    expect(received).toMatch(/Keep-Alive: timeout=65/i);
    await sleep(11_000);
    expect(closed).toBe(false);
    socket.write('GET /nothing HTTP/1.1\r\nHost: safecall\r\n\r\n');
    await until(() => answers() === 2, 5000, 'the second answer on the same connection');
  } finally {
    socket.destroy();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
}, 30_000);
