/**
 * `npm run bench`: the parts, in this order:
 *   platforms  SafeCall against a bare Bolt app and a bare botbuilder bot (bench/platforms.ts)
 *   store      the lowdb store's write cost against its size (bench/store.ts)
 *   search     the guidance search: speed (bench/search.ts) and top-1/top-3 on the question sets (bench/search-quality.ts)
 *   setup      presses and minutes to a secured call (bench/setup-presses.ts)
 *   fanout     the term-end fan-out to 5,000 people per platform against the rate limits (bench/fanout.ts)
 *   cluster    turns/s and p99 for 1 instance on lowdb and 1, 2, 3 instances on one PostgreSQL schema, and
 *              the fan-out with 1 and 3 instances on PostgreSQL (bench/cluster.ts; needs PostgreSQL,
 *              BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 * Prints each figure against its target and writes bench/results/<part>.json with the machine it came
 * from, bench/results/<part>.txt (what it printed) and bench/results/report.txt, assembled from every
 * part's latest .txt (bench/report.ts), so running one part keeps the others' sections.
 *
 *   npm run bench                   the whole run (about 20 minutes)
 *   npm run bench -- --quick        one short round of each (about 6 minutes)
 *   npm run bench -- --only=store   one part (names above)
 *   npm run bench -- --only=fanout  the fan-out to 5,000 people per platform (about 6 minutes; --quick 1,000)
 *   npm run bench -- --only=cluster the cluster part (about 8 minutes; --quick about 2)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as cluster from './cluster.js';
import * as fanout from './fanout.js';
import * as platforms from './platforms.js';
import { PARTS, writePart, writeReport } from './report.js';
import * as search from './search.js';
import * as searchQuality from './search-quality.js';
import * as setupPresses from './setup-presses.js';
import * as store from './store.js';
import { platformTable } from './table.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
if (only && !(PARTS as readonly string[]).includes(only)) {
  console.error(`--only=${only}: no such part (${PARTS.join(', ')})`);
  process.exit(2);
}
const wants = (part: string) => !only || only === part;

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage: loadavg()[0] ?? 0 };
const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });
const heading = () => `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, load average ${machine.loadAverage.toFixed(2)} at start${quick ? ' (quick run)' : ''}`;
/** Prints a part's text and keeps it as bench/results/<part>.txt. */
const say = (part: string, text: string) => {
  console.log(`\n${text}`);
  writePart(results, part, heading(), text);
};
const save = (name: string, figures: unknown) =>
  writeFileSync(new URL(`${name}.json`, results), `${JSON.stringify({ at: new Date().toISOString(), quick, machine, figures }, null, 2)}\n`);

console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, load average ${machine.loadAverage.toFixed(2)}${quick ? ' (quick run)' : ''}`);

/** SafeCall runs as production does: compiled JavaScript in dist/ (built now if a source changed). */
const build = () => {
  const built = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--if-stale'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
};

if (wants('platforms')) {
  build();
  const o = quick ? { rounds: 1, seconds: 3, connections: 8 } : { rounds: 3, seconds: 6, connections: 8 };
  const runs = await platforms.run(o);
  say('platforms', platformTable(runs));
  save('platforms', { load: o, runs });
}

if (wants('store')) {
  const figures = await store.run({ writes: quick ? 30 : 300 });
  say('store', store.report(figures));
  save('store', figures);
}

if (wants('search')) {
  const figures = search.run();
  const quality = searchQuality.run();
  say('search', `${search.report(figures)}\n\n${searchQuality.report(quality)}`);
  save('search', { ...figures, quality });
}

if (wants('setup')) say('setup', setupPresses.report(await setupPresses.run()));

if (wants('fanout')) {
  const figures = await fanout.run({ quick });
  say('fanout', fanout.report(figures));
  save('fanout', figures);
}

if (wants('cluster')) {
  build();
  const figures = await cluster.run({ quick });
  say('cluster', cluster.report(figures));
  save('cluster', figures);
}

writeReport(results);
console.log(`\nwritten to bench/results/ (${machine.cpu}, ${machine.cores} cores, node ${machine.node}); report.txt has every part's latest run`);
