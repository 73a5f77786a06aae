/**
 * The term-end rounds the school has had, kept in one index record (store.reminders `round-index`) beside
 * each round's own record. The policy finds the round a term already has by its dates (whatever the term is
 * called now: src/core/reminders/rounds.ts), and carries on every round still running, whether or not its
 * term is still in the settings. The round's own record is the truth; the index only says where to look,
 * and is brought up to date from the record whenever the policy touches a round.
 *
 * A store from before the index (a school upgraded mid-round) gets it built once from the round records
 * already there, so their rounds, named after their terms then, are found by their dates now.
 */
import type { Collection } from '../../src/core/ports.js';
import {
  ROUND_INDEX,
  isRoundIndex,
  isRoundReminder,
  roundKey,
  type ReminderState,
  type RoundIndex,
  type RoundIndexEntry,
  type RoundReminder,
} from '../../src/core/records/reminder.js';
import { localDate, termSlug } from '../../src/core/reminders/calendar.js';
import { roundOfTerm, type RoundSpan } from '../../src/core/reminders/rounds.js';

/** Every round id starts with this (old ones `term-end:autumn-2026`, new ones `term-end:2026-12-18`). */
const ROUND_PREFIX = 'term-end:';

/** A round has work left: people to remind, follow-ups or a summary to send, or the DPO to tell it was skipped. */
export function isOpen(r: RoundReminder): boolean {
  if (r.status === 'starting' || r.status === 'sent') return true;
  // A skipped round from before reasons were kept was never to be told: only a `late` one is.
  return r.status === 'skipped' && r.skipped?.reason === 'late' && !r.skipped.noticed;
}

export function entryOf(r: RoundReminder, zone: string): RoundIndexEntry {
  return {
    termName: r.termName,
    ...(r.termStart ? { start: r.termStart } : {}),
    end: r.termEnd ?? localDate(new Date(r.dueAt), zone),
    status: r.status,
    ...(isOpen(r) ? {} : { closed: true }),
  };
}

export const spansOf = (index: RoundIndex): RoundSpan[] => Object.entries(index.rounds).map(([round, e]) => ({ round, ...(e.start ? { start: e.start } : {}), end: e.end }));

export interface RoundBook {
  /** The index; built from the stored rounds the first time. */
  load(now: Date): Promise<RoundIndex>;
  /** Brings a round's entry in line with its record. */
  note(round: RoundReminder, now: Date): Promise<void>;
  /** The round's record. */
  get(round: string): Promise<RoundReminder | undefined>;
}

/** The index as stored, or as it would be built, without writing (`npx safecall reminders report` reads only). */
export async function readRounds(reminders: Collection<ReminderState>, zone: string, now: Date): Promise<RoundIndex> {
  const current = await reminders.get(ROUND_INDEX);
  return isRoundIndex(current) ? current : buildIndex(reminders, zone, now);
}

/**
 * The round a person means by `term`: a round the term is or was called (a rename keeps its round), the
 * round of the settings' term of that name, or the round of the term ending on that date (YYYY-MM-DD).
 */
export async function findRound(reminders: Collection<ReminderState>, index: RoundIndex, term: string, settingsTerms: readonly { name: string; start: string; end: string }[]): Promise<string | undefined> {
  const slug = termSlug(term);
  for (const round of Object.keys(index.rounds)) {
    const r = await reminders.get(roundKey(round));
    if (isRoundReminder(r) && [r.termName, ...(r.formerNames ?? [])].some((n) => termSlug(n) === slug)) return round;
  }
  const named = settingsTerms.find((t) => termSlug(t.name) === slug) ?? (/^\d{4}-\d{2}-\d{2}$/.test(term) ? { start: term, end: term } : undefined);
  return named ? roundOfTerm(named, spansOf(index))?.round : undefined;
}

async function buildIndex(reminders: Collection<ReminderState>, zone: string, now: Date): Promise<RoundIndex> {
  const rounds: Record<string, RoundIndexEntry> = {};
  let since = now.toISOString();
  const stored = await reminders.query({ index: 'round', from: ROUND_PREFIX, before: `${ROUND_PREFIX.slice(0, -1)};` });
  for (const { value } of stored) {
    if (!isRoundReminder(value)) continue;
    rounds[value.round] = entryOf(value, zone);
    if (value.startedAt < since) since = value.startedAt;
  }
  return { kind: 'round-index', round: ROUND_INDEX, status: 'index', updatedAt: now.toISOString(), since, rounds };
}

export function roundBook(reminders: Collection<ReminderState>, zone: string): RoundBook {
  return {
    async load(now) {
      const current = await reminders.get(ROUND_INDEX);
      if (isRoundIndex(current)) return current;
      const built = await buildIndex(reminders, zone, now);
      // Two leaders for a moment build the same index; the second keeps the first's.
      if ((await reminders.putIf(ROUND_INDEX, built, 0)) !== undefined) return built;
      const other = await reminders.get(ROUND_INDEX);
      return isRoundIndex(other) ? other : built;
    },
    async note(round, now) {
      const entry = entryOf(round, zone);
      await reminders.update(ROUND_INDEX, (cur) => {
        if (!isRoundIndex(cur)) return cur;
        const was = cur.rounds[round.round];
        if (was && JSON.stringify(was) === JSON.stringify(entry)) return cur;
        const next: RoundIndex = { ...cur, rounds: { ...cur.rounds, [round.round]: entry }, updatedAt: now.toISOString() };
        return next;
      });
    },
    async get(round) {
      const r = await reminders.get(roundKey(round));
      return isRoundReminder(r) ? r : undefined;
    },
  };
}
