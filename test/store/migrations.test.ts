import { cp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreCorruptError, StoreVersionError, openLowdbStore } from '../../src/store/lowdb-store.js';
import { CURRENT_SCHEMA_VERSION, MIGRATIONS } from '../../src/store/migrations.js';
import { FIXTURES, captureLog, removeDir, tempDir } from './helpers.js';

const legacy = {
  users: {
    'slack:U1': { platform: 'slack', id: 'U1', name: 'Legacy Teacher', firstSeen: 'a', lastSeen: 'b' },
    'teams:29:x': { platform: 'teams', id: '29:x', firstSeen: 'a', lastSeen: 'b' },
  },
  conversations: { 'slack:D1': { platform: 'slack', id: 'D1', kind: 'dm', firstSeen: 'a', lastSeen: 'b' } },
  somethingElse: { kept: 'only in the backup' },
};
const readJson = async (p: string) => JSON.parse(await readFile(p, 'utf8'));

describe('schema versions and migrations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('the steps form a chain up to the current version', () => {
    expect(CURRENT_SCHEMA_VERSION).toBe(2);
    MIGRATIONS.forEach((m, i) => {
      expect(m.to).toBe(m.from + 1);
      if (i > 0) expect(m.from).toBe(MIGRATIONS[i - 1]!.to);
    });
    expect(MIGRATIONS.at(-1)!.to).toBe(CURRENT_SCHEMA_VERSION);
  });

  it('a fresh directory gets meta.json at the current version', async () => {
    const s = await openLowdbStore(dir);
    await s.close();
    const meta = await readJson(join(dir, 'meta.json'));
    expect(meta.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    expect(Number.isNaN(Date.parse(meta.createdAt))).toBe(false);
    expect(meta.migratedAt).toBeUndefined();
  });

  it('migrates a legacy (version 0) db.json into per-collection files, keeping db.json.bak', async () => {
    const original = JSON.stringify(legacy);
    await writeFile(join(dir, 'db.json'), original);
    const log = captureLog();
    const s = await openLowdbStore(dir, { log });
    expect(await s.users.get('slack:U1')).toEqual(legacy.users['slack:U1']);
    expect(await s.users.list()).toHaveLength(2);
    expect(await s.conversations.get('slack:D1')).toEqual(legacy.conversations['slack:D1']);
    expect(await s.dialogs.list()).toEqual([]);
    await s.close();

    const files = await readdir(dir);
    expect(files).not.toContain('db.json');
    expect(await readFile(join(dir, 'db.json.bak'), 'utf8')).toBe(original);
    expect((await stat(join(dir, 'db.json.bak'))).mode & 0o777).toBe(0o600);
    const wrapped = Object.fromEntries(Object.entries(legacy.users).map(([k, value]) => [k, { value, revision: 1 }]));
    expect(await readJson(join(dir, 'users.json'))).toEqual({ format: 2, records: wrapped });
    const meta = await readJson(join(dir, 'meta.json'));
    expect(meta).toEqual({ schemaVersion: 2, createdAt: expect.any(String), migratedAt: expect.any(String) });
    expect(log.text()).toMatch(/migrating data directory/);
    expect(log.text()).toMatch(/somethingElse/); // section names only
    expect(log.text()).not.toContain('Legacy Teacher');

    const again = await openLowdbStore(dir); // already migrated: opens as is
    expect(await again.users.list()).toHaveLength(2);
    await again.close();
  });

  it('repairs a migration interrupted after writing some files (steps are idempotent)', async () => {
    await writeFile(join(dir, 'db.json'), JSON.stringify(legacy));
    await writeFile(join(dir, 'users.json'), JSON.stringify({ records: {} })); // half-done earlier run
    const s = await openLowdbStore(dir);
    expect(await s.users.list()).toHaveLength(2);
    await s.close();
  });

  it('a damaged legacy db.json is refused and left alone', async () => {
    await writeFile(join(dir, 'db.json'), '{"users": {');
    await expect(openLowdbStore(dir)).rejects.toBeInstanceOf(StoreCorruptError);
    expect(await readFile(join(dir, 'db.json'), 'utf8')).toBe('{"users": {');
    expect(await readdir(dir)).not.toContain('meta.json');
  });

  it('read-only refuses data that still needs migrating, without changing it', async () => {
    await writeFile(join(dir, 'db.json'), JSON.stringify(legacy));
    await expect(openLowdbStore(dir, { readOnly: true })).rejects.toThrow(/older layout \(schema 0\).*Start the SafeCall server once/);
    expect((await readdir(dir)).sort()).toEqual(['db.json']);
  });

  it('data from a newer SafeCall is refused with a clear message and left alone', async () => {
    const meta = JSON.stringify({ schemaVersion: 3, createdAt: '2030-01-01T00:00:00.000Z' });
    await writeFile(join(dir, 'meta.json'), meta);
    await writeFile(join(dir, 'users.json'), '{"records":{},"future":true}');
    for (const readOnly of [false, true]) {
      const err = await openLowdbStore(dir, { readOnly }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(StoreVersionError);
      expect((err as Error).message).toContain('data was written by a newer SafeCall (schema 3); upgrade SafeCall');
    }
    expect(await readFile(join(dir, 'meta.json'), 'utf8')).toBe(meta);
    // Once the data matches again it opens: the refused open released its lock.
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ schemaVersion: 2, createdAt: 'x' }));
    await writeFile(join(dir, 'users.json'), '{"format":2,"records":{}}');
    const ok = await openLowdbStore(dir, { lockStaleMs: 2000 });
    await ok.close();
  });

  describe('schema 1 → 2 (a revision with every record), from a v1 data directory', () => {
    const V1 = join(FIXTURES, 'v1-data');
    const v1 = async (name: string) => (await readJson(join(V1, `${name}.json`))).records as Record<string, unknown>;

    it('keeps every record, gives each revision 1, and writes schema 2', async () => {
      await cp(V1, dir, { recursive: true });
      const log = captureLog();
      const s = await openLowdbStore(dir, { log });
      for (const name of ['users', 'conversations', 'dialogs'] as const) {
        const expected = await v1(name);
        expect((await s[name].list()).length).toBe(Object.keys(expected).length);
        for (const [key, value] of Object.entries(expected)) expect(await s[name].read(key)).toEqual({ key, value, revision: 1 });
      }
      // The next write to a migrated record is revision 2, and compare-and-set works on it.
      expect(await s.users.putIf('slack:U1', { ...((await s.users.get('slack:U1'))!), name: 'Renamed' }, 1)).toBe(2);
      await s.close();
      const meta = await readJson(join(dir, 'meta.json'));
      expect(meta).toEqual({ schemaVersion: 2, createdAt: '2025-09-01T08:00:00.000Z', migratedAt: expect.any(String) });
      expect((await readJson(join(dir, 'conversations.json'))).format).toBe(2);
      expect(log.text()).toMatch(/migrating data directory.*"from":1,"to":2/);
      expect(log.text()).not.toContain('Ms Example');

      const again = await openLowdbStore(dir);
      expect(await again.users.read('slack:U1')).toMatchObject({ revision: 2, value: { name: 'Renamed' } });
      expect(await again.users.read('teams:29:abc')).toMatchObject({ revision: 1 });
      await again.close();
    });

    it('finishes a 1 → 2 upgrade that was interrupted after converting some files', async () => {
      await cp(V1, dir, { recursive: true });
      const users = await v1('users');
      const converted = Object.fromEntries(Object.entries(users).map(([k, value]) => [k, { value, revision: 1 }]));
      await writeFile(join(dir, 'users.json'), JSON.stringify({ format: 2, records: converted }));
      const s = await openLowdbStore(dir);
      expect(await s.users.read('slack:U1')).toEqual({ key: 'slack:U1', value: users['slack:U1'], revision: 1 });
      expect(await s.dialogs.list()).toHaveLength(1);
      await s.close();
    });
  });
});
