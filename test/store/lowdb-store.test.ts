import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryStore } from '../../src/core/memory.js';
import type { KnownUser, Store } from '../../src/core/ports.js';
import { ReadOnlyStoreError, openLowdbStore, type LowdbStore } from '../../src/store/lowdb-store.js';
import { collectionContract } from './collection-contract.js';
import { captureLog, removeDir, tempDir } from './helpers.js';

const user = (id: string, name = 'Ms Example'): KnownUser => ({
  platform: 'slack', id, name, firstSeen: '2025-01-01T00:00:00.000Z', lastSeen: '2025-01-01T00:00:00.000Z',
});
const modeOf = async (p: string) => (await stat(p)).mode & 0o777;


collectionContract('memoryStore', {
  open: async (clock) => memoryStore(clock),
  close: async () => undefined,
});

collectionContract('lowdb store', {
  open: async (clock) => openLowdbStore(await tempDir(), { lockStaleMs: 2000, clock }),
  close: async (store: Store) => {
    await store.close();
    await removeDir((store as LowdbStore).dir);
  },
  reopen: async (store, clock) => {
    await store.close();
    return openLowdbStore((store as LowdbStore).dir, { lockStaleMs: 2000, clock });
  },
});

describe('lowdb store on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('keeps data across close and reopen, one file per collection', async () => {
    const a = await openLowdbStore(dir);
    await a.users.put('slack:U1', user('U1'));
    await a.dialogs.put('d1', { key: 'd1', dialog: 'setup', updatedAt: 'now', state: { step: 1 } });
    await a.users.delete('never');
    await a.close();
    const b = await openLowdbStore(dir);
    expect(await b.users.get('slack:U1')).toEqual(user('U1'));
    expect((await b.dialogs.list()).map((d) => d.key)).toEqual(['d1']);
    await b.close();
    // A clean close folds each journal into its snapshot: the files read as whole documents.
    const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
    expect(files).toEqual(['dialogs.json', 'dialogs.log', 'meta.json', 'users.json', 'users.log']);
    expect(JSON.parse(await readFile(join(dir, 'users.json'), 'utf8'))).toEqual({ format: 2, records: { 'slack:U1': { value: user('U1'), revision: 1 } } });
    expect(await readFile(join(dir, 'users.log'), 'utf8')).toBe('');
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'));
    expect(meta).toEqual({ schemaVersion: 2, createdAt: expect.any(String) });
  });

  it('creates the directory 0700 and its files 0600', async () => {
    const sub = join(dir, 'data');
    const s = await openLowdbStore(sub);
    await s.users.put('k', user('k'));
    await s.close();
    expect(await modeOf(sub)).toBe(0o700);
    for (const f of ['users.json', 'users.log', 'meta.json']) expect(await modeOf(join(sub, f))).toBe(0o600);
  });

  it('narrows an existing world-readable directory and files, and logs that it did', async () => {
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'users.json'), JSON.stringify({ records: { k: user('k') } }), { mode: 0o644 });
    await chmod(join(dir, 'users.json'), 0o644);
    const log = captureLog();
    const s = await openLowdbStore(dir, { log });
    expect(await s.users.get('k')).toEqual(user('k'));
    await s.close();
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(join(dir, 'users.json'))).toBe(0o600);
    expect(log.text()).toMatch(/data directory was readable by other users/);
    expect(log.text()).toMatch(/data file was readable by other users.*users\.json/);
  });

  it('200 concurrent updates of one key give 200, and 200 concurrent puts all land', async () => {
    const s = await openLowdbStore(dir);
    const inc = () => s.users.update('n', (cur) => user('n', String(Number(cur?.name ?? '0') + 1)));
    await Promise.all([
      ...Array.from({ length: 200 }, inc),
      ...Array.from({ length: 200 }, (_, i) => s.conversations.put(`c${i}`, {
        platform: 'teams', id: `c${i}`, kind: 'channel', firstSeen: 'x', lastSeen: 'x',
      })),
    ]);
    expect((await s.users.get('n'))?.name).toBe('200');
    await s.close();
    const again = await openLowdbStore(dir);
    expect((await again.users.get('n'))?.name).toBe('200');
    expect(await again.conversations.list()).toHaveLength(200);
    await again.close();
  });

  it('writable() reflects the lock and the directory; writes after close are refused', async () => {
    const s = await openLowdbStore(dir);
    expect(await s.writable()).toBe(true);
    await s.close();
    expect(await s.writable()).toBe(false);
    await expect(s.users.put('k', user('k'))).rejects.toThrow(/has been closed/);
    await s.close(); // idempotent
  });

  it('never logs record contents', async () => {
    const log = captureLog();
    const s = await openLowdbStore(dir, { log });
    await s.users.put('slack:U1', user('U1', 'SECRET-CHILD-NAME'));
    await s.close();
    const again = await openLowdbStore(dir, { log });
    await again.close();
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.text()).not.toContain('SECRET-CHILD-NAME');
  });

  describe('readOnly', () => {
    it('reads while a writer holds the lock, sees its later writes, and refuses writes', async () => {
      const writer = await openLowdbStore(dir, { lockStaleMs: 2000 });
      await writer.users.put('a', user('a'));
      const reader = await openLowdbStore(dir, { readOnly: true });
      expect(await reader.users.get('a')).toEqual(user('a'));
      await writer.users.put('b', user('b'));
      await writer.users.delete('a');
      expect(await reader.users.get('a')).toBeUndefined();
      expect((await reader.users.list()).map((u) => u.id)).toEqual(['b']);
      await expect(reader.users.put('c', user('c'))).rejects.toBeInstanceOf(ReadOnlyStoreError);
      await expect(reader.users.update('b', () => undefined)).rejects.toThrow(/opened read-only/);
      await expect(reader.users.delete('b')).rejects.toBeInstanceOf(ReadOnlyStoreError);
      expect(await reader.writable()).toBe(false);
      await reader.close();
      expect(await writer.writable()).toBe(true); // closing the reader did not touch the lock
      await writer.close();
    });

    it('closing a reader writes nothing: what the writer wrote after the reader loaded stays on disk', async () => {
      // The CLI (`status`, `reports export`) opens read-only while the server runs. Its close used to fold
      // the journal into the snapshot from its own, older, copy and empty the journal, so the server's
      // later writes vanished from disk (found by the crash suite: a reminder marked sent read `sending`).
      const writer = await openLowdbStore(dir, { lockStaleMs: 2000 });
      await writer.users.put('a', user('a'));
      const files = async () => Promise.all(['users.json', 'users.log'].map(async (f) => readFile(join(dir, f), 'utf8').catch(() => '')));
      const reader = await openLowdbStore(dir, { readOnly: true });
      expect(await reader.users.get('a')).toEqual(user('a'));
      await writer.users.put('b', user('b'));
      const before = await files();
      await reader.close();
      expect(await files()).toEqual(before);
      const again = await openLowdbStore(dir, { readOnly: true });
      expect((await again.users.list()).map((u) => u.id).sort()).toEqual(['a', 'b']);
      await again.close();
      await writer.close();
    });

    it('does not create anything in a fresh directory', async () => {
      const sub = join(dir, 'empty');
      await mkdir(sub);
      const reader = await openLowdbStore(sub, { readOnly: true });
      expect(await reader.users.list()).toEqual([]);
      await reader.close();
      expect(await readdir(sub)).toEqual([]);
    });
  });
});
