#!/usr/bin/env node
/**
 * `npm run audit`: the production dependencies checked against the registry's advisories (`npm audit
 * --omit=dev`). Exit 1 when any advisory is high or critical; lower ones are listed.
 *
 * When the registry's audit endpoint does not answer (a mirror without one, no network), this says so plainly
 * and checks what it can from package-lock.json instead: every production package pinned by a sha512
 * integrity hash and fetched from the registry (or over https), none from git, a file, a link or plain http. That is
 * not an audit for known vulnerabilities, and the output says NOT AUDITED; `--strict` makes it exit 3.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const strict = process.argv.includes('--strict');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function audit() {
  return new Promise((resolve) => {
    execFile(npm, ['audit', '--omit=dev', '--json'], { cwd: root, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: err?.code ?? 0, json, stderr: String(stderr), timedOut: err?.killed === true });
    });
  });
}

/** What the lockfile can vouch for without the audit endpoint. */
export function lockfileCheck(lock) {
  const problems = [];
  let count = 0;
  let scripts = [];
  for (const [path, p] of Object.entries(lock.packages ?? {})) {
    if (path === '' || p.dev || p.devOptional) continue;
    count++;
    const name = path.replace(/^.*node_modules\//, '');
    // No `resolved` means npm fetches it from the configured registry (lockfiles written without addresses).
    if (p.link) problems.push(`${name}: a link to ${p.resolved}, not a published package`);
    else if (!p.resolved) {
      /* from the registry */
    } else if (/^git\+|^git:|^github:/.test(p.resolved)) problems.push(`${name}: from git (${p.resolved})`);
    else if (/^file:/.test(p.resolved)) problems.push(`${name}: from a file (${p.resolved})`);
    else if (!/^https:\/\//.test(p.resolved)) problems.push(`${name}: not fetched over https (${p.resolved})`);
    if (!p.link && !/^sha512-/.test(p.integrity ?? '')) problems.push(`${name}: no sha512 integrity hash`);
    if (p.hasInstallScript) scripts.push(name);
  }
  return { count, problems, scripts };
}

async function main() {
  const { code, json, stderr, timedOut } = await audit();
  const counts = json?.metadata?.vulnerabilities;
  if (counts && typeof counts === 'object') {
    const total = Object.entries(counts).filter(([k]) => k !== 'total').reduce((n, [, v]) => n + v, 0);
    console.log(`npm audit --omit=dev: ${total} known vulnerabilities in production dependencies (${['critical', 'high', 'moderate', 'low', 'info'].map((k) => `${k} ${counts[k] ?? 0}`).join(', ')}).`);
    for (const [name, v] of Object.entries(json.vulnerabilities ?? {})) console.log(`  ${v.severity.padEnd(8)} ${name} ${v.range ?? ''}`);
    process.exit((counts.critical ?? 0) + (counts.high ?? 0) > 0 ? 1 : 0);
  }
  const why = timedOut ? 'it did not answer within 120 s' : json?.message ?? (stderr.split('\n').find((l) => /error|ERR/.test(l)) || `npm audit exited ${code}`);
  console.log(`NOT AUDITED: the registry's audit endpoint did not answer (${String(why).trim()}).`);
  console.log('Production dependencies were NOT checked against known vulnerabilities. Run `npm audit --omit=dev` where the registry answers it.');
  const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
  const { count, problems, scripts } = lockfileCheck(lock);
  console.log(`Checked package-lock.json instead: ${count} production packages, ${problems.length ? `${problems.length} problems` : 'each pinned by a sha512 integrity hash, from the registry, none from git, a file, a link or plain http'}.`);
  for (const p of problems) console.log(`  ${p}`);
  if (scripts.length) console.log(`  With install scripts: ${scripts.join(', ')}.`);
  process.exit(problems.length ? 1 : strict ? 3 : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
