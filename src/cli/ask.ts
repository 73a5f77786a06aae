/** `safecall ask "<question>"`: what the guidance search finds for a question, best first, with scores. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli.js';
import { loadContent } from '../content/load.js';
import { MIN_SCORE } from '../core/guidance/answer.js';
import { CALL_PLATFORMS, type CallPlatform } from '../core/guidance/schema.js';
import { GuidanceSearch } from '../core/guidance/search.js';

const USAGE = `ask "<question>" [--platform zoom|teams|meet] [--json] [--limit N] [--dir DIR]

  --platform P  the teacher's platform (otherwise the one the question names, if any)
  --json        print a JSON array of { "id", "measures", "title", "score" }, best first
  --limit N     at most N results (default 10)
  --dir DIR     the content folder (default: the project's content/)`;

export const command: CliCommand = {
  summary: 'Search the guidance as the bot would, and show the ranked items with their scores',
  usage: USAGE,
  async run(args) {
    const fail = (message: string) => {
      console.error(`safecall ask: ${message}\n\nUsage: safecall ${USAGE}`);
      return 2;
    };
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: { platform: { type: 'string' }, json: { type: 'boolean' }, limit: { type: 'string' }, dir: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      return fail((err as Error).message);
    }
    const { values, positionals } = parsed;
    const question = positionals.join(' ').trim();
    if (!question) return fail('give the question to search for, in quotes');
    const platform = values.platform?.toLowerCase();
    if (platform !== undefined && !CALL_PLATFORMS.includes(platform as CallPlatform)) {
      return fail(`--platform must be one of ${CALL_PLATFORMS.join(', ')}, not "${values.platform}"`);
    }
    const limit = values.limit === undefined ? 10 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) return fail(`--limit must be a whole number of 1 or more, not "${values.limit}"`);

    const content = loadContent(values.dir === undefined ? undefined : resolve(values.dir));
    const search = new GuidanceSearch(content.guidance, content.vocabulary);
    const result = search.search(question, { platform: platform as CallPlatform | undefined, limit });

    if (values.json) {
      console.log(JSON.stringify(result.hits.map((h) => ({ id: h.item.id, measures: h.item.measures, title: h.item.title, score: h.score })), null, 2));
      return 0;
    }
    if (result.hits.length === 0) {
      console.log('no matches');
      return 0;
    }
    result.hits.forEach((h, i) => {
      const weak = h.score < MIN_SCORE ? '  (below the answer threshold)' : '';
      console.log(`${String(i + 1).padStart(2)}. ${h.score.toFixed(2).padStart(8)}  ${h.item.id.padEnd(30)} ${h.item.title}${weak}`);
    });
    return 0;
  },
};
