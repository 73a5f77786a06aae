/**
 * Guidance search quality: top-1 and top-3 on the question sets in test/core/guidance (questions.yaml, and
 * questions-unseen.yaml in its two halves: `tune` and `holdout`). Misses are printed for the first two only:
 * the holdout half is counted, never read question by question, so its figure stays an honest one.
 *
 *   node --import tsx bench/search-quality.ts
 */
import { pathToFileURL } from 'node:url';
import { loadContent } from '../src/content/load.js';
import { GuidanceSearch } from '../src/core/guidance/search.js';
import { describe, figures, loadQuestions, misses, QUESTION_FILES, rankAll, type Figures } from '../test/core/guidance/quality.js';

export interface QualityBench {
  seen: Figures;
  tune: Figures;
  holdout: Figures;
  misses: { seen: string[]; tune: string[] };
}

export function run(): QualityBench {
  const content = loadContent();
  const search = new GuidanceSearch(content.guidance, content.vocabulary);
  const minScore = process.env.MIN_SCORE === undefined ? undefined : Number(process.env.MIN_SCORE);
  const seen = rankAll(search, loadQuestions(QUESTION_FILES.seen), { minScore });
  const unseen = rankAll(search, loadQuestions(QUESTION_FILES.unseen), { minScore });
  const tune = unseen.filter((r) => r.set === 'tune');
  return {
    seen: figures(seen),
    tune: figures(tune),
    holdout: figures(unseen.filter((r) => r.set === 'holdout')),
    misses: { seen: misses(seen), tune: misses(tune) },
  };
}

export function report(r: QualityBench, opts: { misses?: boolean } = {}): string {
  const lines = [
    'guidance search quality (right item first: top-1; in the first three: top-3)',
    describe('questions.yaml', r.seen),
    describe('unseen, tune half', r.tune),
    describe('unseen, holdout half', r.holdout),
  ];
  if (opts.misses) {
    lines.push('', 'misses, questions.yaml (rank  question → expected | got)', ...r.misses.seen);
    lines.push('', 'misses, unseen tune half', ...r.misses.tune);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(report(run(), { misses: process.argv.includes('--misses') }));
}
