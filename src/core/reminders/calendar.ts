/**
 * When the reminders fall due, in the school's time zone. Pure functions over dates: the policy
 * (dialogs/reminders/policy.ts) asks them and decides what to enqueue. Local wall times ("15:00 on the last
 * day of term") are turned into instants with luxon, so a reminder stays at 15:00 whether the day is in
 * GMT or BST, and "3 days later" means three calendar days, not 72 hours across a clock change.
 */
import { DateTime } from 'luxon';

export interface Term {
  name: string;
  /** YYYY-MM-DD, local. */
  start: string;
  end: string;
}

export interface TermInfo extends Term {
  /** A stable slug of the name ("Autumn 2026" → autumn-2026): part of every idempotency key of the term. */
  id: string;
  /** The last term of the school year: its reminder also says "delete the account if you no longer need it". */
  summer: boolean;
  /** The term-end reminder time: `end` at the settings' termEndTime, local. */
  remindAt: Date;
}

/** Lower-case letters and digits joined by '-': stable, and safe inside keys and action values. */
export function termSlug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'term'
  );
}

/** `date` (YYYY-MM-DD) at `time` (HH:MM) in `zone`, as an instant. A time skipped by the clock change moves on. */
export function localAt(date: string, time: string, zone: string): Date {
  const [hour, minute] = time.split(':').map(Number);
  return DateTime.fromISO(date, { zone }).set({ hour, minute, second: 0, millisecond: 0 }).toJSDate();
}

/** The same local wall time `days` calendar days later (not days × 24 hours). */
export function addLocalDays(at: Date, days: number, zone: string): Date {
  return DateTime.fromJSDate(at, { zone }).plus({ days }).toJSDate();
}

export function addLocalMonths(date: string, months: number, zone: string): string {
  return DateTime.fromISO(date, { zone }).plus({ months }).toISODate()!;
}

/** The summer term is the one that ends in June, July or August, or is called so. */
export function isSummerTerm(t: Term): boolean {
  const month = Number(t.end.slice(5, 7));
  return /summer/i.test(t.name) || (month >= 6 && month <= 8);
}

export function termInfos(terms: readonly Term[], termEndTime: string, zone: string): TermInfo[] {
  return terms.map((t) => ({ ...t, id: termSlug(t.name), summer: isSummerTerm(t), remindAt: localAt(t.end, termEndTime, zone) }));
}

/**
 * The last moment a reminder due at `dueAt` may still go out: the end of the school's day `catchUpDays`
 * days after the day it fell due. Whole days, because lateness is a matter of days to a teacher: with 0 a
 * reminder goes any time on its own day (a tick a moment after 15:00 is not late), with 7 up to the end of
 * the seventh day after.
 */
export function catchUpUntil(dueAt: Date, catchUpDays: number, zone: string): Date {
  return DateTime.fromJSDate(dueAt, { zone }).plus({ days: catchUpDays }).endOf('day').toJSDate();
}

/** Was `dueAt` missed by so much that sending now would be out of place ("end of summer term" in October)? */
export function pastCatchUp(dueAt: Date, now: Date, catchUpDays: number, zone: string): boolean {
  return now.getTime() > catchUpUntil(dueAt, catchUpDays, zone).getTime();
}

/** The school-local date (YYYY-MM-DD) of an instant. */
export function localDate(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toISODate()!;
}

/** Whole local days from `from`'s date to `to`'s date (0 on the same day). */
export function localDaysBetween(from: Date, to: Date, zone: string): number {
  const a = DateTime.fromJSDate(from, { zone }).startOf('day');
  const b = DateTime.fromJSDate(to, { zone }).startOf('day');
  return Math.round(b.diff(a, 'days').days);
}

/**
 * The DPIA review dates: six months after sign-off, then every six months, at `time` local. Returns the
 * latest one at or before `now` (undefined before the first).
 */
export function latestDpiaReview(signedOff: string, now: Date, time: string, zone: string): { date: string; at: Date } | undefined {
  let latest: { date: string; at: Date } | undefined;
  for (let k = 1; k < 200; k++) {
    const date = addLocalMonths(signedOff, 6 * k, zone);
    const at = localAt(date, time, zone);
    if (at.getTime() > now.getTime()) break;
    latest = { date, at };
  }
  return latest;
}

/** The next DPIA review after `now`. */
export function nextDpiaReview(signedOff: string, now: Date, time: string, zone: string): { date: string; at: Date } {
  for (let k = 1; ; k++) {
    const date = addLocalMonths(signedOff, 6 * k, zone);
    const at = localAt(date, time, zone);
    if (at.getTime() > now.getTime()) return { date, at };
  }
}

/** The day's name when `date` (YYYY-MM-DD) is a Saturday or Sunday: a term ending then has its reminder on a weekend. */
export function weekendDay(date: string, zone: string, locale = 'en-GB'): string | undefined {
  const d = DateTime.fromISO(date, { zone });
  return d.weekday >= 6 ? d.setLocale(locale).toFormat('cccc') : undefined;
}

/** "Friday 18 December 2026 at 15:00", in the school's zone. */
export function showLocal(at: Date, zone: string, locale = 'en-GB'): string {
  return DateTime.fromJSDate(at, { zone }).setLocale(locale).toFormat("cccc d LLLL yyyy 'at' HH:mm");
}

export function showDate(date: string, zone: string, locale = 'en-GB'): string {
  return DateTime.fromISO(date, { zone }).setLocale(locale).toFormat('ccc d LLL yyyy');
}
