import { openLowdbStore, StoreLockedError } from '../../src/store/lowdb-store.js';
import { captureLog, collectLines, removeDir, runFixture, tempDir } from './helpers.js';

const lockedMessage = (dir: string) =>
  `Another SafeCall process is already using the data directory ${dir}. Stop it first, or set DATA_DIR to a different folder.`;

describe('single-writer lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('a second open in the same process gets StoreLockedError; after close, opening works', async () => {
    const first = await openLowdbStore(dir, { lockStaleMs: 2000 });
    const second = openLowdbStore(dir, { lockStaleMs: 2000 });
    await expect(second).rejects.toBeInstanceOf(StoreLockedError);
    await expect(second).rejects.toThrow(lockedMessage(dir));
    expect(await first.writable()).toBe(true); // the failed open did not disturb the holder
    await first.close();
    const third = await openLowdbStore(dir, { lockStaleMs: 2000 });
    expect(await third.writable()).toBe(true);
    await third.close();
  });

  it('another process gets StoreLockedError with the admin-facing message while we hold the lock', async () => {
    const store = await openLowdbStore(dir, { lockStaleMs: 2000 });
    const child = runFixture('try-open.ts', [dir, '2000']);
    const { lines, stderr } = await collectLines(child);
    expect(stderr).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual({ ok: false, name: 'StoreLockedError', message: lockedMessage(dir) });
    await store.close();
    const after = await collectLines(runFixture('try-open.ts', [dir, '2000']));
    expect(JSON.parse(after.lines[0]!)).toEqual({ ok: true });
  }, 30_000);

  it('we get StoreLockedError, without waiting for staleness, while a live process holds the lock', async () => {
    const child = runFixture('writer.ts', [dir, 'live', '2000']);
    const done = collectLines(child);
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const log = captureLog();
    const started = Date.now();
    await expect(openLowdbStore(dir, { lockStaleMs: 2000, log })).rejects.toThrow(lockedMessage(dir));
    expect(Date.now() - started).toBeLessThan(4000 - 500); // gave up before stale + 2 s
    child.kill('SIGTERM');
    await done;
  }, 30_000);
});
