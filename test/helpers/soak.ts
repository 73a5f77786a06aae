/**
 * One switch for the reliability and security suites (test/reliability, test/security): the fast versions run
 * in `npm test` (and CI); `npm run soak` sets SAFECALL_SOAK=1 and the same files run their long versions.
 * Each suite prints its figures with `figures()`; in a soak they are also kept in bench/results/soak-<suite>.txt,
 * which the README's "Reliability and performance" section quotes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

export const SOAK = process.env.SAFECALL_SOAK === '1';

/** `fast` in npm test, `long` in npm run soak. */
export const sized = (fast: number, long: number): number => (SOAK ? long : fast);

export type Figures = Record<string, number | string>;

/** Prints one suite's figures as a block; in a soak, also writes them to bench/results/soak-<suite>.txt. */
export function figures(suite: string, rows: Figures, notes: string[] = []): string {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  const text =
    `${suite} (${SOAK ? 'soak' : 'fast'}; ${new Date().toISOString()}; ${cpus().length} cores, ${cpus()[0]?.model.trim() ?? 'cpu'}; node ${process.version})\n` +
    Object.entries(rows)
      .map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)
      .join('\n') +
    '\n' +
    notes.map((n) => `  ${n}\n`).join('');
  process.stdout.write(text);
  if (SOAK) {
    const dir = new URL('../../bench/results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL(`soak-${suite}.txt`, dir), text);
  }
  return text;
}
