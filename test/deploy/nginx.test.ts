/**
 * deploy/nginx.conf run for real: Debian's nginx (`npm test` installs it, or skips this file with the reason) in a temporary prefix,
 * in front of two real HTTP servers standing in for the instances; only the upstream addresses, the listen
 * port and the temporary paths differ from the file in deploy/.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { freePort } from '../helpers/free-port.js';
import { nginxFor, type NginxPrefix } from '../helpers/nginx.js';
import { needs } from '../helpers/system-deps.js';

needs('nginx');

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }
interface Instance { name: string; port: number; server: Server; seen: Seen[]; health: number; hang: boolean }

async function instance(name: string): Promise<Instance> {
  const port = await freePort();
  const inst: Instance = { name, port, seen: [], health: 200, hang: false, server: undefined as unknown as Server };
  inst.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      inst.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      if (inst.hang) return void req.socket.destroy();
      const status = req.url === '/healthz' ? inst.health : 200;
      res.writeHead(status, { 'x-instance': name }).end(name);
    });
  });
  await new Promise<void>((ok) => inst.server.listen(port, '127.0.0.1', ok));
  return inst;
}

let nginx: NginxPrefix;
let base: string;
let a: Instance;
let b: Instance;

beforeAll(async () => {
  [a, b] = await Promise.all([instance('a'), instance('b')]);
  nginx = await nginxFor([a.port, b.port]);
  base = nginx.base;
});

/** A fresh nginx for each test, so no test inherits the failures another one caused (fail_timeout). */
const startProxy = () => nginx.start();
const stopProxy = () => nginx.stop();

afterAll(async () => {
  await nginx?.remove();
  await Promise.all([a, b].map((i) => i && new Promise((ok) => i.server.close(ok))));
});

beforeEach(async () => {
  for (const i of [a, b]) Object.assign(i, { seen: [], health: 200, hang: false });
  await stopProxy();
  await startProxy();
});

test('requests go round-robin over both instances', async () => {
  const names: string[] = [];
  for (let i = 0; i < 10; i++) names.push(await (await fetch(`${base}/slack/events`, { method: 'POST', body: '{}' })).text());
  expect(names.filter((n) => n === 'a')).toHaveLength(5);
  expect(names.filter((n) => n === 'b')).toHaveLength(5);
});

test('a Slack body and its signature headers reach the instance byte for byte, with the forwarded headers', async () => {
  const body = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%2C%22t%22%3A%22caf%C3%A9+%E2%9C%85%22%7D&x=%20%2B+', 'latin1');
  const ts = '1767225600';
  const sig = 'v0=' + createHmac('sha256', 'secret').update(`v0:${ts}:${body.toString('latin1')}`).digest('hex');
  const r = await fetch(`${base}/slack/events`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': sig, 'x-slack-request-timestamp': ts },
  });
  expect(r.status).toBe(200);
  const seen = [...a.seen, ...b.seen];
  expect(seen).toHaveLength(1);
  expect(seen[0]!.body.equals(body)).toBe(true);
  expect(createHmac('sha256', 'secret').update(`v0:${seen[0]!.headers['x-slack-request-timestamp']}:${seen[0]!.body.toString('latin1')}`).digest('hex')).toBe(sig.slice(3));
  expect(seen[0]!.headers['x-slack-signature']).toBe(sig);
  expect(seen[0]!.headers['x-forwarded-for']).toBe('127.0.0.1');
  expect(seen[0]!.headers['x-forwarded-proto']).toBe('http');
});

test('a body over SAFECALL_BODY_LIMIT is refused with 413 at the proxy; one at the limit passes', async () => {
  const over = await fetch(`${base}/api/messages`, { method: 'POST', body: Buffer.alloc(262144 + 1, 'x') });
  expect(over.status).toBe(413);
  const at = await fetch(`${base}/api/messages`, { method: 'POST', body: Buffer.alloc(262144, 'x') });
  expect(at.status).toBe(200);
  expect([...a.seen, ...b.seen].map((s) => s.body.length)).toEqual([262144]);
});

test('an instance answering 503 on /healthz is passed over: the check is answered by the other, and new requests go there', async () => {
  b.health = 503;
  for (let i = 0; i < 4; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);
  const b503 = b.seen.length;
  expect(b503).toBeGreaterThanOrEqual(1);
  const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(`${base}/slack/events`, { method: 'POST', body: '{}' }).then((r) => r.text())));
  expect(answers).toEqual(Array(6).fill('a'));
  expect(b.seen.length).toBe(b503);
});

test('a dead instance is passed over: every request, POSTs included, is answered once by the live one', async () => {
  await new Promise((ok) => b.server.close(ok));
  b.server.closeAllConnections();
  try {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => fetch(`${base}/slack/events`, { method: 'POST', body: `n=${i}` }).then((r) => r.text())));
    expect(answers).toEqual(Array(8).fill('a'));
    expect(a.seen.map((s) => s.body.toString()).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `n=${i}`).sort());
  } finally {
    await new Promise<void>((ok) => b.server.listen(b.port, '127.0.0.1', ok));
  }
});

test('a POST that reached an instance which then fails is NOT sent again to the other instance', async () => {
  b.hang = true;
  a.hang = true;
  const r = await fetch(`${base}/slack/events`, { method: 'POST', body: 'once' });
  expect(r.status).toBe(502);
  expect(a.seen.length + b.seen.length).toBe(1);
});

test('the proxy answers its own /proxy-healthz whatever the instances do', async () => {
  a.hang = true;
  b.hang = true;
  const r = await fetch(`${base}/proxy-healthz`);
  expect(r.status).toBe(200);
  expect(a.seen.length + b.seen.length).toBe(0);
});
