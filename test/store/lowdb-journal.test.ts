/**
 * What the lowdb store keeps on disk beyond the values: revisions, expiry, leases and receipts survive a
 * reopen; concurrent writes share an fsync; `durable: false` writes reach the disk at close; expired
 * receipt partitions are dropped whole; the journal is folded into the snapshot when it grows.
 */
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KnownUser } from '../../src/core/ports.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { TestClock, removeDir, request, tempDir } from './helpers.js';

const HOUR = 3_600_000;
const user = (id: string, lastSeen = '2026-03-02T09:00:00.000Z'): KnownUser => ({ platform: 'slack', id, firstSeen: '2026-03-01T00:00:00.000Z', lastSeen });

describe('lowdb store: what survives a reopen', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('revisions, expiry and leases are kept across close and reopen', async () => {
    const clock = new TestClock();
    const a = await openLowdbStore(dir, { clock });
    await a.requests.put('r1', request('r1', { dueAt: '2026-03-01T00:00:00.000Z' }));
    await a.requests.put('r1', request('r1', { dueAt: '2026-03-01T00:00:00.000Z', kind: 'second' }));
    await a.requests.put('r2', request('r2', { dueAt: '2026-03-01T00:00:00.000Z' }));
    const [claimed] = await a.requests.claim({ index: 'due', before: '2026-03-02', owner: 'worker-a', leaseMs: HOUR, limit: 1 });
    await a.requests.put('temp', request('temp'), { expiresAt: new Date(clock.now().getTime() + HOUR) });
    await a.close();

    const b = await openLowdbStore(dir, { clock });
    expect(await b.requests.read('r1')).toMatchObject({ revision: claimed!.revision, value: { kind: 'second' } });
    expect(claimed!.revision).toBe(3);
    // The lease held by worker-a is still held after the restart: another worker gets only r2.
    expect((await b.requests.claim({ index: 'due', before: '2026-03-02', owner: 'worker-b', leaseMs: HOUR })).map((c) => c.key)).toEqual(['r2']);
    expect(await b.requests.putIf('r1', request('r1'), claimed!.revision)).toBe(4);
    expect(await b.requests.get('temp')).toBeDefined();
    clock.advance(HOUR);
    expect(await b.requests.get('temp')).toBeUndefined();
    await b.close();
  });

  it('receipts are kept across a reopen, so a redelivery after a restart is still recognised', async () => {
    const clock = new TestClock();
    const expiresAt = new Date(clock.now().getTime() + 24 * HOUR);
    const a = await openLowdbStore(dir, { clock });
    expect(await a.receipts.putIf('slack:Ev1', { kind: 'slack-event', at: clock.now().toISOString() }, 0, { expiresAt })).toBe(1);
    await a.close();
    const b = await openLowdbStore(dir, { clock });
    expect(await b.receipts.putIf('slack:Ev1', { kind: 'slack-event', at: clock.now().toISOString() }, 0, { expiresAt })).toBeUndefined();
    await b.close();
    expect(await readdir(join(dir, 'receipts'))).toEqual(['2026-03-02.json', '2026-03-02.log']);
  });

  it('expired receipts are swept, and a day whose receipts have all expired loses its files', async () => {
    const clock = new TestClock();
    const s = await openLowdbStore(dir, { clock });
    const at = () => clock.now().toISOString();
    const inADay = () => ({ expiresAt: new Date(clock.now().getTime() + 24 * HOUR) });
    await s.receipts.putIf('e1', { kind: 'k', at: at() }, 0, inADay());
    await s.receipts.putIf('e2', { kind: 'k', at: at() }, 0, inADay());
    clock.advance(24 * HOUR);
    await s.receipts.putIf('e3', { kind: 'k', at: at() }, 0, inADay());
    expect((await readdir(join(dir, 'receipts'))).sort()).toEqual(['2026-03-02.log', '2026-03-03.log']);
    expect(await s.receipts.sweep()).toBe(2);
    expect(await readdir(join(dir, 'receipts'))).toEqual(['2026-03-03.log']);
    expect(await s.receipts.get('e3')).toBeDefined();
    await s.close();
    const again = await openLowdbStore(dir, { clock });
    expect(await again.receipts.get('e1')).toBeUndefined();
    expect(await again.receipts.get('e3')).toBeDefined();
    await again.close();
  });
});

describe('lowdb store: what a write costs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('concurrent writes to a collection are committed together: far fewer fsyncs than writes', async () => {
    const s = await openLowdbStore(dir);
    const before = s.fsyncs();
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.users.put(`u${i}`, user(`u${i}`))));
    expect(s.fsyncs() - before).toBeLessThanOrEqual(2);
    expect(await s.users.list()).toHaveLength(100);
    await s.close();
  });

  it('durable: false writes do not fsync on the write path, and are on disk after close', async () => {
    const s = await openLowdbStore(dir, { lazyMs: 60_000 });
    await s.users.put('u', user('u'));
    const before = s.fsyncs();
    for (let i = 0; i < 20; i++) await s.users.update('u', (u) => ({ ...u!, lastSeen: `2026-03-02T10:00:${String(i).padStart(2, '0')}.000Z` }), { durable: false });
    expect(s.fsyncs()).toBe(before);
    await s.close();
    const again = await openLowdbStore(dir);
    expect((await again.users.get('u'))?.lastSeen).toBe('2026-03-02T10:00:19.000Z');
    await again.close();
  });

  it('a durable write carries the durable: false writes queued before it', async () => {
    const s = await openLowdbStore(dir, { lazyMs: 60_000 });
    await s.users.put('u', user('u'), { durable: false });
    await s.conversations.put('c', { platform: 'slack', id: 'c', kind: 'dm', firstSeen: 'a', lastSeen: 'a' });
    expect(await readFile(join(dir, 'users.log'), 'utf8').catch(() => 'not yet')).toBe('not yet'); // another collection's write: still waiting
    await s.users.put('v', user('v'));
    const lines = (await readFile(join(dir, 'users.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).k);
    expect(lines).toEqual(['u', 'v']);
    await s.close();
  });

  it('the journal is folded into the snapshot once it outgrows it, and nothing is lost', async () => {
    const s = await openLowdbStore(dir);
    const big = 'y'.repeat(2000);
    for (let round = 0; round < 6; round++)
      await Promise.all(Array.from({ length: 100 }, (_, i) => s.users.put(`u${i}`, { ...user(`u${i}`), name: `${big}${round}` })));
    expect((await stat(join(dir, 'users.log'))).size).toBeLessThan(1 << 20);
    expect((await stat(join(dir, 'users.json'))).size).toBeGreaterThan(100 * 2000);
    expect(await s.users.read('u7')).toMatchObject({ revision: 6, value: { name: `${big}5` } });
    await s.users.put('after', user('after'));
    await s.close();
    const again = await openLowdbStore(dir);
    expect(await again.users.list()).toHaveLength(101);
    expect(await again.users.read('u99')).toMatchObject({ revision: 6, value: { name: `${big}5` } });
    await again.close();
  });

  it('writes that cannot reach the disk are rejected, together with the ones queued after them, and leave no trace', async () => {
    const clock = new TestClock();
    const s = await openLowdbStore(dir, { clock });
    await writeFile(join(dir, 'receipts'), 'in the way'); // the day partition's folder cannot be created
    const at = clock.now().toISOString();
    const results = await Promise.allSettled([
      s.receipts.putIf('e1', { kind: 'k', at }, 0),
      s.receipts.putIf('e2', { kind: 'k', at }, 0),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await s.receipts.get('e1')).toBeUndefined();
    expect(await s.receipts.list()).toEqual([]);
    await rm(join(dir, 'receipts'));
    expect(await s.receipts.putIf('e1', { kind: 'k', at }, 0)).toBe(1); // first delivery is still recognised as first
    await s.close();
  });
});
