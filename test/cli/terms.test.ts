/** `safecall terms import FILE.ics` and `terms list`: a real calendar export, a real settings file. */
import { jest } from '@jest/globals';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { loadSettings, parseSettings } from '../../src/config.js';
import { reloadingSettings } from '../../src/settings-reload.js';

const ICS = new URL('./fixtures/school-calendar.ics', import.meta.url).pathname;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const run = async (argv: string[]) => {
  const r = await runCli(argv);
  return { code: r.code, out: r.all };
};

const SETTINGS = `# Hillside's settings
school:
  name: Hillside Primary   # shown in messages
# Our terms (the trust sets them)
terms:
  - { name: Old term, start: 2025-09-01, end: 2025-12-19 }
reminders:
  termEndTime: "14:30"     # the end of the school day
`;

let dir: string;
let settingsPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safecall-terms-'));
  settingsPath = join(dir, 'settings.yaml');
  writeFileSync(settingsPath, SETTINGS, { mode: 0o640 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const EXPECTED = [
  { name: 'Autumn Term 2026', start: '2026-09-03', end: '2026-12-18' },
  { name: 'Spring Term 2027', start: '2027-01-05', end: '2027-03-26' },
  { name: 'Summer Term 2027', start: '2027-04-12', end: '2027-07-22' },
];

test('--dry-run shows the terms found (all-day DTEND is exclusive; half term, INSET day and sports day left out) and writes nothing', async () => {
  const { code, out } = await run(['terms', 'import', ICS, '--settings', settingsPath, '--dry-run']);
  expect(code).toBe(0);
  expect(out).toMatch(/3 term\(s\)/);
  expect(out).toMatch(/Autumn Term 2026 +Thu 3 Sept? 2026 to Fri 18 Dec 2026 +reminder Friday 18 December 2026 at 14:30\n/);
  expect(out).toMatch(/Summer Term 2027 .*\(end of the school year\)/);
  expect(out).toMatch(/skipped "INSET day \(before term\)": 1 day\(s\)/);
  expect(out).not.toMatch(/Half Term|Sports day|Private note/);
  expect(out).toMatch(/Dry run/);
  expect(readFileSync(settingsPath, 'utf8')).toBe(SETTINGS);
  expect(readdirSync(dir)).toEqual(['settings.yaml']);
});

test('the import replaces the terms in the settings file, keeps its comments and mode, and keeps a backup', async () => {
  const { code, out } = await run(['terms', 'import', ICS, '--settings', settingsPath]);
  expect(code).toBe(0);
  expect(out).toMatch(/picks the new terms up at its next tick/);
  const text = readFileSync(settingsPath, 'utf8');
  expect(text).toMatch(/^# Hillside's settings/);
  expect(text).toMatch(/name: Hillside Primary +# shown in messages/);
  expect(text).toMatch(/# Our terms \(the trust sets them\)\nterms:/);
  expect(text).toMatch(/termEndTime: "14:30" +# the end of the school day/);
  expect(text).toMatch(/- \{ name: Autumn Term 2026, start: 2026-09-03, end: 2026-12-18 \}/);
  expect(parseSettings(text, 'test').terms).toEqual(EXPECTED);
  const backups = readdirSync(dir).filter((f) => f.endsWith('.bak'));
  expect(backups).toHaveLength(1);
  expect(readFileSync(join(dir, backups[0]!), 'utf8')).toBe(SETTINGS);
  expect(((await import('node:fs')).statSync(settingsPath).mode & 0o777).toString(8)).toBe('640');
});

test('a running server picks the imported terms up at its next tick, and keeps the last good ones if the file breaks', async () => {
  const log = { ...silent, warn: jest.fn() };
  const current = reloadingSettings(settingsPath, loadSettings(settingsPath), log);
  expect(current().terms.map((t) => t.name)).toEqual(['Old term']);
  await new Promise((r) => setTimeout(r, 20)); // a later modification time than the first write
  expect((await run(['terms', 'import', ICS, '--settings', settingsPath])).code).toBe(0);
  expect(current().terms).toEqual(EXPECTED);
  await new Promise((r) => setTimeout(r, 20));
  writeFileSync(settingsPath, 'terms: [ { name: broken');
  expect(current().terms).toEqual(EXPECTED);
  expect(log.warn).toHaveBeenCalledTimes(1);
});

test('a file that is not iCalendar, or has no terms, writes nothing and exits 1', async () => {
  const bad = join(dir, 'bad.ics');
  writeFileSync(bad, 'this is not a calendar');
  const r1 = await run(['terms', 'import', bad, '--settings', settingsPath]);
  expect(r1.code).toBe(1);
  expect(r1.out).toMatch(/is not a valid iCalendar file/);
  const empty = join(dir, 'empty.ics');
  writeFileSync(empty, 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n');
  const r2 = await run(['terms', 'import', empty, '--settings', settingsPath]);
  expect(r2.code).toBe(1);
  expect(r2.out).toMatch(/no terms found/);
  expect((await run(['terms', 'import', join(dir, 'missing.ics'), '--settings', settingsPath])).out).toMatch(/cannot be read \(ENOENT\)/);
  expect(readFileSync(settingsPath, 'utf8')).toBe(SETTINGS);
  expect(readdirSync(dir).filter((f) => f.endsWith('.bak'))).toEqual([]);
});

test('an empty file and a vCard are refused in plain words, writing nothing', async () => {
  const empty = join(dir, 'empty.ics');
  writeFileSync(empty, '');
  const card = join(dir, 'contact.vcf');
  writeFileSync(card, 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n');
  const r1 = await run(['terms', 'import', empty, '--settings', settingsPath]);
  expect(r1).toEqual({ code: 1, out: expect.stringMatching(/empty\.ics is not a valid iCalendar file: the file is empty$/) });
  const r2 = await run(['terms', 'import', card, '--settings', settingsPath]);
  expect(r2).toEqual({ code: 1, out: expect.stringMatching(/it holds a VCARD, not a VCALENDAR/) });
  expect(readFileSync(settingsPath, 'utf8')).toBe(SETTINGS);
  expect(readdirSync(dir).filter((f) => f.endsWith('.bak'))).toEqual([]);
});

test('a repeating "term" event gives each occurrence (ical.js expands the RRULE, EXDATEs left out), and the output says to check them', async () => {
  const ics = join(dir, 'repeating.ics');
  writeFileSync(
    ics,
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VEVENT', 'UID:r1', 'DTSTAMP:20260101T000000Z', 'DTSTART;VALUE=DATE:20260902', 'DTEND;VALUE=DATE:20261219', 'RRULE:FREQ=YEARLY;COUNT=3', 'EXDATE;VALUE=DATE:20270902', 'SUMMARY:Autumn term', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
  );
  const { code, out } = await run(['terms', 'import', ics, '--dry-run']);
  expect(code).toBe(0);
  expect(out).toMatch(/2 term\(s\)/);
  expect(out).toMatch(/Autumn term 2026 +Wed 2 Sept? 2026 to Fri 18 Dec 2026/);
  expect(out).toMatch(/Autumn term 2028 +Sat 2 Sept? 2028 to Mon 18 Dec 2028/);
  expect(out).not.toMatch(/Autumn term 2027/);
  expect(out).toMatch(/note: "Autumn term" repeats: 2 occurrence\(s\) read as terms \(its exceptions applied\); check each year's dates/);
});

test.each(['UTC', 'America/New_York', 'Asia/Tokyo'])(
  'Outlook (TZID, midnight end) and council (TZID Europe/London, UTC) exports give the same school days on a machine in %s',
  async (tz) => {
    const saved = process.env.TZ;
    process.env.TZ = tz;
    try {
      const outlook = await run(['terms', 'import', new URL('./fixtures/outlook-calendar.ics', import.meta.url).pathname, '--dry-run']);
      expect(outlook.code).toBe(0);
      expect(outlook.out).toMatch(/Autumn term 2026 +Wed 2 Sept? 2026 to Fri 18 Dec 2026/);
      expect(outlook.out).toMatch(/Spring term 2027 +Tue 5 Jan 2027 to Fri 26 Mar 2027/);
      // DTEND 2027-07-24T00:00 "GMT Standard Time" is exclusive: the term's last day is Friday 23 July.
      expect(outlook.out).toMatch(/Summer term 2027 +Mon 12 Apr 2027 to Fri 23 Jul 2027/);
      const council = await run(['terms', 'import', new URL('./fixtures/council-calendar.ics', import.meta.url).pathname, '--dry-run']);
      expect(council.code).toBe(0);
      expect(council.out).toMatch(/Autumn term 2026 +Thu 3 Sept? 2026 to Fri 18 Dec 2026/);
      expect(council.out).toMatch(/Spring term 2027 +Mon 4 Jan 2027 to Fri 26 Mar 2027/);
      expect(council.out).toMatch(/skipped "Term club"/);
      expect(council.out).not.toMatch(/half-term 20/);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  },
);

test('without a settings file it refuses to write, and --match picks other events', async () => {
  const saved = process.env.SAFECALL_SETTINGS;
  delete process.env.SAFECALL_SETTINGS;
  try {
    expect((await run(['terms', 'import', ICS])).code).toBe(2);
    const { code, out } = await run(['terms', 'import', ICS, '--dry-run', '--match', '^(Autumn|Spring)']);
    expect(code).toBe(0);
    expect(out).toMatch(/2 term\(s\)/);
  } finally {
    if (saved !== undefined) process.env.SAFECALL_SETTINGS = saved;
  }
});

test('terms list: the defaults when the settings name none, with the reminder times', async () => {
  const none = join(dir, 'none.yaml');
  copyFileSync(settingsPath, none);
  writeFileSync(none, 'school:\n  name: Hillside Primary\n');
  const { code, out } = await run(['terms', 'list', '--settings', none]);
  expect(code).toBe(0);
  expect(out).toMatch(/Autumn 2026 .*reminder Friday 18 December 2026 at 15:00/);
  expect(out).toMatch(/Summer 2028/);
});

describe('calendars as schools and councils export them', () => {
  const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
  const termsIn = async (name: string, extra: string[] = []) => {
    const r = await run(['terms', 'import', fixture(name), '--settings', settingsPath, ...extra]);
    return { ...r, terms: r.code === 0 ? parseSettings(readFileSync(settingsPath, 'utf8'), 'test').terms : undefined };
  };

  test('Google Calendar (a VTIMEZONE, one-off events in UTC ending at the school\'s midnight, weekly clubs with EXDATEs, 210 events in folded CRLF lines): each term ends on its last school day, not a day late', async () => {
    const started = Date.now();
    const { code, out, terms } = await termsIn('google-calendar.ics');
    expect(code).toBe(0);
    expect(terms).toEqual([
      { name: 'Autumn Term 2026', start: '2026-09-03', end: '2026-12-18' },
      { name: 'Spring Term 2027', start: '2027-01-04', end: '2027-03-26' },
      { name: 'Summer Term 2027', start: '2027-04-12', end: '2027-07-21' },
      { name: 'Autumn Term 2027', start: '2027-09-01', end: '2027-12-17' },
      { name: 'Spring Term 2028', start: '2028-01-04', end: '2028-04-07' },
      { name: 'Summer Term 2028', start: '2028-04-24', end: '2028-07-21' },
    ]);
    expect(out).toMatch(/skipped "End of term disco": 1 day\(s\): shorter than a term/);
    expect(out).toMatch(/skipped "Coding club – term 2": 1 day\(s\) each time it repeats/);
    expect(out).not.toMatch(/Half Term|INSET|Football|newsletter|office@/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('Outlook keeps a term that moved as STATUS:CANCELLED: it is left out and listed, not imported or in the way; a term running to the Saturday is written as the Friday, and said so', async () => {
    const { code, out, terms } = await termsIn('outlook-export.ics');
    expect(code).toBe(0);
    expect(terms).toEqual([
      { name: 'Autumn term 2026', start: '2026-09-02', end: '2026-12-18' },
      { name: 'Spring term 2027', start: '2027-01-05', end: '2027-03-26' },
      { name: 'Summer term 2027', start: '2027-04-12', end: '2027-07-23' },
    ]);
    expect(out).toMatch(/skipped "Summer term": cancelled in the calendar \(2027-04-19 to 2027-07-21\)/);
    expect(out).toMatch(/note: "Summer term 2027" ends on Saturday 24 July 2027 in the calendar: written as Friday 23 July 2027, so its reminder goes on a school day \(--weekend-ends keep writes the calendar's date\)/);
    expect(out).toMatch(/Summer term 2027 +Mon 12 Apr 2027 to Fri 23 Jul 2027 +reminder Friday 23 July 2027 at 14:30/);
  });

  test('--weekend-ends keep writes the calendar\'s Saturday, with a warning that the reminder goes that day; any other value is refused', async () => {
    const { code, out, terms } = await termsIn('outlook-export.ics', ['--weekend-ends', 'keep']);
    expect(code).toBe(0);
    expect(terms?.at(-1)).toEqual({ name: 'Summer term 2027', start: '2027-04-12', end: '2027-07-24' });
    expect(out).toMatch(/note: "Summer term 2027" ends on Saturday 24 July 2027: its reminder will go that day \(--weekend-ends friday writes the Friday before\)/);
    const listed = await run(['terms', 'list', '--settings', settingsPath]);
    expect(listed.out).toMatch(/Summer term 2027 .*\(ends on a Saturday: the reminder goes that day\)/);
    const bad = await run(['terms', 'import', fixture('outlook-export.ics'), '--settings', settingsPath, '--weekend-ends', 'monday']);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/--weekend-ends must be friday .* or keep/);
  });

  test('a council feed with a byte-order mark, floating times, a yearly term with an EXDATE and one occurrence moved (RECURRENCE-ID), and a term listed to the Sunday', async () => {
    expect(readFileSync(fixture('council-term-dates.ics')).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const { code, out, terms } = await termsIn('council-term-dates.ics');
    expect(code).toBe(0);
    expect(terms).toEqual([
      { name: 'Autumn term 2026', start: '2026-09-03', end: '2026-12-18' },
      { name: 'Spring term 2027', start: '2027-01-04', end: '2027-03-26' },
      { name: 'Summer term 2027', start: '2027-04-12', end: '2027-07-21' },
      { name: 'Autumn term 2027', start: '2027-09-02', end: '2027-12-17' },
      { name: 'Spring term 2028', start: '2028-01-04', end: '2028-04-07' },
      { name: 'Summer term 2028', start: '2028-04-24', end: '2028-07-21' },
    ]);
    expect(out).toMatch(/note: "Summer term" repeats: 2 occurrence\(s\) read as terms/);
    expect(out).toMatch(/note: "Spring term 2028" ends on Sunday 9 April 2028 in the calendar: written as Friday 7 April 2028/);
    expect(out).not.toMatch(/half term|Christmas|Easter|bank holiday/i);
  });

  test('a UTF-8 byte-order mark in front of any export is read, not a JavaScript error', async () => {
    const bom = join(dir, 'bom.ics');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(ICS)]));
    const { code, out } = await run(['terms', 'import', bom, '--dry-run']);
    expect(code).toBe(0);
    expect(out).toMatch(/3 term\(s\)/);
    expect(out).not.toMatch(/TypeError|invalid line|is not a valid/);
  });

  test.each(['UTC', 'America/New_York', 'Asia/Tokyo'])('each export gives the same school days on a machine in %s', async (tz) => {
    const saved = process.env.TZ;
    process.env.TZ = tz;
    try {
      for (const name of ['google-calendar.ics', 'outlook-export.ics', 'council-term-dates.ics']) {
        const { code, out } = await run(['terms', 'import', fixture(name), '--dry-run']);
        expect(code).toBe(0);
        expect(out).toMatch(/Autumn [Tt]erm 2026 +\w{3} \d Sept? 2026 to Fri 18 Dec 2026/);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
