/**
 * Guidance search speed: index build time, and p50/p99 latency of one query over every question in
 * test/core/guidance/questions.yaml (each run 200 times), against a naive baseline in the same run: a
 * lower-cased substring count of the question's words over all the items' text.
 *
 *   node --import tsx bench/search.ts
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { loadContent } from '../src/content/load.js';
import { CALL_PLATFORMS, type GuidanceItem } from '../src/core/guidance/schema.js';
import { GuidanceSearch } from '../src/core/guidance/search.js';

const QUESTIONS = new URL('../test/core/guidance/questions.yaml', import.meta.url);
const RUNS = 200;

export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

export interface SearchBench {
  questions: number;
  runsPerQuestion: number;
  /** First build (cold) and the median of 20 more, in ms. */
  buildMs: { cold: number; warm: number };
  searchMs: Latency;
  naiveMs: Latency;
  /** naive p50 / search p50 (above 1: the search is faster). */
  ratioP50: number;
  ratioP99: number;
  /** Share of questions whose first result is right. */
  top1: { search: number; naive: number };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const latency = (samples: number[]): Latency => {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s[s.length - 1]! };
};

/** The baseline: count how often each word of the question occurs in each item's text. */
function naiveScanner(items: GuidanceItem[]) {
  const texts = items.map((item) => ({
    item,
    text: [
      item.title,
      item.why,
      ...item.synonyms,
      ...CALL_PLATFORMS.flatMap((p) => [item.platforms[p].where ?? '', ...item.platforms[p].steps, item.platforms[p].alternative ?? '']),
    ]
      .join(' ')
      .toLowerCase(),
  }));
  return (question: string): GuidanceItem[] => {
    const words = question.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 2);
    return texts
      .map(({ item, text }) => {
        let score = 0;
        for (const w of words) for (let at = text.indexOf(w); at >= 0; at = text.indexOf(w, at + w.length)) score++;
        return { item, score };
      })
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score)
      .map((r) => r.item);
  };
}

export function run(): SearchBench {
  const content = loadContent();
  const questions = (parse(readFileSync(QUESTIONS, 'utf8')) as { questions: { q: string; expect: string[] }[] }).questions;

  let t = performance.now();
  let search = new GuidanceSearch(content.guidance, content.vocabulary);
  const cold = performance.now() - t;
  const builds: number[] = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    search = new GuidanceSearch(content.guidance, content.vocabulary);
    builds.push(performance.now() - t);
  }
  const naive = naiveScanner(content.guidance.items);

  const time = (fn: (q: string) => unknown): number[] => {
    for (const { q } of questions) fn(q); // warm up
    const samples: number[] = [];
    for (const { q } of questions) {
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        fn(q);
        samples.push(performance.now() - start);
      }
    }
    return samples;
  };
  const searchMs = latency(time((q) => search.search(q)));
  const naiveMs = latency(time(naive));

  const right = (first: GuidanceItem | undefined, expect: string[]) => !!first && first.measures.some((m) => expect.includes(m));
  const share = (n: number) => n / questions.length;
  return {
    questions: questions.length,
    runsPerQuestion: RUNS,
    buildMs: { cold, warm: latency(builds).p50 },
    searchMs,
    naiveMs,
    ratioP50: naiveMs.p50 / searchMs.p50,
    ratioP99: naiveMs.p99 / searchMs.p99,
    top1: {
      search: share(questions.filter(({ q, expect }) => right(search.search(q).hits[0]?.item, expect)).length),
      naive: share(questions.filter(({ q, expect }) => right(naive(q)[0], expect)).length),
    },
  };
}

export function report(r: SearchBench): string {
  const ms = (n: number) => `${n.toFixed(3)} ms`;
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
  return [
    `guidance search: ${r.questions} questions × ${r.runsPerQuestion} runs`,
    `  index build        cold ${ms(r.buildMs.cold)}, warm median ${ms(r.buildMs.warm)}`,
    `  search query       p50 ${ms(r.searchMs.p50)}  p99 ${ms(r.searchMs.p99)}  max ${ms(r.searchMs.max)}   top-1 ${pct(r.top1.search)}`,
    `  naive scan         p50 ${ms(r.naiveMs.p50)}  p99 ${ms(r.naiveMs.p99)}  max ${ms(r.naiveMs.max)}   top-1 ${pct(r.top1.naive)}`,
    `  naive / search     p50 ×${r.ratioP50.toFixed(2)}  p99 ×${r.ratioP99.toFixed(2)}  (above 1: the search is faster)`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(report(run()));
}
