/**
 * Ranking quality of the guidance search over a question set, judged on what a teacher is shown: the hits
 * at or above MIN_SCORE (answer.ts). For each question, where the first right item comes; top-1 and top-3
 * are the shares of questions with it first and in the first three. A question with no right item
 * (`expect: []`, off topic) is right when nothing is shown. Shared by search-quality.test.ts (asserts
 * floors) and bench/search-quality.ts (prints the figures and the misses).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { goodHits } from '../../../src/core/guidance/answer.js';
import type { GuidanceSearch } from '../../../src/core/guidance/search.js';

export interface Question {
  q: string;
  /** Item or measure ids that count as a right answer; empty: nothing should be shown. */
  expect: string[];
  /** questions-unseen.yaml only: `tune` may be read while tuning; `holdout` is only counted. */
  set?: 'tune' | 'holdout';
}

export interface Ranked extends Question {
  /** Position of the first right hit shown (0 = first), or -1 when none is; off topic: 0 when nothing is shown. */
  rank: number;
  got: string[];
}

export interface Figures {
  n: number;
  top1: number;
  top3: number;
  /** The same over the questions with a right item only, and the share of off-topic ones answered with nothing. */
  onTopic: { n: number; top1: number; top3: number };
  offTopic: { n: number; rejected: number };
}

export const QUESTION_FILES = {
  seen: new URL('./questions.yaml', import.meta.url),
  unseen: new URL('./questions-unseen.yaml', import.meta.url),
} as const;

export function loadQuestions(file: URL): Question[] {
  return (parse(readFileSync(file, 'utf8')) as { questions: Question[] }).questions;
}

/** `minScore: 0` ranks every hit, to judge the order apart from the threshold. */
export function rankAll(search: GuidanceSearch, questions: Question[], opts: { minScore?: number } = {}): Ranked[] {
  return questions.map((question) => {
    const result = search.search(question.q, { limit: 10 });
    const hits = opts.minScore === undefined ? goodHits(result) : result.hits.filter((h) => h.score >= opts.minScore!);
    const right = (id: string, measures: string[]) => question.expect.includes(id) || measures.some((m) => question.expect.includes(m));
    const rank = question.expect.length === 0 ? (hits.length === 0 ? 0 : -1) : hits.findIndex((h) => right(h.item.id, h.item.measures));
    return { ...question, rank, got: hits.slice(0, 3).map((h) => `${h.item.id} (${h.score.toFixed(0)})`) };
  });
}

export function figures(ranked: Ranked[]): Figures {
  const share = (rs: Ranked[], ok: (r: Ranked) => boolean) => (rs.length ? rs.filter(ok).length / rs.length : 1);
  const first = (r: Ranked) => r.rank === 0;
  const inThree = (r: Ranked) => r.rank >= 0 && r.rank < 3;
  const on = ranked.filter((r) => r.expect.length > 0);
  const off = ranked.filter((r) => r.expect.length === 0);
  return {
    n: ranked.length,
    top1: share(ranked, first),
    top3: share(ranked, inThree),
    onTopic: { n: on.length, top1: share(on, first), top3: share(on, inThree) },
    offTopic: { n: off.length, rejected: share(off, first) },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const describe = (name: string, f: Figures) =>
  `${name.padEnd(22)} ${String(f.n).padStart(3)} questions  top-1 ${pct(f.top1).padStart(6)}  top-3 ${pct(f.top3).padStart(6)}` +
  (f.offTopic.n ? `   (on topic ${f.onTopic.n}: ${pct(f.onTopic.top1)} / ${pct(f.onTopic.top3)}; off topic ${f.offTopic.n}: ${pct(f.offTopic.rejected)} answered with nothing)` : '');

/** The misses as lines (rank, question, expected, got); never used for the holdout half. */
export const misses = (ranked: Ranked[]) =>
  ranked.filter((r) => r.rank !== 0).map((m) => `${(m.rank < 0 ? '-' : String(m.rank + 1)).padStart(4)}  ${m.q} → ${m.expect.join(', ') || '(nothing)'} | ${m.got.join(', ')}`);
