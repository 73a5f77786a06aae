/** Encryption at rest (the raw store holds no narrative) and the breach log: CSV for Excel, JSON with timelines, the chat command. */
import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { Prompt } from '../../src/core/prompt.js';
import { aesSealer } from '../../src/core/sealer.js';
import { breachLogCsv, breachLogJson, CSV_COLUMNS, neutralise } from '../../src/core/records/report-export.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues, textOf } from './incidents.harness.js';

const SECRETS = ['stranger joined', 'home address', '7B science', 'Removed them', 'screenshot', 'Head of year', 'Sam Pupil', 'Distress for the pupil', 'Phoned'];

async function caseWithHistory(w: World) {
  await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
  const risk = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.risk, 'INC-2027-0001'));
  await w.submit(PEOPLE.dpo, DPO_CHANNEL, risk, { [T.risk]: 'risk', [T.consequences]: 'Distress for the pupil' });
  const decision = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, 'INC-2027-0001'));
  await w.submit(PEOPLE.dpo, DPO_CHANNEL, decision, { [T.decision]: 'not-reported', [T.reason]: 'Phoned the family; contained within the hour' });
}

test('with a data key, the raw store holds none of the report content, and the outbox holds the alert sealed', async () => {
  const sealer = aesSealer(randomBytes(32));
  const w = new World({ sealer });
  await caseWithHistory(w);
  const raw = JSON.stringify({ reports: await w.store.reports.list(), deliveries: await w.store.deliveries.list(), runtime: await w.store.runtime.list(), timers: await w.store.timers.list() });
  for (const s of SECRETS) expect(raw).not.toContain(s);
  expect(raw).toContain('INC-2027-0001');
  // The export opens it all again.
  const json = JSON.parse(breachLogJson(await w.store.reports.list(), sealer, w.now)) as { reports: { facts: { narrative: string }; timeline: { text?: string }[] }[] };
  expect(json.reports[0]!.facts.narrative).toMatch(/stranger joined/);
  expect(json.reports[0]!.timeline.map((e) => e.text)).toEqual(['Distress for the pupil', 'Phoned the family; contained within the hour']);
});

test('the CSV: a byte-order mark, every field quoted, one row per report with its latest state, read back intact', async () => {
  const w = new World();
  await caseWithHistory(w);
  const csv = breachLogCsv(await w.store.reports.list(), w.deps.sealer);
  expect(csv.startsWith('\uFEFF"reference","status"')).toBe(true);
  expect(csv).toContain('\r\n');
  const rows = parse(csv.slice(1), { columns: true }) as Record<string, string>[];
  expect(rows).toHaveLength(1);
  expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
  expect(rows[0]).toMatchObject({
    reference: 'INC-2027-0001',
    status: 'open',
    category: 'uninvited',
    reporter_name: 'Sam Pupil',
    what_happened: 'A stranger joined 7B science and shouted a pupil’s home address.',
    occurred_at_utc: '2027-03-01T08:00:00.000Z',
    ico_deadline_utc: '2027-03-04T09:00:00.000Z',
    risk: 'risk',
    likely_consequences: 'Distress for the pupil',
    ico_decision: 'not-reported',
    not_reported_reason: 'Phoned the family; contained within the hour',
    decision_late: 'no',
  });
});

test.each(['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])('a cell starting %j is neutralised', async (evil) => {
  expect(neutralise(evil)).toBe(`'${evil}`);
  const w = new World();
  await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now, { what: `${evil} and more`, told: evil }));
  const rows = parse(breachLogCsv(await w.store.reports.list(), w.deps.sealer).slice(1), { columns: true, relax_column_count: false }) as Record<string, string>[];
  // Trimmed fields (a leading tab or CR is not kept by the form) still start safely.
  for (const cell of [rows[0]!.what_happened!, rows[0]!.others_told!]) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  expect(neutralise('A normal sentence')).toBe('A normal sentence');
});

test('"breach log" in chat gives the DPO the CSV file; anyone else is not permitted', async () => {
  const w = new World();
  await caseWithHistory(w);
  const replies = await w.command(PEOPLE.dpo, DPO_CHANNEL, 'log');
  const file = replies[0]!;
  if (file.mode !== 'file') throw new Error(file.mode);
  expect(file.file).toMatchObject({ name: 'breach-log-2027-03-01.csv', mime: 'text/csv' });
  expect(file.file.content).toBe(breachLogCsv(await w.store.reports.list(), w.deps.sealer));
  expect(textOf(file.prompt)).toMatch(/number of reports: 1/);
  const refused = await w.command(PEOPLE.teacher, DM, 'log');
  expect(refused[0]!.mode).toBe('private');
  expect(textOf((refused[0] as { prompt: Prompt }).prompt)).toMatch(/not permitted/);
});

/** Every key path in a JSON value, array positions folded to `[]`. */
function keyPaths(x: unknown, at = ''): string[] {
  if (Array.isArray(x)) return [...new Set(x.flatMap((v) => keyPaths(v, `${at}[]`)))];
  if (!x || typeof x !== 'object') return [];
  return Object.entries(x).flatMap(([k, v]) => [`${at}.${k}`, ...keyPaths(v, `${at}.${k}`)]);
}

test('the JSON breach log holds what the DPO and the ICO need and nothing of SafeCall\'s bookkeeping, even fields it has never seen', async () => {
  const w = new World();
  await caseWithHistory(w);
  const told = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.told, 'INC-2027-0001'));
  await w.submit(PEOPLE.dpo, DPO_CHANNEL, told, { [T.toldAt]: w.now.toISOString(), [T.how]: 'Phoned' });
  await w.action(PEOPLE.dpo, DPO_CHANNEL, A.close, 'INC-2027-0001');
  // A field a later SafeCall (or a hand edit) might add to the record, at each level.
  const stored = (await w.store.reports.list()).map((r) => ({ ...r, internal: 'x', timeline: r.timeline.map((e) => ({ ...e, internal: 'x' })) }));
  const json = JSON.parse(breachLogJson(stored, w.deps.sealer, w.now)) as { reports: unknown[] };
  const paths = [...new Set(keyPaths(json.reports, 'reports'))].sort();
  expect(paths).toEqual(
    [
      'ref', 'status', 'category', 'callPlatform', 'reporter', 'reporter.platform', 'reporter.id', 'reporter.name',
      'occurredAt', 'discoveredAt', 'reportedAt', 'awareAt', 'deadlineAt', 'closedAt', 'subjects', 'howMany', 'specialCategory',
      'facts', 'facts.meeting', 'facts.narrative', 'facts.actionsTaken', 'facts.evidence', 'facts.othersTold',
      'timeline', 'timeline[].kind', 'timeline[].at', 'timeline[].by', 'timeline[].by.platform', 'timeline[].by.id',
      'timeline[].risk', 'timeline[].decision', 'timeline[].text', 'timeline[].toldAt',
    ].map((p) => `reports[].${p}`).sort(),
  );
  const raw = JSON.stringify(json);
  for (const internal of ['submission', 'alerts', 'C-DPO', 'internal', '"v"', '"id":"acknowledged"']) expect(raw).not.toContain(internal);
  expect(raw).toContain('Sam Pupil');
});

test("the JSON breach log keeps the DPO's recorded awareness time with the time it replaced and the reason, as the Article 33(5) record needs", async () => {
  const w = new World();
  await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
  const reported = (await w.store.reports.get('INC-2027-0001'))!;
  const earlier = new Date(Date.parse(reported.occurredAt) + 10 * 60_000).toISOString();
  const aware = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.aware, 'INC-2027-0001'));
  await w.submit(PEOPLE.dpo, DPO_CHANNEL, aware, { [T.awareAt]: earlier, [T.awareReason]: 'The head of year knew on Monday' });
  const json = JSON.parse(breachLogJson(await w.store.reports.list(), w.deps.sealer, w.now)) as { reports: { awareAt: string; timeline: Record<string, unknown>[] }[] };
  const entry = json.reports[0]!.timeline.find((e) => e.kind === 'aware');
  expect(entry).toEqual(expect.objectContaining({ awareAt: earlier, previousAwareAt: reported.awareAt, text: 'The head of year knew on Monday' }));
  expect(json.reports[0]!.awareAt).toBe(earlier);
});
