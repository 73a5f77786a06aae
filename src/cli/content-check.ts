/**
 * `safecall content check [--dir DIR] [--ledger]`: loads and validates every content file and reports each problem;
 * with --ledger, also prints the ledger of platform facts (docs/guidance-sources.md keeps a copy).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli.js';
import { ContentError, loadContent } from '../content/load.js';
import { ledgerMarkdown } from '../content/ledger.js';

export const command: CliCommand = {
  summary: 'Check the content (guidance, measures, strings, search words) and list every problem',
  usage:
    'content check [--dir DIR] [--ledger]\n\n  --dir DIR   the content folder to check (default: the project\'s content/)\n  --ledger    also print the ledger of platform facts: each setting a step names, its vendor page, the day read and the quote',
  async run(args) {
    let dir: string | undefined;
    let ledger = false;
    try {
      const { values } = parseArgs({ args, options: { dir: { type: 'string' }, ledger: { type: 'boolean' } }, allowPositionals: false, strict: true });
      dir = values.dir;
      ledger = values.ledger ?? false;
    } catch (err) {
      console.error(`safecall content check: ${(err as Error).message}`);
      return 2;
    }
    try {
      const content = loadContent(dir === undefined ? undefined : resolve(dir));
      const { items, measures } = content.guidance;
      const measureIds = new Set(measures.map((m) => m.id));
      const covered = new Set(items.flatMap((i) => i.measures).filter((m) => measureIds.has(m)));
      console.log(`content ok: ${items.length} items, ${covered.size} measures covered, ${content.strings.keys().length} strings`);
      if (ledger) console.log(`\n${ledgerMarkdown(content.guidance)}`);
      return 0;
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      console.error(`content check failed: ${err.problems.length} problem(s)`);
      for (const p of err.problems) console.error(`  ${p}`);
      return 1;
    }
  },
};
