/** `safecall reports export|purge` over a real lowdb store: the breach log decrypted, --since, retention with --dry-run, the lock. */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { runCli } from '../helpers/cli.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { aesSealer } from '../../src/core/sealer.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues, silent } from '../dialogs/incidents.harness.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';

const run = (argv: string[]) => runCli(argv, { stdout: true });

const key = randomBytes(32);
let dir: string;
const env = { ...process.env };

/** Two reports on 5 and 24 January 2026 (the past, as purge uses the real clock); the first closed on 5 January. Made through the feature over lowdb. */
async function fill(): Promise<void> {
  const store = await openLowdbStore(dir, { log: silent });
  try {
    const w = new World({ store, sealer: aesSealer(key) });
    w.now = new Date('2026-01-05T09:00:00Z');
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    const decision = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, 'INC-2026-0001'));
    await w.submit(PEOPLE.dpo, DPO_CHANNEL, decision, { [T.decision]: 'not-reported', [T.reason]: 'No risk: a name only' });
    await w.action(PEOPLE.dpo, DPO_CHANNEL, A.close, 'INC-2026-0001');
    w.advance(19 * 24);
    await w.submit(PEOPLE.teacher, DM, formOf(await w.command(PEOPLE.teacher, DM, 'report')), goodValues(w.now, { what: '=cmd|"/c calc"!A1' }));
  } finally {
    await store.close();
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'safecall-reports-'));
  process.env.SAFECALL_DATA_KEY = key.toString('base64');
  delete process.env.SAFECALL_SETTINGS;
  await fill();
});
afterEach(() => {
  process.env = { ...env };
  rmSync(dir, { recursive: true, force: true });
});

test('export --format csv decrypts every report into the breach log; --since keeps the later ones', async () => {
  const all = await run(['reports', 'export', '--format', 'csv', '--data-dir', dir]);
  expect(all.code).toBe(0);
  expect(all.out.startsWith('\uFEFF')).toBe(true);
  const rows = parse(all.out.slice(1), { columns: true }) as Record<string, string>[];
  expect(rows.map((r) => [r.reference, r.status, r.ico_decision])).toEqual([
    ['INC-2026-0001', 'closed', 'not-reported'],
    ['INC-2026-0002', 'open', ''],
  ]);
  expect(rows[0]!.what_happened).toMatch(/stranger joined/);
  expect(rows[1]!.what_happened).toBe(`'=cmd|"/c calc"!A1`);
  const later = await run(['reports', 'export', '--format', 'csv', '--since', '2026-01-15', '--data-dir', dir]);
  expect((parse(later.out.slice(1), { columns: true }) as Record<string, string>[]).map((r) => r.reference)).toEqual(['INC-2026-0002']);
});

test('export --format json --out writes the full timelines to a file only its owner can read', async () => {
  const file = join(dir, 'log.json');
  const r = await run(['reports', 'export', '--format', 'json', '--out', file, '--data-dir', dir]);
  expect(r.code).toBe(0);
  expect(statSync(file).mode & 0o077).toBe(0);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { count: number; reports: { ref: string; timeline: { kind: string; text?: string }[] }[] };
  expect(json.count).toBe(2);
  expect(json.reports[0]!.timeline.map((e) => [e.kind, e.text])).toEqual([['decision', 'No risk: a name only'], ['closed', undefined]]);
  // What the DPO and the ICO need only: not the form it came from, where alerts went, or entry ids.
  expect(JSON.stringify(json)).not.toMatch(/"(submission|alerts|v)":/);
  expect(json.reports.flatMap((r) => r.timeline.map((e) => Object.keys(e)))).not.toContainEqual(expect.arrayContaining(['id']));
});

test('export with no key, or the wrong key, says so and writes nothing; a bad format or date is a usage error', async () => {
  delete process.env.SAFECALL_DATA_KEY;
  const none = await run(['reports', 'export', '--format', 'csv', '--data-dir', dir]);
  expect(none.code).toBe(1);
  expect(none.err).toMatch(/Set SAFECALL_DATA_KEY/);
  expect(none.out).toBe('');
  process.env.SAFECALL_DATA_KEY = randomBytes(32).toString('base64');
  expect((await run(['reports', 'export', '--data-dir', dir])).err).toMatch(/another data key/);
  process.env.SAFECALL_DATA_KEY = key.toString('base64');
  expect(await run(['reports', 'export', '--format', 'xlsx', '--data-dir', dir])).toMatchObject({ code: 2, err: expect.stringMatching(/csv or json/) });
  expect(await run(['reports', 'export', '--since', 'last tuesday', '--data-dir', dir])).toMatchObject({ code: 2, err: expect.stringMatching(/not a date/) });
});

test('purge --dry-run lists the closed reports past retention without deleting; purge deletes them and what points to them', async () => {
  const settings = join(dir, 'settings.yaml');
  writeFileSync(settings, 'reports:\n  retentionDays: 30\n');
  process.env.SAFECALL_SETTINGS = settings;
  const before = await run(['reports', 'purge', '--dry-run', '--data-dir', dir]);
  // Closed on 5 January 2026: more than 30 days ago.
  expect(before.code).toBe(0);
  expect(before.out).toMatch(/Would delete 1 closed report[\s\S]*INC-2026-0001[\s\S]*Nothing was deleted/);
  expect(before.out).not.toMatch(/INC-2026-0002|stranger/);
  expect((await run(['reports', 'export', '--format', 'json', '--data-dir', dir])).out).toMatch(/INC-2026-0001/);

  const done = await run(['reports', 'purge', '--data-dir', dir]);
  expect(done.out).toMatch(/Deleting 1 closed report/);
  const store = await openLowdbStore(dir, { readOnly: true });
  try {
    expect((await store.reports.list()).map((r) => r.ref)).toEqual(['INC-2026-0002']);
    expect((await store.deliveries.list()).filter((d) => d.key.includes('INC-2026-0001'))).toEqual([]);
  } finally {
    await store.close();
  }
});

test('purge while the server holds the store says to stop it (and that --dry-run works meanwhile)', async () => {
  const server = await openLowdbStore(dir, { log: silent });
  try {
    const r = await run(['reports', 'purge', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/server is running[\s\S]*Stop it[\s\S]*--dry-run` works while it runs/);
    expect((await run(['reports', 'purge', '--dry-run', '--data-dir', dir])).code).toBe(0);
  } finally {
    await server.close();
  }
});

test('export --out over a file that is readable by others leaves it readable by its owner only', async () => {
  const file = join(dir, 'old-log.csv');
  writeFileSync(file, 'old', { mode: 0o644 });
  chmodSync(file, 0o644);
  const r = await run(['reports', 'export', '--format', 'csv', '--out', file, '--data-dir', dir]);
  expect(r.code).toBe(0);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readFileSync(file, 'utf8')).toContain('INC-2026-0001');
});

test('--out into a folder that does not exist: a clear message naming it, status 2', async () => {
  const r = await run(['reports', 'export', '--out', join(dir, 'no-such-folder', 'log.csv'), '--data-dir', dir]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/--out: cannot write .*no-such-folder.*ENOENT/);
});

test('a data directory that holds no SafeCall store is named, not exported as an empty breach log; nothing is created', async () => {
  const wrong = join(dir, 'typo');
  for (const args of [['export', '--format', 'csv'], ['export', '--format', 'json'], ['purge', '--dry-run'], ['purge']]) {
    const r = await run(['reports', ...args, '--data-dir', wrong]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`No SafeCall data in ${wrong}`);
    expect(r.out).toBe('');
  }
  expect(existsSync(wrong)).toBe(false);
});
