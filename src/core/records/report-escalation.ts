/**
 * When an unanswered DPO alert is escalated, as incident tools do: to the DPO's deputies after
 * `reports.escalateAfterHours` working hours, to the admins after twice that. Pure functions over dates: the
 * incidents policy (dialogs/incidents/policy.ts) sets its timers from them.
 *
 * Working hours are the school's (`reports.workingHours`: days and a start and end time, in
 * `school.timezone`, so 08:00 stays 08:00 across the clock changes); nobody is paged at night for a step
 * that can wait until morning. But the ICO's 72 hours run through nights, weekends and holidays, so each
 * step also has a latest time in clock hours: a third of the time the report had left when it was made
 * for the deputies, two thirds for the admins (24 h and 48 h for a report made as it was noticed), and at
 * least an hour each. A report made on Friday evening therefore reaches the deputies on Saturday evening,
 * not on Monday afternoon.
 */
import { DateTime } from 'luxon';
import type { EscalationLevel, StoredReport } from './report.js';

/** ISO weekday numbers: 1 is Monday, 7 Sunday. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WorkingHours {
  days: readonly Weekday[];
  /** HH:MM, local. */
  start: string;
  end: string;
}

export const DEFAULT_WORKING_HOURS: WorkingHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '17:00' };
export const DEFAULT_ESCALATE_AFTER_HOURS = 4;

const HOUR = 3_600_000;
/** Each step comes at least this long after the report, however little of the 72 hours was left. */
const MIN_STEP_MS = HOUR;
/** A year of days: a calendar with working days always finds one within a week. */
const MAX_DAYS = 370;

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** `from` plus `hours` of working time in `zone`. With no working day or an empty day, clock hours. Pure. */
export function addWorkingHours(from: Date, hours: number, wh: WorkingHours, zone: string): Date {
  const startMin = minutesOf(wh.start);
  const endMin = minutesOf(wh.end);
  if (!wh.days.length || endMin <= startMin) return new Date(from.getTime() + hours * HOUR);
  let remaining = hours * HOUR;
  let cursor = DateTime.fromJSDate(from, { zone });
  for (let day = 0; day < MAX_DAYS; day++) {
    const midnight = cursor.startOf('day');
    const open = midnight.set({ hour: Math.floor(startMin / 60), minute: startMin % 60 });
    const close = midnight.set({ hour: Math.floor(endMin / 60), minute: endMin % 60 });
    if (wh.days.includes(WEEKDAYS[midnight.weekday - 1]!) && cursor < close) {
      const from = cursor < open ? open : cursor;
      const available = close.toMillis() - from.toMillis();
      if (remaining <= available) return new Date(from.toMillis() + remaining);
      remaining -= available;
    }
    cursor = midnight.plus({ days: 1 });
  }
  return new Date(from.getTime() + hours * HOUR);
}

/**
 * When escalation step `level` falls due for this report: `level` × `afterHours` working hours after it was
 * reported, or the step's latest time in clock hours if that comes first (see above). Pure.
 */
export function escalationDue(r: Pick<StoredReport, 'reportedAt' | 'deadlineAt'>, level: EscalationLevel, o: { afterHours: number; workingHours: WorkingHours; zone: string }): Date {
  const reported = new Date(r.reportedAt);
  const working = addWorkingHours(reported, level * o.afterHours, o.workingHours, o.zone);
  const left = Math.max(0, Date.parse(r.deadlineAt) - reported.getTime());
  const latest = reported.getTime() + Math.max(MIN_STEP_MS * level, (left * level) / 3);
  return new Date(Math.min(working.getTime(), latest));
}

/** "Mon–Fri 08:00–17:00" for messages (English day names from the settings' own keys). */
export function describeWorkingHours(wh: WorkingHours): string {
  const names = wh.days.map((d) => d.charAt(0).toUpperCase() + d.slice(1));
  const idx = wh.days.map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => a - b);
  const run = idx.length > 2 && idx.every((v, i) => i === 0 || v === idx[i - 1]! + 1);
  const days = run ? `${names[wh.days.indexOf(WEEKDAYS[idx[0]!]!)]}–${names[wh.days.indexOf(WEEKDAYS[idx[idx.length - 1]!]!)]}` : names.join(', ');
  return `${days} ${wh.start}–${wh.end}`;
}
