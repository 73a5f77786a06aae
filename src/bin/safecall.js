#!/usr/bin/env node
// The `safecall` command. Runs the compiled CLI in dist/ when it is up to date (no TypeScript loader at
// start); in a checkout where the sources changed since the last build it loads them through tsx instead,
// so the command never runs old code.
import { existsSync } from 'node:fs';

const compiled = new URL('../../dist/src/cli.js', import.meta.url);
const buildScript = new URL('../../scripts/build.mjs', import.meta.url);
let useCompiled = existsSync(compiled);
if (useCompiled && existsSync(buildScript)) useCompiled = !(await import(buildScript.href)).isStale();

let main;
if (useCompiled) {
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
