/**
 * The data key from the command line, over a real lowdb store: `keys` usage and key mistakes, and `migrate`
 * moving sealed values still in the earlier string form (it needs the key that opens them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli } from '../helpers/cli.js';
import { legacySeal } from '../helpers/legacy-seal.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { isSealedValue } from '../../src/core/sealer.js';
import { World, PEOPLE, DM, formOf, goodValues, silent } from '../dialogs/incidents.harness.js';

const key = randomBytes(32);
let dir: string;
const env = { ...process.env };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'safecall-keys-'));
  for (const k of ['SAFECALL_DATA_KEY', 'SAFECALL_DATA_KEYS_OLD', 'DATABASE_URL', 'SAFECALL_SETTINGS']) delete process.env[k];
  // A report stored by an earlier SafeCall: its facts in the legacy sealed string form.
  const store = await openLowdbStore(dir, { log: silent });
  try {
    const w = new World({ store });
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    const ref = (await store.reports.list())[0]!.ref;
    await store.reports.update(ref, (r) => r && { ...r, facts: legacySeal(key, typeof r.facts === 'string' ? r.facts : '') });
  } finally {
    await store.close();
  }
});
afterEach(() => {
  process.env = { ...env };
  rmSync(dir, { recursive: true, force: true });
});

test('keys: an unknown subcommand is a usage error; a malformed key is named', async () => {
  expect(await runCli(['keys', 'spin', '--data-dir', dir])).toMatchObject({ code: 2, err: expect.stringMatching(/Usage: safecall keys status/) });
  process.env.SAFECALL_DATA_KEY = key.toString('base64');
  process.env.SAFECALL_DATA_KEYS_OLD = 'not-a-key';
  expect(await runCli(['keys', 'status', '--data-dir', dir])).toMatchObject({ code: 1, err: expect.stringMatching(/SAFECALL_DATA_KEYS_OLD: key 1 of 1/) });
  delete process.env.SAFECALL_DATA_KEY;
  delete process.env.SAFECALL_DATA_KEYS_OLD;
  expect(await runCli(['keys', 'rotate', '--data-dir', dir])).toMatchObject({ code: 2, err: expect.stringMatching(/SAFECALL_DATA_KEY is not set: set it to the new key/) });
});

test('migrate: legacy sealed values are pending; without the key it says to set it; with it they are moved', async () => {
  expect(await runCli(['migrate', '--status', '--data-dir', dir])).toMatchObject({ code: 1, out: expect.stringMatching(/up to date\.\nPending: sealed values in the earlier form/) });
  expect(await runCli(['migrate', '--data-dir', dir])).toMatchObject({ code: 1, out: expect.stringMatching(/need the key they were written with: set SAFECALL_DATA_KEY/) });
  process.env.SAFECALL_DATA_KEY = key.toString('base64');
  expect(await runCli(['migrate', '--data-dir', dir])).toMatchObject({ code: 0, out: expect.stringMatching(/Sealed values moved to the tagged form: 1 record\./) });
  const store = await openLowdbStore(dir, { readOnly: true });
  try {
    expect(isSealedValue((await store.reports.list())[0]!.facts)).toBe(true);
  } finally {
    await store.close();
  }
  expect(await runCli(['migrate', '--status', '--data-dir', dir])).toMatchObject({ code: 0, out: expect.stringMatching(/schema 2, up to date\.$/) });
});
