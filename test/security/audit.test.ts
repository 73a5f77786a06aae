/**
 * `npm run audit` (scripts/audit.mjs) against a local registry: an audit endpoint that reports a high
 * advisory fails it and names the package; a clean answer passes it with the count; an endpoint that does
 * not answer (as this machine's registry answers 405) says NOT AUDITED plainly and checks the lockfile
 * instead, and `--strict` then fails. The lockfile check itself refuses git, file, link and plain-http
 * packages and missing integrity hashes.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lockfileCheck } from '../../scripts/audit.mjs';

type Answer = (path: string, body: string) => { status: number; body?: unknown };
let answer: Answer = () => ({ status: 404 });
const asked: string[] = [];
let server: Server;
let registry = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      asked.push(`${req.method} ${req.url}`);
      const a = answer(req.url ?? '', body);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

function run(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, ['scripts/audit.mjs', ...args], { env: { ...process.env, npm_config_registry: registry, npm_config_audit_level: '' }, timeout: 60_000 }, (err, stdout) =>
      ok({ code: typeof err?.code === 'number' ? err.code : 0, out: String(stdout) }),
    );
  });
}

const BULK = '/-/npm/v1/security/advisories/bulk';

test('an advisory marked high for a production dependency fails the audit and names the package', async () => {
  answer = (path) =>
    path.startsWith(BULK)
      ? { status: 200, body: { zod: [{ id: 1, url: 'https://example.test/advisory/1', title: 'A test advisory', severity: 'high', vulnerable_versions: '<99.0.0', cwe: [], cvss: { score: 7.5 } }] } }
      : { status: 404 };
  const { code, out } = await run();
  expect(asked.some((a) => a.startsWith(`POST ${BULK}`))).toBe(true);
  expect(out).toMatch(/[1-9]\d* known vulnerabilities in production dependencies \(critical 0, high [1-9]/);
  expect(out).toMatch(/high\s+zod/);
  expect(code).toBe(1);
}, 60_000);

test('a clean answer passes, with the count', async () => {
  answer = (path) => (path.startsWith(BULK) ? { status: 200, body: {} } : { status: 404 });
  const { code, out } = await run();
  expect(out).toMatch(/^npm audit --omit=dev: 0 known vulnerabilities/);
  expect(code).toBe(0);
}, 60_000);

test('an audit endpoint that does not answer is said plainly: NOT AUDITED, the lockfile checked instead; --strict fails', async () => {
  answer = () => ({ status: 405 });
  const plain = await run();
  expect(plain.out).toMatch(/^NOT AUDITED: the registry's audit endpoint did not answer \(405/);
  expect(plain.out).toMatch(/NOT checked against known vulnerabilities/);
  expect(plain.out).toMatch(/Checked package-lock.json instead: \d+ production packages, each pinned by a sha512 integrity hash/);
  expect(plain.code).toBe(0);
  expect((await run('--strict')).code).toBe(3);
}, 60_000);

test('the lockfile check refuses what a registry did not vouch for', () => {
  const r = lockfileCheck({
    packages: {
      '': { name: 'safecall' },
      'node_modules/good': { version: '1.0.0', integrity: 'sha512-abc' },
      'node_modules/from-git': { version: '1.0.0', resolved: 'git+ssh://git@github.com/x/y.git#abc', integrity: 'sha512-abc' },
      'node_modules/from-file': { version: '1.0.0', resolved: 'file:../y.tgz', integrity: 'sha512-abc' },
      'node_modules/plain-http': { version: '1.0.0', resolved: 'http://registry.example/y.tgz', integrity: 'sha512-abc' },
      'node_modules/no-hash': { version: '1.0.0', resolved: 'https://registry.npmjs.org/y.tgz' },
      'node_modules/sha1-only': { version: '1.0.0', integrity: 'sha1-abc' },
      'node_modules/linked': { link: true, resolved: '../local' },
      'node_modules/a-dev-tool': { version: '1.0.0', dev: true, resolved: 'git+ssh://x' },
    },
  });
  expect(r.count).toBe(7);
  expect(r.problems.map((p) => p.split(':')[0])).toEqual(['from-git', 'from-file', 'plain-http', 'no-hash', 'sha1-only', 'linked']);
});
