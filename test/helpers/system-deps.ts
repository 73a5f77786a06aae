/**
 * The tests' side of scripts/test-deps.mjs (one rule for every system dependency): a test file that needs
 * nginx, Chromium or PostgreSQL says so first with `needs('nginx')`. When the dependency is there it returns
 * its path; when it is not (and `npm test`'s pretest could not provide it), every test of the file is
 * registered as skipped (jest counts them, and runs none of their hooks), one warning says why, and the run's
 * closing line (closing-line.mjs) repeats the reason. The status is asked of the script itself, check-only,
 * so a file run directly with jest is judged the same way.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type SystemDependency = 'nginx' | 'chromium' | 'postgres';

interface DepStatus {
  ok: boolean;
  usedBy: string;
  reason?: string;
  paths?: string[];
  url?: string;
}

const SCRIPT = fileURLToPath(new URL('../../scripts/test-deps.mjs', import.meta.url));
let cached: Record<SystemDependency, DepStatus> | undefined;

export function systemDeps(): Record<SystemDependency, DepStatus> {
  cached ??= (JSON.parse(execFileSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' })) as { deps: Record<SystemDependency, DepStatus> }).deps;
  return cached;
}

type Globals = Record<'describe' | 'test' | 'it', { skip: unknown }>;

/**
 * Skips every test of the calling file unless each of `deps` is available. Call it at the top of the file,
 * before any describe/test. Resolves to nothing; `depPath` gives the binaries' paths.
 */
export function needs(...deps: SystemDependency[]): boolean {
  const status = systemDeps();
  const missing = deps.filter((d) => !status[d].ok);
  if (missing.length === 0) return true;
  const g = globalThis as unknown as Globals;
  g.describe = g.describe.skip as Globals['describe'];
  g.test = g.it = g.test.skip as Globals['test'];
  console.warn(`SKIPPING these tests: ${missing.map((d) => `${d} (${status[d].reason})`).join('; ')}`);
  return false;
}

/** The first path the dependency was found at (e.g. the nginx or chromium binary), as the environment sets it. */
export function depPath(dep: 'nginx' | 'chromium'): string {
  const paths = systemDeps()[dep].paths;
  return paths?.[0] ?? (dep === 'nginx' ? process.env.SAFECALL_TEST_NGINX || '/usr/sbin/nginx' : process.env.SAFECALL_TEST_CHROMIUM || '/usr/bin/chromium');
}
