/**
 * Presses and estimated minutes from "how do I secure my class call" to the finished checklist, per
 * platform, for a first-time and a returning teacher (the walk in test/dialogs/setup-walk.ts). The targets
 * (15 and 10 presses) are asserted in test/dialogs/secure-call.presses.test.ts; this prints the figures.
 *
 *   node --import tsx bench/setup-presses.ts
 */
import { pathToFileURL } from 'node:url';
import { walker, SECONDS_PER_PRESS, SECONDS_PER_SETTING, WORDS_PER_MINUTE } from '../test/dialogs/setup-walk.js';

export interface PressFigures {
  platform: string;
  first: { presses: number; cards: number; words: number; minutes: number };
  returning: { presses: number; cards: number; words: number; minutes: number };
}

export async function run(): Promise<PressFigures[]> {
  const out: PressFigures[] = [];
  for (const platform of ['zoom', 'teams', 'meet'] as const) {
    const w = walker();
    const pick = (r: Awaited<ReturnType<typeof w.walk>>) => ({ presses: r.presses, cards: r.cards, words: r.words, minutes: Number(r.minutes.toFixed(1)) });
    const first = pick(await w.walk(platform));
    out.push({ platform, first, returning: pick(await w.walk(platform)) });
  }
  return out;
}

export function report(figures: PressFigures[]): string {
  const rows = figures.map((f) => `${f.platform.padEnd(6)} ${String(f.first.presses).padStart(5)} ${String(f.first.minutes).padStart(6)}   ${String(f.returning.presses).padStart(9)} ${String(f.returning.minutes).padStart(6)}`);
  return [
    'setup presses, "how do I secure my class call" → checklist (targets: ≤ 15 first time, ≤ 10 returning)',
    'platform  first  min   returning  min',
    ...rows,
    `minutes: words read at ${WORDS_PER_MINUTE} a minute + ${SECONDS_PER_SETTING} s per setting changed + ${SECONDS_PER_PRESS} s per press`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(report(await run()));
