/**
 * bench/results/report.txt is assembled from one file per part (bench/results/<part>.txt), each the latest
 * run of that part with its own date and machine line, so `npm run bench -- --only=<part>` replaces that
 * part's section and keeps the others'.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The parts in report order (bench/run.ts). */
export const PARTS = ['platforms', 'store', 'search', 'setup', 'fanout', 'cluster'] as const;
export type Part = (typeof PARTS)[number];

/** Writes `results/<part>.txt`: a heading with when and where it ran, then the part's text. */
export function writePart(results: URL, part: string, heading: string, text: string): void {
  writeFileSync(new URL(`${part}.txt`, results), `--- ${part}: ${heading}\n\n${text.replace(/^\n+|\n+$/g, '')}\n`);
}

/** report.txt's text: every part that has a results/<part>.txt, in PARTS order. */
export function assembleReport(results: URL, parts: readonly string[] = PARTS): string {
  const sections = parts.filter((p) => existsSync(new URL(`${p}.txt`, results))).map((p) => readFileSync(new URL(`${p}.txt`, results), 'utf8').trimEnd());
  return `SafeCall benchmark: the latest run of each part (bench/results/<part>.txt; npm run bench -- --only=<part> replaces one)\n\n${sections.join('\n\n')}\n`;
}

export function writeReport(results: URL, parts: readonly string[] = PARTS): void {
  writeFileSync(new URL('report.txt', results), assembleReport(results, parts));
}
