/**
 * `npm run bench`: runs every benchmark, prints its figures (each against a baseline measured in the same
 * run) and writes them to bench/results/<name>.json with the machine they came from.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import * as search from './search.js';
import * as setupPresses from './setup-presses.js';

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });

const figures = search.run();
console.log(search.report(figures));
writeFileSync(new URL('search.json', results), `${JSON.stringify({ at: new Date().toISOString(), machine, figures }, null, 2)}\n`);
console.log(`\nwritten to bench/results/search.json (${machine.cpu}, ${machine.cores} cores, node ${machine.node})`);

console.log(`\n${setupPresses.report(await setupPresses.run())}`);
