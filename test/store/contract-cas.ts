/**
 * The parts of the Collection contract that features build on: revisions and compare-and-set under real
 * concurrency (Promise.all, not one after another), indexed queries, leases, expiry and sweep. Runs
 * against every implementation through collectionContract.
 */
import type { PendingRequest, Receipt, Store } from '../../src/core/ports.js';
import type { ContractSubject } from './collection-contract.js';
import { TestClock, request } from './helpers.js';

const MINUTE = 60_000;

function withStore(subject: ContractSubject) {
  const ctx = { store: undefined as unknown as Store, clock: new TestClock() };
  // (`ctx.store` may be replaced by a reopen; afterEach closes whichever is current.)
  beforeEach(async () => {
    ctx.clock = new TestClock();
    ctx.store = await subject.open(ctx.clock);
  });
  afterEach(async () => {
    await subject.close(ctx.store);
  });
  return ctx;
}

export function revisionContract(label: string, subject: ContractSubject): void {
  describe(`Collection contract (revisions, compare-and-set, expiry): ${label}`, () => {
    const t = withStore(subject);

    it('revisions start at 1 and go up by one with every write; read returns the revision', async () => {
      expect(await t.store.requests.put('r', request('r'))).toBe(1);
      expect(await t.store.requests.put('r', request('r', { kind: 'b' }))).toBe(2);
      expect(await t.store.requests.read('r')).toEqual({ key: 'r', value: request('r', { kind: 'b' }), revision: 2 });
      expect(await t.store.requests.read('missing')).toBeUndefined();
    });

    it('putIf writes only at the expected revision and returns the new one', async () => {
      expect(await t.store.requests.putIf('r', request('r'), 1)).toBeUndefined(); // nothing there yet
      expect(await t.store.requests.putIf('r', request('r'), 0)).toBe(1);
      expect(await t.store.requests.putIf('r', request('r', { kind: 'late' }), 0)).toBeUndefined();
      expect(await t.store.requests.putIf('r', request('r', { kind: 'next' }), 1)).toBe(2);
      expect((await t.store.requests.get('r'))?.kind).toBe('next');
    });

    it('many concurrent putIf at the same revision: exactly one wins and its value is stored', async () => {
      const rev = await t.store.requests.put('r', request('r'));
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => t.store.requests.putIf('r', request('r', { kind: `writer-${i}` }), rev)),
      );
      const winners = results.flatMap((r, i) => (r === undefined ? [] : [i]));
      expect(winners).toHaveLength(1);
      expect(results[winners[0]!]).toBe(rev + 1);
      expect(await t.store.requests.read('r')).toMatchObject({ revision: rev + 1, value: { kind: `writer-${winners[0]}` } });
    });

    it('many concurrent first deliveries of one receipt: exactly one putIf(…, 0) succeeds', async () => {
      const receipt: Receipt = { kind: 'slack-event', at: t.clock.now().toISOString() };
      const expiresAt = new Date(t.clock.now().getTime() + 60 * MINUTE);
      const results = await Promise.all(Array.from({ length: 25 }, () => t.store.receipts.putIf('evt:1', receipt, 0, { expiresAt })));
      expect(results.filter((r) => r !== undefined)).toEqual([1]);
      expect(await t.store.receipts.get('evt:1')).toEqual(receipt);
    });

    it('read-then-putIf loops under contention lose no increments', async () => {
      await t.store.requests.put('n', request('n', { detail: { n: 0 } }));
      const worker = async () => {
        for (;;) {
          const cur = (await t.store.requests.read('n'))!;
          const next = { ...cur.value, detail: { n: (cur.value.detail.n as number) + 1 } };
          if ((await t.store.requests.putIf('n', next, cur.revision)) !== undefined) return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      expect(await t.store.requests.read('n')).toMatchObject({ revision: 21, value: { detail: { n: 20 } } });
    });

    it('deleteIf deletes only at the expected revision', async () => {
      const rev = await t.store.requests.put('r', request('r'));
      expect(await t.store.requests.deleteIf('r', rev + 1)).toBe(false);
      expect(await t.store.requests.get('r')).toBeDefined();
      const both = await Promise.all([t.store.requests.deleteIf('r', rev), t.store.requests.deleteIf('r', rev)]);
      expect(both.sort()).toEqual([false, true]);
      expect(await t.store.requests.get('r')).toBeUndefined();
      expect(await t.store.requests.deleteIf('r', rev)).toBe(false);
    });

    it('a record that has expired is gone for every read, for putIf(…, 0) and for queries; sweep removes it', async () => {
      const soon = new Date(t.clock.now().getTime() + 10 * MINUTE);
      await t.store.requests.put('old', request('old', { dueAt: '2026-03-05T00:00:00.000Z' }), { expiresAt: soon });
      await t.store.requests.put('keep', request('keep', { dueAt: '2026-03-05T00:00:00.000Z' }));
      expect(await t.store.requests.get('old')).toBeDefined();
      expect(await t.store.requests.sweep()).toBe(0);
      t.clock.advance(10 * MINUTE); // expiresAt reached: expired
      expect(await t.store.requests.get('old')).toBeUndefined();
      expect(await t.store.requests.read('old')).toBeUndefined();
      expect((await t.store.requests.list()).map((r) => r.id)).toEqual(['keep']);
      expect((await t.store.requests.query({ index: 'due', from: '2026' })).map((r) => r.key)).toEqual(['keep']);
      expect(await t.store.requests.sweep()).toBe(1);
      expect(await t.store.requests.sweep()).toBe(0);
      expect(await t.store.requests.putIf('old', request('old'), 0)).toBeDefined();
    });

    it('putIf(…, 0) succeeds over an expired record that sweep has not removed yet', async () => {
      const expiresAt = new Date(t.clock.now().getTime() + MINUTE);
      await t.store.receipts.put('evt', { kind: 'k', at: t.clock.now().toISOString() }, { expiresAt });
      expect(await t.store.receipts.putIf('evt', { kind: 'k', at: 'again' }, 0)).toBeUndefined();
      t.clock.advance(2 * MINUTE);
      expect(await t.store.receipts.putIf('evt', { kind: 'k', at: t.clock.now().toISOString() }, 0)).toBeDefined();
      expect(await t.store.receipts.sweep()).toBe(0); // the new one has no expiry
    });

    it('a write without expiresAt clears an earlier expiry', async () => {
      await t.store.requests.put('r', request('r'), { expiresAt: new Date(t.clock.now().getTime() + MINUTE) });
      await t.store.requests.put('r', request('r'));
      t.clock.advance(2 * MINUTE);
      expect(await t.store.requests.get('r')).toBeDefined();
    });

    // Only persistent stores have a restart to survive; the in-memory store does not register this test.
    if (subject.reopen)
    it('revisions, expiry, leases and receipts survive a restart', async () => {
      await t.store.requests.put('r', request('r', { dueAt: '2026-03-01T00:00:00.000Z' }));
      const [claimed] = await t.store.requests.claim({ index: 'due', before: '2026-03-02', owner: 'w1', leaseMs: 60 * MINUTE });
      const expiresAt = new Date(t.clock.now().getTime() + 10 * MINUTE);
      await t.store.receipts.putIf('evt', { kind: 'k', at: t.clock.now().toISOString() }, 0, { expiresAt });
      await t.store.users.put('u', { platform: 'slack', id: 'u', firstSeen: 'a', lastSeen: 'a' });
      await t.store.users.update('u', (u) => ({ ...u!, lastSeen: 'b' }), { durable: false });
      t.store = await subject.reopen!(t.store, t.clock);
      expect(await t.store.requests.read('r')).toMatchObject({ revision: claimed!.revision });
      expect(await t.store.requests.claim({ index: 'due', before: '2026-03-02', owner: 'w2', leaseMs: MINUTE })).toEqual([]);
      expect(await t.store.receipts.putIf('evt', { kind: 'k', at: 'again' }, 0)).toBeUndefined();
      expect((await t.store.users.get('u'))?.lastSeen).toBe('b'); // a clean stop keeps even durable: false writes
      t.clock.advance(10 * MINUTE);
      expect(await t.store.receipts.get('evt')).toBeUndefined();
    });

    it('durable: false writes are visible at once like any other', async () => {
      await t.store.users.put('u', { platform: 'slack', id: 'u', firstSeen: 'a', lastSeen: 'a' });
      await t.store.users.update('u', (u) => ({ ...u!, lastSeen: 'b' }), { durable: false });
      expect((await t.store.users.get('u'))?.lastSeen).toBe('b');
    });
  });
}

const due = (id: string, dueAt: string | undefined, userId = 'U1'): PendingRequest => request(id, { dueAt, userId });

export function queryContract(label: string, subject: ContractSubject): void {
  describe(`Collection contract (queries): ${label}`, () => {
    const t = withStore(subject);
    const keys = (rs: { key: string }[]) => rs.map((r) => r.key);

    beforeEach(async () => {
      await Promise.all([
        t.store.requests.put('c', due('c', '2026-03-03T09:00:00.000Z', 'U2')),
        t.store.requests.put('a', due('a', '2026-03-03T09:00:00.000Z')),
        t.store.requests.put('b', due('b', '2026-03-01T09:00:00.000Z')),
        t.store.requests.put('d', due('d', '2026-03-10T09:00:00.000Z', 'U2')),
        t.store.requests.put('none', due('none', undefined)),
      ]);
    });

    it('equals matches one value, in key order', async () => {
      expect(keys(await t.store.requests.query({ index: 'person', equals: 'slack:U2' }))).toEqual(['c', 'd']);
      expect(keys(await t.store.requests.query({ index: 'person', equals: 'slack:U1' }))).toEqual(['a', 'b', 'none']);
      expect(await t.store.requests.query({ index: 'person', equals: 'slack:U9' })).toEqual([]);
    });

    it('ranges are from (inclusive) and before (exclusive), in index order then key order; undefined values are left out', async () => {
      const all = await t.store.requests.query({ index: 'due' });
      expect(keys(all)).toEqual(['b', 'a', 'c', 'd']);
      expect(keys(await t.store.requests.query({ index: 'due', before: '2026-03-03T09:00:00.000Z' }))).toEqual(['b']);
      expect(keys(await t.store.requests.query({ index: 'due', from: '2026-03-03T09:00:00.000Z' }))).toEqual(['a', 'c', 'd']);
      expect(keys(await t.store.requests.query({ index: 'due', from: '2026-03-02', before: '2026-03-04' }))).toEqual(['a', 'c']);
      expect(keys(await t.store.requests.query({ index: 'due', equals: '2026-03-03T09:00:00.000Z' }))).toEqual(['a', 'c']);
    });

    it('limit cuts after ordering; results carry value and revision', async () => {
      const first = await t.store.requests.query({ index: 'due', before: '2026-04', limit: 2 });
      expect(first).toEqual([
        { key: 'b', value: due('b', '2026-03-01T09:00:00.000Z'), revision: 1 },
        { key: 'a', value: due('a', '2026-03-03T09:00:00.000Z'), revision: 1 },
      ]);
      expect(await t.store.requests.query({ index: 'due', limit: 0 })).toEqual([]);
    });

    it('a changed record moves in its indexes; a deleted one leaves them', async () => {
      await t.store.requests.put('b', due('b', '2026-03-20T00:00:00.000Z', 'U3'));
      await t.store.requests.update('a', (r) => ({ ...r!, dueAt: undefined }));
      await t.store.requests.delete('c');
      expect(keys(await t.store.requests.query({ index: 'due', before: '2026-03-05' }))).toEqual([]);
      expect(keys(await t.store.requests.query({ index: 'due' }))).toEqual(['d', 'b']);
      expect(keys(await t.store.requests.query({ index: 'person', equals: 'slack:U3' }))).toEqual(['b']);
      expect(keys(await t.store.requests.query({ index: 'person', equals: 'slack:U1' }))).toEqual(['a', 'none']);
    });

    it('expired records are not returned, and the limit counts only live ones', async () => {
      await t.store.requests.put('b', due('b', '2026-03-01T09:00:00.000Z'), { expiresAt: new Date(t.clock.now().getTime() + MINUTE) });
      t.clock.advance(MINUTE);
      expect(keys(await t.store.requests.query({ index: 'due', limit: 2 }))).toEqual(['a', 'c']);
    });

    it('an index the collection does not declare is refused', async () => {
      await expect(t.store.requests.query({ index: 'nope' })).rejects.toThrow(/no index "nope"/);
    });
  });
}

export function leaseContract(label: string, subject: ContractSubject): void {
  describe(`Collection contract (leases): ${label}`, () => {
    const t = withStore(subject);
    const claimDue = (owner: string, limit = 10, leaseMs = 5 * MINUTE) =>
      t.store.requests.claim({ index: 'due', before: '2026-03-04', owner, leaseMs, limit });

    beforeEach(async () => {
      await Promise.all(['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((id, i) => t.store.requests.put(id, due(id, `2026-03-0${(i % 3) + 1}T00:00:00.000Z`))));
      await t.store.requests.put('later', due('later', '2026-04-01T00:00:00.000Z'));
    });

    it('concurrent claimers never share a record, and together get every due one', async () => {
      const results = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => claimDue(w, 2)));
      const all = results.flat().map((c) => c.key);
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
      results.forEach((claimed, i) => claimed.forEach((c) => expect(c.lease.owner).toBe(`w${i + 1}`)));
      expect(await claimDue('w5')).toEqual([]);
    });

    it('a claim goes up a revision and says until when', async () => {
      const [c] = await claimDue('w1', 1);
      expect(c).toMatchObject({ key: 'r1', revision: 2, lease: { owner: 'w1', until: '2026-03-02T09:05:00.000Z' } });
      expect((await t.store.requests.read('r1'))?.revision).toBe(2);
    });

    it('a lease lapses when the clock passes it, and another worker claims the record', async () => {
      const first = await claimDue('crashed', 10, 5 * MINUTE);
      expect(first).toHaveLength(6);
      t.clock.advance(4 * MINUTE);
      expect(await claimDue('w2')).toEqual([]);
      t.clock.advance(MINUTE);
      const second = await claimDue('w2', 10);
      expect(second.map((c) => c.key).sort()).toEqual(first.map((c) => c.key).sort());
      // The crashed worker's late finish at its old revision is refused, and so is its release.
      expect(await t.store.requests.putIf('r1', due('r1', undefined), first.find((c) => c.key === 'r1')!.revision)).toBeUndefined();
      expect(await t.store.requests.release('r1', 'crashed')).toBe(false);
    });

    it('putIf at the claimed revision finishes the item and ends the lease', async () => {
      const [c] = await claimDue('w1', 1);
      const rev = await t.store.requests.putIf(c!.key, { ...c!.value, detail: { tries: 1 } }, c!.revision);
      expect(rev).toBe(c!.revision + 1);
      const again = await claimDue('w2', 1);
      expect(again[0]?.key).toBe(c!.key); // still due, no longer leased
      expect(await t.store.requests.release(c!.key, 'w1')).toBe(false);
    });

    it('release frees a record for the next claimer; only the owner can release', async () => {
      const [c] = await claimDue('w1', 1);
      expect(await t.store.requests.release(c!.key, 'someone-else')).toBe(false);
      expect(await claimDue('w2', 1)).not.toContainEqual(expect.objectContaining({ key: c!.key }));
      expect(await t.store.requests.release(c!.key, 'w1')).toBe(true);
      const next = await t.store.requests.claim({ index: 'due', equals: c!.value.dueAt!, owner: 'w3', leaseMs: MINUTE });
      expect(next.map((n) => n.key)).toContain(c!.key);
    });

    it('deleteIf at the claimed revision removes the item', async () => {
      const [c] = await claimDue('w1', 1);
      expect(await t.store.requests.deleteIf(c!.key, c!.revision)).toBe(true);
      expect(await t.store.requests.get(c!.key)).toBeUndefined();
    });
  });
}
