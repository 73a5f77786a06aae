/** Times shown in the school's time zone (stored as UTC ISO 8601). Intl, so the dialog needs no library. */
export function showTime(iso: string | Date, timezone: string, locale = 'en-GB'): string {
  const at = typeof iso === 'string' ? new Date(iso) : iso;
  const opts: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(locale, { ...opts, timeZone: timezone }).format(at);
  } catch {
    return new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'UTC' }).format(at) + ' UTC';
  }
}

/** The calendar year in the school's zone: the reference's year (a report at 00:30 on 1 January is the new year's). */
export function yearIn(at: Date, timezone: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { year: 'numeric', timeZone: timezone }).format(at);
  } catch {
    return String(at.getUTCFullYear());
  }
}

/** Whole hours and minutes between two times (absolute). */
export function hoursMinutes(ms: number): { hours: number; minutes: number } {
  const total = Math.floor(Math.abs(ms) / 60_000);
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}
