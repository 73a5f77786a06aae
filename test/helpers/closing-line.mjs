// A jest reporter: the run's closing line, plain, after jest's own summary:
//   "412 passed, 0 failed, 6 skipped (nginx: not installed and not root: apt-get install nginx-light)"
// Suites that failed to load count as failures. Skipped tests are explained by the system dependencies that
// scripts/test-deps.mjs could not provide (test/helpers/system-deps.ts skips the tests that need them).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/test-deps.mjs', import.meta.url));

export function closingLine(results, status) {
  const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  const skipped = results.numPendingTests + results.numTodoTests;
  const missing = Object.entries(status?.deps ?? {})
    .filter(([, d]) => !d.ok)
    .map(([name, d]) => `${name}: ${d.reason}`);
  const why = skipped > 0 && missing.length > 0 ? ` (${missing.join('; ')})` : '';
  return `${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped${why}`;
}

export default class ClosingLine {
  onRunComplete(_contexts, results) {
    let status;
    try {
      status = JSON.parse(execFileSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' }));
    } catch (err) {
      status = { deps: { 'test-deps': { ok: false, reason: `scripts/test-deps.mjs --check failed: ${err.message}` } } };
    }
    // Jest's own summary is printed after every configured reporter's onRunComplete: this line waits for the exit.
    const line = closingLine(results, status);
    process.once('exit', () => process.stderr.write(`\n${line}\n`));
  }
}
