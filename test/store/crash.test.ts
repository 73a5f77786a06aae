/**
 * kill -9 a child that writes in a loop, at random moments: every file must still parse, every write
 * the child acknowledged must be on disk, and the next open must get past the dead child's lock.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { captureLog, collectLines, removeDir, runFixture, tempDir } from './helpers.js';

const TRIALS = Number(process.env.CRASH_TRIALS ?? 10);
const STALE_MS = 2000;

/**
 * Every record on disk, read straight from the files (not through the store): snapshots must parse
 * whole, and every journal line but a torn last one must parse whole.
 */
async function recordsOnDisk(dir: string): Promise<Map<string, { value: { name?: string; state?: { padding?: string } } }>> {
  const out = new Map();
  for (const name of ['users', 'dialogs']) {
    const snapshot = await readFile(join(dir, `${name}.json`), 'utf8').catch(() => undefined);
    if (snapshot !== undefined) for (const [k, e] of Object.entries(JSON.parse(snapshot).records)) out.set(k, e);
    const journal = (await readFile(join(dir, `${name}.log`), 'utf8').catch(() => '')).split('\n');
    journal.pop(); // after the last newline: empty, or the unacknowledged torn line of the killed write
    for (const line of journal) {
      const change = JSON.parse(line) as { k: string; e?: unknown }; // throws on a torn line
      if (change.e) out.set(change.k, change.e);
      else out.delete(change.k);
    }
  }
  return out;
}

describe('crash safety', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it(`survives kill -9 mid-write (${TRIALS} trials)`, async () => {
    const acked: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const child = runFixture('writer.ts', [dir, `t${trial}`, String(STALE_MS)]);
      let timer: NodeJS.Timeout | undefined;
      const result = await collectLines(child, (line) => {
        if (!line.startsWith('ack ')) return;
        acked.push(line.slice(4));
        // Random moment a few tens of ms into the write loop (counted from the first durable write).
        timer ??= setTimeout(() => child.kill('SIGKILL'), 10 + Math.random() * 50);
      });
      clearTimeout(timer);
      expect({ trial, signal: result.signal, stderr: result.stderr }).toEqual({ trial, signal: 'SIGKILL', stderr: '' });
      expect(result.lines[0]).toBe('ready');

      const onDisk = await recordsOnDisk(dir);
      expect(acked.filter((k) => !onDisk.has(k))).toEqual([]); // no acknowledged write lost, incl. the last
      const torn = [...onDisk.values()].filter((e) => (e.value.name ?? e.value.state?.padding)?.length !== 300);
      expect(torn).toEqual([]); // every record is whole
    }

    const log = captureLog();
    const store = await openLowdbStore(dir, { lockStaleMs: STALE_MS, log });
    expect(log.text()).toContain('waiting for a stale lock');
    const keys = new Set([...(await store.users.list()).map((u) => u.id), ...(await store.dialogs.list()).map((d) => d.key)]);
    expect(acked.every((k) => keys.has(k))).toBe(true);
    expect(await store.writable()).toBe(true);
    await store.close();
    const leftovers = (await readdir(dir)).filter((n) => /\.json\.\d+$/.test(n));
    expect(leftovers).toEqual([]); // temp files from interrupted writes were cleaned up at open
  }, 120_000);

  it('a kill -9 between the writes of a turn never leaves a person without their conversation record', async () => {
    const rdir = await tempDir();
    try {
      let acked = 0;
      for (let trial = 0; trial < 5; trial++) {
        const child = runFixture('remember-writer.ts', [rdir, `r${trial}`, String(STALE_MS)]);
        let timer: NodeJS.Timeout | undefined;
        const result = await collectLines(child, (line) => {
          if (!line.startsWith('ack ')) return;
          acked += 1;
          timer ??= setTimeout(() => child.kill('SIGKILL'), 10 + Math.random() * 50);
        });
        clearTimeout(timer);
        expect({ trial, signal: result.signal, stderr: result.stderr }).toEqual({ trial, signal: 'SIGKILL', stderr: '' });
        const reader = await openLowdbStore(rdir, { readOnly: true });
        const conversations = new Set((await reader.conversations.list()).map((c) => c.id));
        const orphans = (await reader.users.list()).filter((u) => !u.dmConversationId || !conversations.has(u.dmConversationId));
        expect(orphans).toEqual([]);
        await reader.close();
      }
      expect(acked).toBeGreaterThan(0);
    } finally {
      await removeDir(rdir);
    }
  }, 120_000);
});
