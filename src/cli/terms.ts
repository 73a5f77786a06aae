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
import { DateTime } from 'luxon';
import writeFileAtomic from 'write-file-atomic';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { CliCommand } from '../cli.js';
import { ConfigError, loadSettings, parseSettings, settingsSchema } from '../config.js';
import { showDate, showLocal, termInfos, termSlug, type Term } from '../core/reminders/calendar.js';

/** Shorter than this, an event called "… term" is not a term (a "term starts" marker, an INSET day). */
const MIN_TERM_DAYS = 14;
const DEFAULT_MATCH = /\bterm\b/i;
const HALF_TERM = /\bhalf[\s-]*term\b/i;

export interface ImportedTerms {
  terms: Term[];
  /** Events skipped, with why (for the output): never their description. */
  skipped: { summary: string; why: string }[];
  /** Events used, with something to check (a repeating term). */
  notes: { summary: string; why: string }[];
}

/**
 * Terms from an iCalendar export: events whose summary matches `match` (default: contains "term", not
 * "half term") and last at least two weeks. All-day events end the day before DTEND (it is exclusive);
 * timed events end on their end's local date. A name without a year gets the start's year, so each term
 * of a multi-year calendar has its own name (and key).
 */
export function termsFromICalendar(text: string, zone: string, match: RegExp = DEFAULT_MATCH): ImportedTerms {
  if (!text.trim()) throw new Error('the file is empty');
  const parsed = ICAL.parse(text) as unknown[];
  // Two calendars in one file (exports pasted together) parse to a list of components.
  const roots = (Array.isArray(parsed[0]) ? parsed : [parsed]).map((c) => new ICAL.Component(c as unknown[]));
  if (!roots.some((r) => r.name === 'vcalendar')) throw new Error(`it holds a ${roots[0]?.name.toUpperCase() ?? 'nothing'}, not a VCALENDAR`);
  const vevents = roots.flatMap((r) => (r.name === 'vcalendar' ? r.getAllSubcomponents('vevent') : []));
  const skipped: ImportedTerms['skipped'] = [];
  const notes: ImportedTerms['notes'] = [];
  const terms: Term[] = [];
  for (const vevent of vevents) {
    const event = new ICAL.Event(vevent);
    const summary = (event.summary ?? '').trim();
    if (!match.test(summary) || (match === DEFAULT_MATCH && HALF_TERM.test(summary))) continue;
    if (!event.startDate) {
      skipped.push({ summary, why: 'no start date' });
      continue;
    }
    const start = localDate(event.startDate, zone);
    const endTime = event.endDate ?? event.startDate;
    let end = localDate(endTime, zone);
    // DTEND is exclusive: an all-day end, or a timed end at midnight (Outlook's "00:00 next day"), is the day after the last.
    if ((endTime.isDate || isMidnight(endTime)) && end > start) end = end.minus({ days: 1 });
    const days = end.diff(start, 'days').days + 1;
    if (days < MIN_TERM_DAYS) {
      skipped.push({ summary, why: `${days} day(s): shorter than a term` });
      continue;
    }
    const name = /\b\d{4}\b/.test(summary) ? summary : `${summary} ${start.year}`;
    terms.push({ name, start: start.toISODate()!, end: end.toISODate()! });
    // Term dates differ each year, so a repeating "term" event is almost always a mistake in the calendar:
    // its first dates are used, and the output says so rather than inventing later terms.
    if (event.isRecurring()) notes.push({ summary, why: `repeats: only its first dates (${start.toISODate()} to ${end.toISODate()}) are used; give each year's term its own event` });
  }
  terms.sort((a, b) => a.start.localeCompare(b.start));
  // The same term listed twice (two calendars merged) is kept once.
  const unique = terms.filter((t, i) => terms.findIndex((o) => termSlug(o.name) === termSlug(t.name) && o.start === t.start && o.end === t.end) === i);
  return { terms: unique, skipped, notes };
}

/**
 * The school-local date of an event time. A UTC time ("…Z") is an instant, shown in the school's zone; a
 * time with a TZID, or a floating one, is read as the wall clock it states (a school calendar means its own
 * days), never through the zone of the machine running the import.
 */
function localDate(t: ICAL.Time, zone: string): DateTime {
  if (!t.isDate && t.zone?.tzid === 'UTC') return DateTime.fromISO(`${t.toString().replace(/Z$/, '')}Z`).setZone(zone).startOf('day');
  return DateTime.fromObject({ year: t.year, month: t.month, day: t.day }, { zone });
}

function isMidnight(t: ICAL.Time): boolean {
  return !t.isDate && t.zone?.tzid !== 'UTC' && t.hour === 0 && t.minute === 0 && t.second === 0;
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
  return termInfos(terms, termEndTime, zone).map(
    (t) => `  ${t.name.padEnd(20)} ${showDate(t.start, zone)} to ${showDate(t.end, zone)}   reminder ${showLocal(t.remindAt, zone)}${t.summer ? ' (end of the school year)' : ''}   [${t.id}]`,
  );
}

async function importTerms(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { settings: { type: 'string' }, 'dry-run': { type: 'boolean' }, match: { type: 'string' } } });
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
    imported = termsFromICalendar(readFileSync(file, 'utf8'), zone, match);
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
  usage: 'terms import FILE.ics [--settings FILE] [--dry-run] [--match REGEX]',
  run: importTerms,
};

export const listCommand: CliCommand = {
  summary: 'List the school terms and when each term-end reminder is sent',
  usage: 'terms list [--settings FILE]',
  run: async (args) => listTerms(args),
};
