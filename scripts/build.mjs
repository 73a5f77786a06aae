#!/usr/bin/env node
/**
 * Compiles src/ and dialogs/ to dist/ (tsconfig.build.json), so production runs plain JavaScript and
 * start-up does not pay for a TypeScript loader. `--if-stale` builds only when a source, a tsconfig or the
 * lock file changed since the last build (npm's prestart uses it, so `npm start` after an edit never runs
 * old code). A build starts from an empty dist/, so a moved or deleted source leaves no old module behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stamp = join(dist, '.built');
const inputs = ['src', 'dialogs', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** Newest modification time under a path; folders count too, because deleting a file changes only its folder. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

export function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return inputs.some((p) => newest(join(root, p)) > built);
}

export function build() {
  rmSync(dist, { recursive: true, force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const onlyIfStale = process.argv.includes('--if-stale');
  if (onlyIfStale && !isStale()) process.exit(0);
  if (!existsSync(join(root, 'node_modules', 'typescript'))) {
    // An --omit=dev install has no compiler; the image builds dist/ in its build stage instead.
    if (existsSync(stamp)) process.exit(0);
    console.error('SafeCall: dist/ is missing and TypeScript is not installed. Run `npm ci` (with dev dependencies) first.');
    process.exit(1);
  }
  process.exit(build());
}
