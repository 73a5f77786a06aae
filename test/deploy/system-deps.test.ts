/**
 * The test command's one rule for system dependencies (scripts/test-deps.mjs, test/helpers/system-deps.ts,
 * test/helpers/closing-line.mjs), tried without uninstalling anything: SAFECALL_TEST_NGINX points at a binary
 * that is not there. The pretest says what will be skipped and why (and installs nothing over a path the
 * environment chose); a file that needs nginx then runs none of its hooks or tests, jest counts them as
 * skipped, and the run's closing line gives the reason. Pointed at the real nginx, the same file runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/build-dist.js';
import { depPath, needs } from '../helpers/system-deps.js';

needs('nginx');

const MISSING = '/nonexistent/sbin/nginx';
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'safecall-deps-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const envWith = (nginx: string, marks: string) => ({
  ...process.env,
  SAFECALL_TEST_NGINX: nginx,
  SAFECALL_TEST_DEPS_STATUS: join(work, 'status.json'),
  SAFECALL_FIXTURE_MARKS: marks,
  CI: '',
});

const marksOf = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** The fixture file in a jest of its own, with this project's transform and reporters. */
function runFixture(env: NodeJS.ProcessEnv) {
  const config = {
    rootDir: ROOT,
    roots: ['<rootDir>/test/deploy/fixtures'],
    testMatch: ['**/needs-nginx.fixture.ts'],
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
    reporters: ['default', '<rootDir>/test/helpers/closing-line.mjs'],
  };
  const configFile = join(work, 'jest.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const r = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', configFile, '--ci'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const out = `${r.stdout}${r.stderr}`;
  return { status: r.status, out, closing: out.trim().split('\n').pop() };
}

test('pretest: a dependency the environment points elsewhere is reported missing, with what will be skipped and why', () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'scripts/test-deps.mjs')], { env: envWith(MISSING, join(work, 'unused')), encoding: 'utf8' });
  expect(out).toContain(`test-deps: nginx MISSING, so the reverse-proxy tests (deploy/nginx.conf in front of real instances) will be SKIPPED: not found at ${MISSING} (set by SAFECALL_TEST_NGINX)`);
  expect(out).not.toMatch(/installing/);
  const status = JSON.parse(readFileSync(join(work, 'status.json'), 'utf8')) as { deps: Record<string, { ok: boolean }> };
  expect(status.deps.nginx!.ok).toBe(false);
});

test('a file that needs a missing dependency is skipped, counted, and the closing line says why', () => {
  const marks = join(work, 'marks-missing');
  const r = runFixture(envWith(MISSING, marks));
  expect(r.status).toBe(0);
  expect(r.out).toMatch(/Tests:\s+1 skipped, 1 total/);
  expect(r.out).toContain(`SKIPPING these tests: nginx (not found at ${MISSING} (set by SAFECALL_TEST_NGINX))`);
  expect(r.closing).toBe(`0 passed, 0 failed, 1 skipped (nginx: not found at ${MISSING} (set by SAFECALL_TEST_NGINX))`);
  expect(marksOf(marks)).toEqual([]); // neither its beforeAll nor its test ran
}, 60_000);

test('the same file runs when the dependency is there, and the closing line names no skip', () => {
  const marks = join(work, 'marks-present');
  const r = runFixture(envWith(depPath('nginx'), marks));
  expect(r.out).toMatch(/Tests:\s+1 passed, 1 total/);
  expect(r.closing).toBe('1 passed, 0 failed, 0 skipped');
  expect(marksOf(marks)).toEqual(['beforeAll', 'test']);
}, 60_000);
