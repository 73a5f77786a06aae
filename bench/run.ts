/**
 * `npm run bench`: SafeCall against a bare Bolt app and a bare botbuilder bot (bench/platforms.ts), the
 * store's write cost against its size (bench/store.ts) and the guidance search (bench/search.ts). Prints
 * each figure against its target and writes bench/results/<name>.json with the machine it came from.
 *
 *   npm run bench                  the whole run (about 5 minutes)
 *   npm run bench -- --quick       one short round (about a minute and a half)
 *   npm run bench -- --only=store  one part: platforms, store, search, setup or fanout
 *   npm run bench -- --only=fanout the term-end fan-out to 5,000 people per platform (about 6 minutes; --quick 1,000)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as fanout from './fanout.js';
import * as platforms from './platforms.js';
import * as search from './search.js';
import * as setupPresses from './setup-presses.js';
import * as store from './store.js';
import { platformTable } from './table.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const wants = (part: string) => !only || only === part;

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage: loadavg()[0] ?? 0 };
const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });
/** Everything printed also goes to bench/results/report.txt. */
const printed: string[] = [];
const say = (text: string) => {
  printed.push(text);
  console.log(text);
};
const save = (name: string, figures: unknown) =>
  writeFileSync(new URL(`${name}.json`, results), `${JSON.stringify({ at: new Date().toISOString(), quick, machine, figures }, null, 2)}\n`);

say(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, load average ${machine.loadAverage.toFixed(2)}${quick ? ' (quick run)' : ''}\n`);

if (wants('platforms')) {
  // SafeCall runs as production does: compiled JavaScript in dist/ (built now if a source changed).
  const built = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--if-stale'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
  const o = quick ? { rounds: 1, seconds: 3, connections: 8 } : { rounds: 3, seconds: 6, connections: 8 };
  const runs = await platforms.run(o);
  say(platformTable(runs));
  save('platforms', { load: o, runs });
}

if (wants('store')) {
  const figures = await store.run({ writes: quick ? 30 : 300 });
  say(`\n${store.report(figures)}`);
  save('store', figures);
}

if (wants('search')) {
  const figures = search.run();
  say(`\n${search.report(figures)}`);
  save('search', figures);
}

if (wants('fanout')) {
  const figures = await fanout.run({ quick });
  say(`\n${fanout.report(figures)}`);
  save('fanout', figures);
}

if (wants('setup')) say(`\n${setupPresses.report(await setupPresses.run())}`);
say(`\nwritten to bench/results/ (${machine.cpu}, ${machine.cores} cores, node ${machine.node})`);
writeFileSync(new URL('report.txt', results), `${printed.join('\n')}\n`);
