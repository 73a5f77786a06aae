/**
 * `safecall terms import FILE.ics` and `safecall terms list`. The terms live in the settings file, not the
 * store: the CLI never writes the store (lowdb allows one writer per data dir, and the server is it), and a
 * running server re-reads the settings file's terms at its next tick (src/settings-reload.ts).
 * The import keeps the file's comments and layout (yaml's Document API), writes a backup first, and
 * `--dry-run` shows the terms without writing.
 */
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import writeFileAtomic from 'write-file-atomic';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { CliCommand } from '../cli.js';
import { ConfigError, loadSettings, parseSettings, settingsSchema } from '../config.js';
import { showDate, showLocal, termInfos, termSlug, weekendDay, type Term } from '../core/reminders/calendar.js';

/** Shorter than this, an event called "… term" is not a term (a "term starts" marker, an INSET day). */
const MIN_TERM_DAYS = 14;
const DEFAULT_MATCH = /\bterm\b/i;
const HALF_TERM = /\bhalf[\s-]*term\b/i;
/** A repeating term event is read for at most this many occurrences, within this many years of its first. */
const MAX_OCCURRENCES = 10;
const MAX_REPEAT_YEARS = 6;

/** What to do with a term that ends on a Saturday or Sunday: write the Friday before (the default), or keep the date. */
export type WeekendEnds = 'friday' | 'keep';

export interface ImportedTerms {
  terms: Term[];
  /** Events skipped, with why (for the output): never their description. */
  skipped: { summary: string; why: string }[];
  /** Events used, with something to check (a repeating term, a weekend end). */
  notes: { summary: string; why: string }[];
}

/** One occurrence of an event: its start and end, and whether it is cancelled. */
interface Occurrence {
  start: ICAL.Time;
  end: ICAL.Time;
  /** The component the times come from (the event, or the exception that moved this occurrence). */
  from: ICAL.Component;
  cancelled: boolean;
}

const isCancelled = (c: ICAL.Component) => String(c.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';

/** An event's occurrences: itself, or for a repeating one (RRULE), each occurrence with its EXDATEs left out and its moved or cancelled ones (RECURRENCE-ID) as moved or cancelled. */
function occurrences(event: ICAL.Event): Occurrence[] {
  const one = (start: ICAL.Time, end: ICAL.Time, from: ICAL.Component): Occurrence => ({ start, end, from, cancelled: isCancelled(from) });
  if (!event.isRecurring()) return [one(event.startDate, event.endDate ?? event.startDate, event.component)];
  const out: Occurrence[] = [];
  const it = event.iterator();
  const until = event.startDate.year + MAX_REPEAT_YEARS;
  for (let next = it.next(); next && out.length < MAX_OCCURRENCES && next.year <= until; next = it.next()) {
    const d = event.getOccurrenceDetails(next);
    out.push(one(d.startDate, d.endDate ?? d.startDate, d.item.component));
  }
  return out;
}

/**
 * Terms from an iCalendar export: events whose summary matches `match` (default: contains "term", not
 * "half term") and last at least two weeks. All-day events end the day before DTEND (it is exclusive), and
 * so does a timed event ending at the school's midnight (Outlook's "00:00 next day", Google's UTC times);
 * other timed events end on their end's school-local date. Cancelled events (STATUS:CANCELLED, which
 * Outlook keeps when a term moves) are left out and listed. A repeating event gives each occurrence (EXDATEs
 * and moved occurrences applied by ical.js). A term ending on a weekend ends on the Friday before unless
 * `weekendEnds` is `keep`; either way the output says so. A name without a year gets the start's year, so
 * each term of a multi-year calendar has its own name.
 */
export function termsFromICalendar(text: string, zone: string, match: RegExp = DEFAULT_MATCH, opts: { weekendEnds?: WeekendEnds } = {}): ImportedTerms {
  // A UTF-8 byte-order mark (Windows tools write one) is not part of the calendar.
  const body = text.replace(/^\uFEFF/, '');
  if (!body.trim()) throw new Error('the file is empty');
  const parsed = ICAL.parse(body) as unknown[];
  // Two calendars in one file (exports pasted together) parse to a list of components.
  const roots = (Array.isArray(parsed[0]) ? parsed : [parsed]).map((c) => new ICAL.Component(c as unknown[]));
  if (!roots.some((r) => r.name === 'vcalendar')) throw new Error(`it holds a ${roots[0]?.name.toUpperCase() ?? 'nothing'}, not a VCALENDAR`);
  const calendars = roots.filter((r) => r.name === 'vcalendar');
  // Times with a TZID are read in the zone the file defines (VTIMEZONE), as ical.js resolves them.
  ICAL.TimezoneService.reset();
  for (const c of calendars) for (const tz of c.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const vevents = calendars.flatMap((r) => r.getAllSubcomponents('vevent'));
  const uidOf = (v: ICAL.Component) => String(v.getFirstPropertyValue('uid') ?? '');
  const masters = new Set(vevents.filter((v) => !v.hasProperty('recurrence-id')).map(uidOf));
  const skipped: ImportedTerms['skipped'] = [];
  const notes: ImportedTerms['notes'] = [];
  const terms: Term[] = [];
  try {
    for (const vevent of vevents) {
      // A moved or cancelled occurrence of a repeating event is read with its event (unless it has none).
      if (vevent.hasProperty('recurrence-id') && masters.has(uidOf(vevent))) continue;
      const exceptions = vevents.filter((v) => v !== vevent && v.hasProperty('recurrence-id') && uidOf(v) === uidOf(vevent));
      const event = new ICAL.Event(vevent, { exceptions });
      const summary = (event.summary ?? '').trim();
      if (!match.test(summary) || (match === DEFAULT_MATCH && HALF_TERM.test(summary))) continue;
      if (!event.startDate) {
        skipped.push({ summary, why: 'no start date' });
        continue;
      }
      const found = occurrences(event);
      let added = 0;
      let shortest = Infinity;
      for (const o of found) {
        const start = schoolDate(o.start, o.from, 'dtstart', zone);
        let end = schoolDate(o.end, o.from, o.from.hasProperty('dtend') ? 'dtend' : 'dtstart', zone);
        // DTEND is exclusive: an all-day end, or a timed end at the school's midnight, is the day after the last.
        if ((o.end.isDate || end.isMidnight) && end.date > start.date) end = { date: end.date.minus({ days: 1 }), isMidnight: false };
        const days = end.date.diff(start.date, 'days').days + 1;
        const when = `${start.date.toISODate()} to ${end.date.toISODate()}`;
        if (o.cancelled) {
          skipped.push({ summary, why: `cancelled in the calendar (${when})` });
          continue;
        }
        if (days < MIN_TERM_DAYS) {
          shortest = Math.min(shortest, days);
          continue;
        }
        const named = /\b\d{4}\b/.test(summary) && found.length === 1 ? summary : `${summary.replace(/\s*\b\d{4}\b/, '')} ${start.date.year}`;
        let last = end.date;
        if (last.weekday >= 6) {
          const friday = last.minus({ days: last.weekday - 5 });
          const day = last.toFormat('cccc d LLLL yyyy');
          if ((opts.weekendEnds ?? 'friday') === 'friday' && friday >= start.date) {
            notes.push({ summary: named, why: `ends on ${day} in the calendar: written as ${friday.toFormat('cccc d LLLL yyyy')}, so its reminder goes on a school day (--weekend-ends keep writes the calendar's date)` });
            last = friday;
          } else notes.push({ summary: named, why: `ends on ${day}: its reminder will go that day (--weekend-ends friday writes the Friday before)` });
        }
        terms.push({ name: named, start: start.date.toISODate()!, end: last.toISODate()! });
        added += 1;
      }
      if (!added && shortest !== Infinity) skipped.push({ summary, why: `${shortest} day(s)${found.length > 1 ? ' each time it repeats' : ''}: shorter than a term` });
      if (added && event.isRecurring()) notes.push({ summary, why: `repeats: ${added} occurrence(s) read as terms (its exceptions applied); check each year's dates` });
    }
  } finally {
    ICAL.TimezoneService.reset();
  }
  terms.sort((a, b) => a.start.localeCompare(b.start));
  // The same term listed twice (two calendars merged) is kept once.
  const unique = terms.filter((t, i) => terms.findIndex((o) => termSlug(o.name) === termSlug(t.name) && o.start === t.start && o.end === t.end) === i);
  return { terms: unique, skipped, notes };
}

/**
 * The school-local date of an event time, and whether it falls at the school's midnight. A date is the date;
 * a UTC time or one in a zone the file defines (VTIMEZONE) is an instant, seen from the school's zone; a
 * time whose TZID is a zone name the file does not define (Europe/London) is read in that zone; a floating
 * time, or one in a zone nobody can place, is the school's own wall clock, never the zone of the machine
 * running the import.
 */
function schoolDate(t: ICAL.Time, from: ICAL.Component, prop: string, zone: string): { date: DateTime; isMidnight: boolean } {
  const wall = { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
  if (t.isDate) return { date: DateTime.fromObject({ year: t.year, month: t.month, day: t.day }, { zone }), isMidnight: false };
  let local: DateTime;
  const tzid = String(from.getFirstProperty(prop)?.getParameter('tzid') ?? '');
  if (t.zone && t.zone.tzid !== 'floating') local = DateTime.fromSeconds(t.toUnixTime(), { zone });
  else if (tzid && IANAZone.isValidZone(tzid)) local = DateTime.fromObject(wall, { zone: tzid }).setZone(zone);
  else local = DateTime.fromObject(wall, { zone });
  return { date: local.startOf('day'), isMidnight: local.hour === 0 && local.minute === 0 && local.second === 0 };
}

/** The settings text with `terms` replaced, comments and the rest of the file kept. */
export function withTerms(settingsText: string, terms: Term[]): string {
  const doc = parseDocument(settingsText);
  if (doc.contents !== null && !isMap(doc.contents)) throw new ConfigError(['is not a map of settings'], 'The settings file');
  const node = doc.createNode(terms.map((t) => ({ name: t.name, start: t.start, end: t.end })));
  if (isSeq(node)) for (const item of node.items) if (isMap(item)) item.flow = true;
  doc.set('terms', node);
  return doc.toString();
}

function lines(terms: Term[], zone: string, termEndTime: string): string[] {
  return termInfos(terms, termEndTime, zone).map((t) => {
    const day = weekendDay(t.end, zone);
    const weekend = day ? `   (ends on a ${day}: the reminder goes that day)` : '';
    return `  ${t.name.padEnd(20)} ${showDate(t.start, zone)} to ${showDate(t.end, zone)}   reminder ${showLocal(t.remindAt, zone)}${t.summer ? ' (end of the school year)' : ''}${weekend}`;
  });
}

async function importTerms(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { settings: { type: 'string' }, 'dry-run': { type: 'boolean' }, match: { type: 'string' }, 'weekend-ends': { type: 'string' } } });
  } catch (err) {
    console.error(`safecall terms import: ${(err as Error).message}`);
    return 2;
  }
  const [file] = parsed.positionals;
  const opts = parsed.values;
  if (!file) {
    console.error('safecall terms import: name the calendar file, e.g. safecall terms import school-calendar.ics');
    return 2;
  }
  const settingsPath = opts.settings ?? process.env.SAFECALL_SETTINGS;
  if (!settingsPath && !opts['dry-run']) {
    console.error('safecall terms import: name the settings file to write the terms into (--settings FILE, or set SAFECALL_SETTINGS), or use --dry-run');
    return 2;
  }
  const weekendEnds = opts['weekend-ends'] ?? 'friday';
  if (weekendEnds !== 'friday' && weekendEnds !== 'keep') {
    console.error('safecall terms import: --weekend-ends must be friday (write the Friday before a term that ends on a weekend) or keep');
    return 2;
  }
  let match: RegExp | undefined;
  try {
    match = opts.match ? new RegExp(opts.match, 'i') : undefined;
  } catch {
    console.error(`safecall terms import: --match is not a valid regular expression`);
    return 2;
  }
  let settingsText = '';
  let settings;
  try {
    settingsText = settingsPath ? readFileSync(settingsPath, 'utf8') : '';
    settings = settingsPath ? parseSettings(settingsText, `The settings file ${settingsPath}`) : settingsSchema.parse({});
  } catch (err) {
    console.error(`safecall terms import: ${err instanceof ConfigError ? err.message : `cannot read ${settingsPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`}`);
    return 1;
  }
  const zone = settings.school.timezone;
  let imported: ImportedTerms;
  try {
    imported = termsFromICalendar(readFileSync(file, 'utf8'), zone, match, { weekendEnds });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(`safecall terms import: ${file} ${code ? `cannot be read (${code})` : `is not a valid iCalendar file: ${(err as Error).message.split('\n')[0]}`}`);
    return 1;
  }
  for (const s of imported.skipped) console.log(`skipped "${s.summary}": ${s.why}`);
  for (const s of imported.notes) console.log(`note: "${s.summary}" ${s.why}`);
  if (!imported.terms.length) {
    console.error(`safecall terms import: no terms found in ${file} (events named "… term" lasting two weeks or more; use --match to pick others). Nothing written.`);
    return 1;
  }
  const next = withTerms(settingsText, imported.terms);
  try {
    parseSettings(next, 'The imported terms');
  } catch (err) {
    console.error(`safecall terms import: ${(err as Error).message}\nNothing written.`);
    return 1;
  }
  console.log(`${imported.terms.length} term(s) from ${file}:`);
  console.log(lines(imported.terms, zone, settings.reminders.termEndTime).join('\n'));
  if (opts['dry-run'] || !settingsPath) {
    console.log('Dry run: the settings file was not changed.');
    return 0;
  }
  const stamp = DateTime.utc().toFormat("yyyyLLdd'T'HHmmss");
  const backup = `${settingsPath}.${stamp}.bak`;
  copyFileSync(settingsPath, backup);
  await writeFileAtomic(settingsPath, next, { mode: statSync(settingsPath).mode & 0o777 });
  console.log(`Written to ${settingsPath} (the old file is kept as ${backup}).`);
  console.log('A running SafeCall picks the new terms up at its next tick; there is no need to restart it.');
  return 0;
}

function listTerms(args: string[]): number {
  let opts;
  try {
    opts = parseArgs({ args, options: { settings: { type: 'string' } } }).values;
  } catch (err) {
    console.error(`safecall terms list: ${(err as Error).message}`);
    return 2;
  }
  let settings;
  try {
    settings = loadSettings(opts.settings ?? process.env.SAFECALL_SETTINGS);
  } catch (err) {
    console.error(`safecall terms list: ${(err as Error).message}`);
    return 1;
  }
  if (!settings.terms.length) {
    console.log('No terms are set: no term-end reminders will be sent.');
    return 0;
  }
  console.log(`Terms (${settings.school.timezone}):`);
  console.log(lines(settings.terms, settings.school.timezone, settings.reminders.termEndTime).join('\n'));
  return 0;
}

export const importCommand: CliCommand = {
  summary: 'Import the school terms from a calendar export (.ics) into the settings file',
  usage: 'terms import FILE.ics [--settings FILE] [--dry-run] [--match REGEX] [--weekend-ends friday|keep]',
  run: importTerms,
};

export const listCommand: CliCommand = {
  summary: 'List the school terms and when each term-end reminder is sent',
  usage: 'terms list [--settings FILE]',
  run: async (args) => listTerms(args),
};
