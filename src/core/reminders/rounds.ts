/**
 * Which term-end round a term is. A round is identified by what the term is (its dates), never by its
 * name: "Autumn 2026" renamed "Autumn Term 2026" by a council calendar import is the same term, and its
 * round must neither start again nor lose its follow-ups. Pure functions: the policy
 * (dialogs/reminders/rounds.ts) reads the stored rounds and asks these.
 */
import type { Term } from './calendar.js';

/** A new round's id: the term's last day (`term-end:2026-12-18`). Terms in one settings file never overlap, so it is unique. */
export const roundIdOf = (term: Pick<Term, 'end'>) => `term-end:${term.end}`;

/** What a stored round covered: the term's dates when it began (a round from before dates were kept has its last day only). */
export interface RoundSpan {
  round: string;
  start?: string;
  end: string;
}

/** Days between two YYYY-MM-DD dates (calendar days: no time zone is involved). */
const daysApart = (a: string, b: string) => Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000;

/**
 * How far a term's last day may move (a re-import a day out, an INSET day added) and still be the same
 * term. Further apart, it is another term end (a term split in two, or merged), which has its own reminder.
 */
export const SAME_TERM_END_DAYS = 7;

const overlaps = (term: Pick<Term, 'start' | 'end'>, r: RoundSpan) => (r.start ?? r.end) <= term.end && term.start <= r.end;

/**
 * The stored round that is `term`, if any: one whose term overlaps it and ends within SAME_TERM_END_DAYS of
 * it; of several, the one ending nearest. A renamed term is its round; so is a term whose start moved, or
 * whose end moved by a few days after its round began, so nobody is reminded twice for it.
 */
export function roundOfTerm(term: Pick<Term, 'start' | 'end'>, rounds: readonly RoundSpan[]): RoundSpan | undefined {
  const candidates = rounds.filter((r) => overlaps(term, r) && daysApart(r.end, term.end) <= SAME_TERM_END_DAYS);
  candidates.sort((a, b) => daysApart(a.end, term.end) - daysApart(b.end, term.end) || b.end.localeCompare(a.end));
  return candidates[0];
}
