#!/usr/bin/env node
/**
 * The system programs and services the tests use, provided by the test command itself (`npm test` runs this
 * as its `pretest`), so that a fresh clone's `npm test` needs nothing installed by hand. One rule for every
 * dependency:
 *
 *   1. check it (the path or URL below, each overridable by its environment variable);
 *   2. if it is missing, provide it when this machine can: Debian's packages with apt-get (as root), the
 *      local PostgreSQL cluster started with pg_ctlcluster and its `test` database created;
 *   3. otherwise say plainly what will be skipped and why. The tests that need it are skipped with that
 *      reason (test/helpers/system-deps.ts), and the run's closing line repeats it
 *      (test/helpers/closing-line.mjs). CI (.ci/run) counts a dependency it could not provide as a failure.
 *
 * What was found goes to test-output/system-deps.json. A failed install is not tried again for 30 minutes
 * (an offline laptop's `npm test` should not wait for apt-get every time): remove that file to retry.
 *
 *   node scripts/test-deps.mjs            check and provide (pretest)
 *   node scripts/test-deps.mjs --check    check only, print the status as JSON (the test helpers, the reporter)
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** SAFECALL_TEST_DEPS_STATUS moves it (the test of this mechanism, which must not disturb the real one). */
export const STATUS_FILE = process.env.SAFECALL_TEST_DEPS_STATUS || join(ROOT, 'test-output', 'system-deps.json');
const RETRY_AFTER_MS = 30 * 60_000;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Each dependency: what needs it, where it is looked for, and the Debian packages that provide it. A path set
 * in the environment is taken as given (never installed over): that is also how the mechanism is tested.
 */
export const DEPENDENCIES = [
  {
    name: 'nginx',
    usedBy: 'the reverse-proxy tests (deploy/nginx.conf in front of real instances)',
    files: [{ env: 'SAFECALL_TEST_NGINX', path: '/usr/sbin/nginx', executable: true }],
    apt: ['nginx-light'],
  },
  {
    name: 'chromium',
    usedBy: 'the real Teams client tests (the Agents Playground in Chromium)',
    files: [
      { env: 'SAFECALL_TEST_CHROMIUM', path: '/usr/bin/chromium', executable: true },
      // The checklist's ✅ as teachers see it in the screenshots.
      { env: 'SAFECALL_TEST_EMOJI_FONT', path: '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf', executable: false },
    ],
    apt: ['chromium', 'fonts-noto-color-emoji'],
  },
  {
    name: 'postgres',
    usedBy: 'the PostgreSQL store, the several-instance tests and the end-to-end suite on PostgreSQL',
    url: { env: 'SAFECALL_TEST_DATABASE_URL', value: DEFAULT_DATABASE_URL },
  },
];

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
const lastLine = (text) => String(text ?? '').trim().split('\n').filter(Boolean).pop() ?? '';

function fileOk(f) {
  const path = process.env[f.env] || f.path;
  try {
    accessSync(path, f.executable ? constants.X_OK : constants.R_OK);
    return { ok: true, path };
  } catch {
    return { ok: false, path, overriddenBy: process.env[f.env] ? f.env : undefined };
  }
}

function checkFiles(dep) {
  const found = dep.files.map(fileOk);
  const missing = found.filter((f) => !f.ok);
  return { ok: missing.length === 0, paths: found.map((f) => f.path), missing };
}

/** Whether PostgreSQL answers at the URL, in a child process (this script stays synchronous and exits at once). */
function checkPostgres(url) {
  const probe = `
    const pg = require('pg');
    const c = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => { console.log('ok'); return c.end(); },
      (e) => { console.log(JSON.stringify({ code: e.code ?? null, message: e.message })); process.exitCode = 1; return c.end().catch(() => {}); });`;
  const r = spawnSync(process.execPath, ['-e', probe, url], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0 && r.stdout.trim() === 'ok') return { ok: true };
  try {
    return { ok: false, ...JSON.parse(lastLine(r.stdout)) };
  } catch {
    return { ok: false, code: null, message: lastLine(r.stderr) || 'no answer within 10 s' };
  }
}

let aptUpdated = false;
function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Other processes on this machine may hold dpkg's lock for a while: wait for it rather than fail.
  const opts = ['-o', 'DPkg::Lock::Timeout=300', '-o', 'Acquire::Retries=1', '-o', 'Acquire::http::Timeout=20'];
  if (!aptUpdated) {
    const u = spawnSync('apt-get', [...opts, 'update', '-qq'], { env, encoding: 'utf8', timeout: 300_000 });
    if (u.status !== 0) return { ok: false, error: `apt-get update failed: ${lastLine(u.stderr) || lastLine(u.stdout) || u.error?.message || `exit ${u.status}`}` };
    aptUpdated = true;
  }
  const i = spawnSync('apt-get', [...opts, 'install', '-y', '-qq', ...packages], { env, encoding: 'utf8', timeout: 900_000 });
  if (i.status !== 0) return { ok: false, error: `apt-get install ${packages.join(' ')} failed: ${lastLine(i.stderr) || lastLine(i.stdout) || i.error?.message || `exit ${i.status}`}` };
  return { ok: true };
}

function readStatus() {
  try {
    return JSON.parse(readFileSync(STATUS_FILE, 'utf8'));
  } catch {
    return { deps: {} };
  }
}

/** A recent failed attempt to provide `name`, which is not repeated within RETRY_AFTER_MS. */
function recentFailure(previous, name, now) {
  const f = previous.deps?.[name]?.attempt;
  return f && !f.ok && now - Date.parse(f.at) < RETRY_AFTER_MS ? f : undefined;
}

function fileDependency(dep, provide, previous, now) {
  let found = checkFiles(dep);
  if (found.ok) return { ok: true, paths: found.paths };
  const overridden = found.missing.find((m) => m.overriddenBy);
  const what = found.missing.map((m) => m.path).join(' and ');
  if (overridden) return { ok: false, reason: `not found at ${overridden.path} (set by ${overridden.overriddenBy})` };
  const install = `apt-get install ${dep.apt.join(' ')}`;
  if (!provide) {
    const failed = previous.deps?.[dep.name]?.attempt;
    return { ok: false, reason: failed && !failed.ok ? `not installed; ${failed.error}` : `not installed (${what}): ${install}` };
  }
  if (!isRoot()) return { ok: false, reason: `not installed and not root: ${install}` };
  if (!onPath('apt-get')) return { ok: false, reason: `not installed, and this system has no apt-get: install ${dep.apt.join(', ')} (${what})` };
  const failed = recentFailure(previous, dep.name, now);
  if (failed) return { ok: false, reason: `not installed; ${failed.error} (${Math.round((now - Date.parse(failed.at)) / 60_000)} min ago; remove test-output/system-deps.json to retry)`, attempt: failed };
  process.stdout.write(`test-deps: ${dep.name} is missing; installing ${dep.apt.join(' ')} with apt-get...\n`);
  const attempt = { at: new Date(now).toISOString(), ...aptInstall(dep.apt) };
  found = checkFiles(dep);
  if (found.ok) return { ok: true, paths: found.paths, provided: install, attempt };
  return { ok: false, reason: `not installed; ${attempt.ok ? `${install} did not provide ${found.missing.map((m) => m.path).join(' and ')}` : attempt.error}`, attempt: { ...attempt, ok: false, error: attempt.error ?? 'the package did not provide it' } };
}

const clusters = () => {
  try {
    return readdirSync('/etc/postgresql');
  } catch {
    return [];
  }
};

function postgresDependency(dep, provide) {
  const url = process.env[dep.url.env] || dep.url.value;
  let found = checkPostgres(url);
  if (found.ok) return { ok: true, url };
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(url).hostname);
  const why = `${found.code ? `${found.code}: ` : ''}${found.message}`;
  if (!provide || !local) return { ok: false, url, reason: `no answer at ${new URL(url).host} (${why})${local ? '' : `; ${dep.url.env} names a remote server`}` };
  let provided;
  if (found.code === '3D000') {
    // The server runs but has no `test` database: create it, as this machine's image does.
    const db = new URL(url).pathname.slice(1);
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const r = spawnSync(process.execPath, ['-e', `const pg=require('pg');const c=new pg.Client(process.argv[1]);c.connect().then(()=>c.query('CREATE DATABASE "'+process.argv[2]+'"')).then(()=>c.end(),(e)=>{console.error(e.message);process.exitCode=1;return c.end();})`, admin.toString(), db], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    provided = `CREATE DATABASE ${db}${r.status === 0 ? '' : ` failed: ${lastLine(r.stderr)}`}`;
  } else {
    const versions = clusters();
    if (versions.length === 0 || !onPath('pg_ctlcluster'))
      return { ok: false, url, reason: `not running, and no PostgreSQL cluster is installed here (apt-get install postgresql; a trust-auth database "test" on 127.0.0.1:5432, or set ${dep.url.env})` };
    if (!isRoot()) return { ok: false, url, reason: `not running and not root: pg_ctlcluster --skip-systemctl-redirect ${versions[0]} main start` };
    const started = versions.map((v) => spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', v, 'main', 'start'], { encoding: 'utf8', timeout: 60_000 }));
    provided = `pg_ctlcluster --skip-systemctl-redirect ${versions.join(',')} main start`;
    const failed = started.find((s) => s.status !== 0 && !/already running/i.test(`${s.stdout}${s.stderr}`));
    if (failed) provided += ` (${lastLine(failed.stderr) || lastLine(failed.stdout) || `exit ${failed.status}`})`;
    for (let i = 0; i < 20 && !(found = checkPostgres(url)).ok; i++) spawnSync('sleep', ['0.5']);
  }
  found = checkPostgres(url);
  if (found.ok) return { ok: true, url, provided };
  return { ok: false, url, reason: `no answer at ${new URL(url).host} after ${provided} (${found.code ? `${found.code}: ` : ''}${found.message})` };
}

/** Checks every dependency (and provides what it can when `provide`); the status, as written to STATUS_FILE. */
export function systemDeps({ provide }) {
  const previous = readStatus();
  const now = Date.now();
  const deps = {};
  for (const dep of DEPENDENCIES) {
    const r = dep.files ? fileDependency(dep, provide, previous, now) : postgresDependency(dep, provide);
    deps[dep.name] = { usedBy: dep.usedBy, ...r };
  }
  return { checkedAt: new Date(now).toISOString(), deps };
}

/** "nginx: not installed and not root: apt-get install nginx-light; …" for the missing ones, or ''. */
export function missingSummary(status) {
  return Object.entries(status.deps)
    .filter(([, d]) => !d.ok)
    .map(([name, d]) => `${name}: ${d.reason}`)
    .join('; ');
}

function writeStatus(status) {
  mkdirSync(dirname(STATUS_FILE), { recursive: true });
  const tmp = `${STATUS_FILE}.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(tmp, STATUS_FILE);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    process.stdout.write(`${JSON.stringify(systemDeps({ provide: false }))}\n`);
  } else {
    const status = systemDeps({ provide: true });
    // Kept for the check-only runs (tests, reporter): they repeat why apt-get failed.
    writeStatus(status);
    for (const [name, d] of Object.entries(status.deps)) {
      if (d.ok) process.stdout.write(`test-deps: ${name} ok${d.provided ? ` (provided now: ${d.provided})` : ''}\n`);
      else process.stdout.write(`test-deps: ${name} MISSING, so ${d.usedBy} will be SKIPPED: ${d.reason}\n`);
    }
  }
}
