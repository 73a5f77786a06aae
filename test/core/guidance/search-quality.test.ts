/**
 * Search quality on questions teachers ask in their own words (questions.yaml): the right item must come
 * first for ≥ 90% of them and in the top three for ≥ 97%. Prints the figures and the misses.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadContent } from '../../../src/content/load.js';
import { GuidanceSearch } from '../../../src/core/guidance/search.js';

interface Question {
  q: string;
  expect: string[];
}

const content = loadContent();
const search = new GuidanceSearch(content.guidance, content.vocabulary);
const questions = (parse(readFileSync(new URL('./questions.yaml', import.meta.url), 'utf8')) as { questions: Question[] }).questions;

const ranked = questions.map(({ q, expect }) => {
  const hits = search.search(q, { limit: 10 }).hits;
  const rank = hits.findIndex((h) => h.item.measures.some((m) => expect.includes(m)));
  return { q, expect, rank, got: hits.slice(0, 3).map((h) => `${h.item.id} (${h.score.toFixed(0)})`) };
});

test('the question set is big enough and covers every measure at least twice', () => {
  expect(questions.length).toBeGreaterThanOrEqual(70);
  const counts = new Map<string, number>();
  for (const { expect: e } of questions) for (const m of e) counts.set(m, (counts.get(m) ?? 0) + 1);
  const measureIds = content.guidance.measures.map((m) => m.id);
  for (const { expect: e } of questions) for (const m of e) expect(measureIds).toContain(m);
  expect(measureIds.filter((m) => (counts.get(m) ?? 0) < 2)).toEqual([]);
});

test('top-1 ≥ 90% and top-3 ≥ 97%', () => {
  const top1 = ranked.filter((r) => r.rank === 0).length / ranked.length;
  const top3 = ranked.filter((r) => r.rank >= 0 && r.rank < 3).length / ranked.length;
  const misses = ranked.filter((r) => r.rank !== 0);
  console.log(
    [
      `search quality on ${ranked.length} questions: top-1 ${(top1 * 100).toFixed(1)}%, top-3 ${(top3 * 100).toFixed(1)}%`,
      ...(misses.length ? ['', 'rank  question → expected | got'] : []),
      ...misses.map((m) => `${(m.rank < 0 ? '-' : String(m.rank + 1)).padStart(4)}  ${m.q} → ${m.expect.join(', ')} | ${m.got.join(', ')}`),
    ].join('\n'),
  );
  expect(top1).toBeGreaterThanOrEqual(0.9);
  expect(top3).toBeGreaterThanOrEqual(0.97);
});
