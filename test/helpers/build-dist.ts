/**
 * What `npm start`'s prestart does, for tests that launch `node dist/src/main.js`: build dist/ only if a
 * source is newer. Test files run in parallel workers and a build starts by emptying dist/, so builds take
 * a lock: the first builds, the others wait and then find dist/ current.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);

export async function buildDistIfStale(): Promise<void> {
  const lockPath = join(tmpdir(), `safecall-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const release = await lockfile.lock(ROOT, { lockfilePath: lockPath, realpath: false, stale: 120_000, update: 10_000, retries: { retries: 600, minTimeout: 200, maxTimeout: 200 } });
  try {
    const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build failed: ${built.stdout}${built.stderr}`);
  } finally {
    await release();
  }
}
