/**
 * `safecall export-data`, `import-data` and `migrate` through the real CLI, on a real lowdb directory and a
 * real PostgreSQL server: a school's data goes lowdb → file → PostgreSQL → file → lowdb and comes back
 * exactly; a data directory moves to PostgreSQL in one command; a bad, cut-short or newer file, a store that
 * already holds data and a directory whose server still runs are refused, and nothing is written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema } from '../helpers/pg-admin.js';
import { runCli } from '../helpers/cli.js';
import { systemClock, type Store } from '../../src/core/ports.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { snapshot } from '../../src/store/transfer.js';
import { TEST_DATABASE_URL, runPrefix } from '../rig/store-env.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const schemas: string[] = [];
const freshSchema = () => {
  const s = `${runPrefix()}xfer${process.pid}_${schemas.length}_${Math.random().toString(36).slice(2, 6)}`;
  schemas.push(s);
  return s;
};
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'safecall-xfer-'));
});
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
  await rm(work, { recursive: true, force: true });
});

/** Runs the CLI with DATABASE_URL pointing at `schema` (or unset), as an admin's shell would. */
async function cli(argv: string[], schema?: string) {
  const saved = { url: process.env.DATABASE_URL, schema: process.env.DATABASE_SCHEMA };
  if (schema) Object.assign(process.env, { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema });
  else {
    delete process.env.DATABASE_URL;
    delete process.env.DATABASE_SCHEMA;
  }
  try {
    return await runCli(argv);
  } finally {
    for (const [k, v] of [['DATABASE_URL', saved.url], ['DATABASE_SCHEMA', saved.schema]] as const) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

const pgStore = (schema: string) => openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2, log: silent, clock: systemClock });
async function recordsOf(open: () => Promise<Store>) {
  const store = await open();
  try {
    return (await snapshot(store)).records;
  } finally {
    await store.close();
  }
}

const at = '2026-12-01T10:00:00.000Z';
const inAYear = new Date(Date.now() + 365 * 86400_000);

/** A school's data directory with something in every collection, including awkward text. */
async function schoolDirectory(dir: string): Promise<void> {
  const s = await openLowdbStore(dir);
  try {
    for (let i = 0; i < 40; i++)
      await s.users.put(`slack:U${i}`, { platform: 'slack', id: `U${i}`, name: `Staff ${i} — Ms Ō'Brien "quoted" \u0000 ✓`, firstSeen: at, lastSeen: at });
    await s.conversations.put('slack:C1', { platform: 'slack', id: 'C1', kind: 'channel', teamId: 'T1', name: 'staff' } as never);
    await s.dialogs.put('slack:U1:D1', { id: 'slack:U1:D1', instance: 'i1', dialog: 'setup', step: 'zoom.2', state: { n: 1 }, updatedAt: at } as never);
    for (let i = 1; i <= 5; i++)
      await s.reports.put(`INC-2026-000${i}`, {
        ref: `INC-2026-000${i}`,
        reporter: { platform: 'slack', id: 'U1', name: 'Reporter' },
        reportedAt: at,
        status: i % 2 ? 'open' : 'closed',
        ...(i % 2 ? {} : { closedAt: at }),
        what: 'Someone joined the Year 8 call and shared an image.\nLine two, emoji 🚨',
      } as never);
    await s.deliveries.put('term-end:U1', { key: 'term-end:U1', status: 'queued', notBefore: at, createdAt: at, group: 'round-1', attempts: 0 } as never);
    await s.timers.put('deadline:INC-2026-0001', { key: 'deadline:INC-2026-0001', kind: 'incident.deadline', dueAt: at } as never);
    await s.reminders.put('round-1:slack:U1', { round: 'round-1', person: { platform: 'slack', id: 'U1' }, status: 'confirmed' } as never);
    await s.runtime.put('teams.dpoConversation', { value: 'a:1' } as never);
    await s.receipts.put('slack:event:Ev1', { at } as never, { expiresAt: inAYear });
    await s.receipts.put('slack:event:Ev0', { at } as never, { expiresAt: new Date(Date.now() + 10 * 60_000) });
    // A lease belongs to the process that held it: it is not carried.
    await s.locks.put('scheduler', { owner: 'old-process', since: at, until: inAYear.toISOString() });
  } finally {
    await s.close();
  }
}

test('a data directory goes lowdb → file → PostgreSQL → file → lowdb and comes back exactly', async () => {
  const a = join(work, 'a');
  await schoolDirectory(a);
  const original = await recordsOf(() => openLowdbStore(a, { readOnly: true }));
  expect(original.users).toHaveLength(40);
  expect(original.receipts.map((r) => r.expiresAt)).toEqual([expect.any(String), expect.any(String)]);

  const f1 = join(work, 'one.jsonl');
  const exported = await cli(['export-data', '--data-dir', a, '--out', f1]);
  expect(exported).toMatchObject({ code: 0 });
  expect(exported.out).toContain('Exported 53 records');
  expect((await stat(f1)).mode & 0o777).toBe(0o600);
  expect(readFileSync(f1, 'utf8')).not.toContain('old-process');

  const s = freshSchema();
  const imported = await cli(['import-data', f1], s);
  expect(imported.err).toBe('');
  expect(imported).toMatchObject({ code: 0 });
  expect(imported.out).toMatch(/Imported 53 records into 127\.0\.0\.1:5432\/test \(schema /);
  expect(imported.out).toContain('Every record was read back and matches');
  const inPg = await recordsOf(() => pgStore(s));
  expect(inPg).toEqual({ ...original, locks: [] });

  expect(await cli(['migrate', '--status'], s)).toMatchObject({ code: 0, out: expect.stringMatching(/1 of 1 migrations applied\.\nUp to date/) });
  const status = await cli(['status'], s);
  expect(status.out).toContain('Incident reports: 3 open, 2 closed');
  expect(status.out).toMatch(/^Database: PostgreSQL at 127\.0\.0\.1:5432\/test/m);
  // The other admin commands read (and purge writes) the same database.
  expect(await cli(['reports', 'purge', '--dry-run'], s)).toMatchObject({ code: 0, out: expect.stringMatching(/No closed report is past the \d+-day retention/) });
  expect(await cli(['reports', 'purge'], s)).toMatchObject({ code: 0, out: expect.stringMatching(/No closed report is past/) });

  const f2 = join(work, 'two.jsonl');
  expect(await cli(['export-data', '--out', f2], s)).toMatchObject({ code: 0 });
  const b = join(work, 'b');
  expect(await cli(['import-data', f2, '--data-dir', b])).toMatchObject({ code: 0 });
  const back = await recordsOf(() => openLowdbStore(b, { readOnly: true }));
  expect(back).toEqual({ ...original, locks: [] });
  expect((await stat(b)).mode & 0o777).toBe(0o700);
});

test('a stopped lowdb directory moves to PostgreSQL in one command; a running one is refused', async () => {
  const dir = join(work, 'move');
  await schoolDirectory(dir);
  const original = await recordsOf(() => openLowdbStore(dir, { readOnly: true }));

  const running = await openLowdbStore(dir);
  const s1 = freshSchema();
  try {
    const refused = await cli(['import-data', dir], s1);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/A SafeCall server is still running on .*move\. Stop it first/);
  } finally {
    await running.close();
  }
  const moved = await cli(['import-data', dir], s1);
  expect(moved).toMatchObject({ code: 0 });
  expect(await recordsOf(() => pgStore(s1))).toEqual({ ...original, locks: [] });

  // Again into the same database: refused, nothing changed; --replace replaces.
  const again = await cli(['import-data', dir], s1);
  expect(again.code).toBe(1);
  expect(again.err).toMatch(/already holds data \(users: 40, .*\)\. Import into an empty store, or pass --replace/);
  const replaced = await cli(['import-data', dir, '--replace'], s1);
  expect(replaced).toMatchObject({ code: 0 });
  expect(replaced.out).toContain('Removed first (--replace): 53 records.');
  expect(await recordsOf(() => pgStore(s1))).toEqual({ ...original, locks: [] });
});

test('import refuses a live SafeCall on the target database', async () => {
  const s = freshSchema();
  const live = await pgStore(s);
  await live.locks.put('scheduler', { owner: 'instance-a', since: at, until: new Date(Date.now() + 30_000).toISOString() });
  await live.close();
  const f = join(work, 'live.jsonl');
  const dir = join(work, 'live');
  await schoolDirectory(dir);
  await cli(['export-data', '--data-dir', dir, '--out', f]);
  const r = await cli(['import-data', f], s);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/SafeCall is running on .*"scheduler" lease.*Stop every instance before importing/);
  expect((await recordsOf(() => pgStore(s))).users).toEqual([]);
});

describe('a damaged or foreign file is refused before anything is written', () => {
  let good: string[];
  beforeAll(async () => {
    const dir = join(work, 'src-bad');
    await schoolDirectory(dir);
    const f = join(work, 'good.jsonl');
    await cli(['export-data', '--data-dir', dir, '--out', f]);
    good = readFileSync(f, 'utf8').trimEnd().split('\n');
  });

  const cases: [string, () => string, RegExp][] = [
    ['cut short', () => good.slice(0, -3).join('\n'), /ends before its closing line: it was cut short/],
    ['a junk line', () => [...good.slice(0, 5), '{"c":"users","k":"x"', ...good.slice(5)].join('\n'), /line 6 is not JSON/],
    ['an unknown collection', () => [...good.slice(0, 2), '{"c":"secrets","k":"x","v":{}}', ...good.slice(2)].join('\n'), /line 3: not a valid record \(c: /],
    ['a record twice', () => [...good.slice(0, 3), good[2]!, ...good.slice(3)].join('\n'), /line 4: .* appears twice/],
    ['counts that do not match', () => [...good.slice(0, 2), ...good.slice(3)].join('\n'), /says it holds \d+ \w+ but has \d+: it is damaged/],
    ['a newer format', () => [good[0]!.replace('"version":1', '"version":9'), ...good.slice(1)].join('\n'), /format version 9, written by a newer SafeCall/],
    ['not an export', () => 'name,email\nA,b@example.org', /line 1 is not JSON: this is not a SafeCall export/],
    ['empty', () => '', /is empty/],
  ];
  test.each(cases)('%s', async (_label, text, message) => {
    const f = join(work, `bad-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(f, text());
    const target = join(work, `target-${Math.random().toString(36).slice(2)}`);
    const r = await cli(['import-data', f, '--data-dir', target]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err).not.toContain('unexpected');
    const checked = await cli(['import-data', f, '--check']);
    expect(checked.code).toBe(1);
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

  test('a record that has expired since the export is left out, and said so', async () => {
    const f = join(work, 'expired.jsonl');
    writeFileSync(f, `${good.map((l) => (l.includes('"k":"slack:event:Ev0"') ? l.replace(/"e":"[^"]+"/, '"e":"2020-01-01T00:00:00.000Z"') : l)).join('\n')}\n`);
    const target = join(work, 'target-expired');
    const r = await cli(['import-data', f, '--data-dir', target]);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('Imported 52 records');
    expect(r.out).toContain('Left out because they had expired: 1');
    expect((await recordsOf(() => openLowdbStore(target, { readOnly: true }))).receipts.map((e) => e.key)).toEqual(['slack:event:Ev1']);
  });

  test('--check says what a good file holds and writes nothing', async () => {
    const f = join(work, 'check.jsonl');
    writeFileSync(f, `${good.join('\n')}\n`);
    const r = await cli(['import-data', f, '--check']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/is complete and readable: 53 records\n {2}users 40, conversations 1, dialogs 1, receipts 2, deliveries 1, timers 1, reports 5, reminders 1, runtime 1/);
  });
});

test('export never replaces a file, and reports an unreachable database without its password', async () => {
  const dir = join(work, 'exists');
  await schoolDirectory(dir);
  const f = join(work, 'exists.jsonl');
  writeFileSync(f, 'keep me');
  const r = await cli(['export-data', '--data-dir', dir, '--out', f]);
  expect(r).toMatchObject({ code: 1, err: expect.stringMatching(/already exists: choose another name/) });
  expect(readFileSync(f, 'utf8')).toBe('keep me');

  process.env.DATABASE_URL = 'postgres://safecall:hunter2@127.0.0.1:1/nowhere';
  try {
    const down = await runCli(['migrate']);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/could not use the PostgreSQL database at 127\.0\.0\.1:1\/nowhere/);
    expect(down.err).not.toContain('hunter2');
  } finally {
    delete process.env.DATABASE_URL;
  }
});

test('migrate on a data directory says it is up to date; on a fresh database it applies the migrations', async () => {
  const dir = join(work, 'mig');
  await schoolDirectory(dir);
  expect(await cli(['migrate', '--data-dir', dir])).toMatchObject({ code: 0, out: expect.stringMatching(/schema 2, up to date/) });
  const s = freshSchema();
  expect(await cli(['migrate', '--status'], s)).toMatchObject({ code: 1, out: expect.stringMatching(/0 of 1 migrations applied\.\nPending: 0001 tables/) });
  expect(await cli(['migrate'], s)).toMatchObject({ code: 0, out: expect.stringMatching(/1 of 1 migrations applied\.\nApplied now: 0001 tables/) });
  expect(await cli(['migrate'], s)).toMatchObject({ code: 0, out: expect.stringMatching(/Up to date: nothing to do/) });
});
