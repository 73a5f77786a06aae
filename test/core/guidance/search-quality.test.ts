/**
 * Search quality on questions teachers ask in their own words, judged on what a teacher is shown (hits at or
 * above MIN_SCORE): the right item first (top-1) and in the first three (top-3).
 * - questions.yaml: ≥ 90% and ≥ 97%.
 * - questions-unseen.yaml, written for issue 24 before the search was tuned, independently of its word lists:
 *   the `tune` half may be looked at while changing the search; the `holdout` half is only counted, so its
 *   floor is the honest one for questions nobody tuned on. docs/search.md has the figures before and after.
 *   Its halves are held to floors on topic (the right item first, in three) and off topic (nothing shown)
 *   apart: the off-topic questions added in the follow-up are harder than the first ones, and a share of both
 *   kinds together would let better answers hide worse rejections, or the other way round.
 * Prints the figures, and the misses of the first two sets (never the holdout half's).
 */
import { loadContent } from '../../../src/content/load.js';
import { GuidanceSearch } from '../../../src/core/guidance/search.js';
import { describe as line, figures, loadQuestions, misses, QUESTION_FILES, rankAll } from './quality.js';

const content = loadContent();
const search = new GuidanceSearch(content.guidance, content.vocabulary);
const questions = loadQuestions(QUESTION_FILES.seen);
const unseen = loadQuestions(QUESTION_FILES.unseen);
const ranked = rankAll(search, questions);
const tune = rankAll(search, unseen.filter((q) => q.set === 'tune'));
const holdout = rankAll(search, unseen.filter((q) => q.set === 'holdout'));

test('the question set is big enough and covers every measure at least twice', () => {
  expect(questions.length).toBeGreaterThanOrEqual(70);
  const counts = new Map<string, number>();
  for (const { expect: e } of questions) for (const m of e) counts.set(m, (counts.get(m) ?? 0) + 1);
  const measureIds = content.guidance.measures.map((m) => m.id);
  for (const { expect: e } of questions) for (const m of e) expect(measureIds).toContain(m);
  expect(measureIds.filter((m) => (counts.get(m) ?? 0) < 2)).toEqual([]);
});

test('the unseen set has 80 questions or more, every item in both halves, and only known item ids', () => {
  expect(unseen.length).toBeGreaterThanOrEqual(80);
  expect(unseen.every((q) => q.set === 'tune' || q.set === 'holdout')).toBe(true);
  const ids = content.guidance.items.map((i) => i.id);
  for (const q of unseen) for (const id of q.expect) expect(ids).toContain(id);
  for (const half of ['tune', 'holdout'] as const) {
    const covered = new Set(unseen.filter((q) => q.set === half).flatMap((q) => q.expect));
    expect([half, ids.filter((id) => !covered.has(id))]).toEqual([half, []]);
  }
});

test('questions.yaml: top-1 ≥ 90% and top-3 ≥ 97%', () => {
  const f = figures(ranked);
  console.log([line('questions.yaml', f), ...misses(ranked)].join('\n'));
  expect(f.top1).toBeGreaterThanOrEqual(0.9);
  expect(f.top3).toBeGreaterThanOrEqual(0.97);
});

// The holdout half's questions are never printed one by one: its figures only.
test.each([
  { half: 'tune', ranked: tune, top1: 0.88, top3: 0.95, offTopic: 0.48, misses: true },
  { half: 'holdout', ranked: holdout, top1: 0.8, top3: 0.85, offTopic: 0.4, misses: false },
])(
  'unseen questions, $half half: on topic top-1 ≥ $top1 and top-3 ≥ $top3; off topic, nothing shown for ≥ $offTopic',
  ({ half, ranked: r, top1, top3, offTopic, misses: show }) => {
    const f = figures(r);
    console.log([line(`unseen, ${half} half`, f), ...(show ? misses(r) : [])].join('\n'));
    expect(f.onTopic.top1).toBeGreaterThanOrEqual(top1);
    expect(f.onTopic.top3).toBeGreaterThanOrEqual(top3);
    expect(f.offTopic.n).toBeGreaterThanOrEqual(10);
    expect(f.offTopic.rejected).toBeGreaterThanOrEqual(offTopic);
  },
);
