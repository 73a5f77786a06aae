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

async function readAllFiles(dir: string): Promise<Record<string, { records?: Record<string, unknown> }>> {
  const out: Record<string, { records?: Record<string, unknown> }> = {};
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json')) continue;
    out[name] = JSON.parse(await readFile(join(dir, name), 'utf8')); // throws on a torn file
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

      const files = await readAllFiles(dir);
      const onDisk = new Set([
        ...Object.keys(files['users.json']?.records ?? {}),
        ...Object.keys(files['dialogs.json']?.records ?? {}),
      ]);
      expect(acked.filter((k) => !onDisk.has(k))).toEqual([]); // no acknowledged write lost, incl. the last
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
});
