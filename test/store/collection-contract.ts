/**
 * The Collection contract, run against every Store implementation (memory, lowdb, and later PostgreSQL)
 * so they behave identically. A subject opens a fresh, empty store on the clock it is given (expiry and
 * leases are tested by moving that clock, never by waiting) and disposes of it.
 */
import type { Clock, KnownUser, Store, StoredDialog } from '../../src/core/ports.js';
import { TestClock } from './helpers.js';
import { leaseContract, queryContract, revisionContract } from './contract-cas.js';

export interface ContractSubject {
  open(clock: Clock): Promise<Store>;
  close(store: Store): Promise<void>;
  /** For persistent stores: closes `store` and opens the same data again (a restart). */
  reopen?(store: Store, clock: Clock): Promise<Store>;
}

const user = (id: string, name = 'Ms Example'): KnownUser => ({
  platform: 'slack',
  id,
  name,
  firstSeen: '2025-01-01T00:00:00.000Z',
  lastSeen: '2025-01-02T00:00:00.000Z',
  prefs: { callPlatform: 'zoom', accountStepsSeen: ['a'] },
});

export function collectionContract(label: string, subject: ContractSubject): void {
  describe(`Collection contract: ${label}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeEach(async () => {
      clock = new TestClock();
      store = await subject.open(clock);
    });
    afterEach(async () => {
      await subject.close(store);
    });

    it('get of a missing key is undefined, list of an empty collection is []', async () => {
      expect(await store.users.get('nobody')).toBeUndefined();
      expect(await store.users.list()).toEqual([]);
    });

    it('put then get returns an equal value; put overwrites', async () => {
      await store.users.put('slack:U1', user('U1'));
      expect(await store.users.get('slack:U1')).toEqual(user('U1'));
      await store.users.put('slack:U1', user('U1', 'Mr Other'));
      expect((await store.users.get('slack:U1'))?.name).toBe('Mr Other');
      expect(await store.users.list()).toHaveLength(1);
    });

    it('values are copies: mutating the input or a returned value does not change the store', async () => {
      const input = user('U1');
      await store.users.put('k', input);
      input.name = 'changed after put';
      const got = (await store.users.get('k'))!;
      got.prefs!.accountStepsSeen!.push('mutated');
      (await store.users.list())[0]!.name = 'mutated via list';
      expect(await store.users.get('k')).toEqual(user('U1'));
    });

    it('entries gives every live record with its key and expiry, in key order (what export copies)', async () => {
      const soon = new Date(clock.now().getTime() + 60_000);
      const later = new Date(clock.now().getTime() + 3_600_000);
      await store.users.put('slack:U2', user('U2'));
      await store.users.put('slack:U1', user('U1'), { expiresAt: later });
      await store.users.put('slack:U3', user('U3'), { expiresAt: soon });
      expect(await store.users.entries()).toEqual([
        { key: 'slack:U1', value: user('U1'), expiresAt: later.toISOString() },
        { key: 'slack:U2', value: user('U2') },
        { key: 'slack:U3', value: user('U3'), expiresAt: soon.toISOString() },
      ]);
      clock.advance(120_000);
      expect((await store.users.entries()).map((e) => e.key)).toEqual(['slack:U1', 'slack:U2']);
    });

    it('list returns every value', async () => {
      for (const id of ['U1', 'U2', 'U3']) await store.users.put(`slack:${id}`, user(id));
      const ids = (await store.users.list()).map((u) => u.id).sort();
      expect(ids).toEqual(['U1', 'U2', 'U3']);
    });

    it('delete removes; deleting a missing key is a no-op', async () => {
      await store.users.put('a', user('a'));
      await store.users.put('b', user('b'));
      await store.users.delete('a');
      await store.users.delete('never-there');
      expect(await store.users.get('a')).toBeUndefined();
      expect((await store.users.list()).map((u) => u.id)).toEqual(['b']);
    });

    it('update creates, modifies (with a copy of the current value) and deletes', async () => {
      const seen: (KnownUser | undefined)[] = [];
      const created = await store.users.update('k', (cur) => (seen.push(cur), user('k')));
      expect(created).toEqual(user('k'));
      const updated = await store.users.update('k', (cur) => {
        seen.push(structuredClone(cur));
        cur!.name = 'Renamed';
        return cur;
      });
      expect(updated?.name).toBe('Renamed');
      expect(seen[0]).toBeUndefined();
      expect(seen[1]).toEqual(user('k'));
      expect((await store.users.get('k'))?.name).toBe('Renamed');
      expect(await store.users.update('k', () => undefined)).toBeUndefined();
      expect(await store.users.get('k')).toBeUndefined();
      expect(await store.users.update('missing', (cur) => cur)).toBeUndefined();
      expect(await store.users.list()).toEqual([]);
    });

    it('update whose fn throws rejects and changes nothing', async () => {
      await store.users.put('k', user('k'));
      await expect(
        store.users.update('k', () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.users.get('k')).toEqual(user('k'));
      await store.users.put('k2', user('k2')); // still usable afterwards
      expect(await store.users.list()).toHaveLength(2);
    });

    it('collections are independent', async () => {
      const d: StoredDialog = { key: 'same', dialog: 'setup', updatedAt: '2025-01-01T00:00:00.000Z', state: { step: 2 } };
      await store.users.put('same', user('same'));
      await store.dialogs.put('same', d);
      expect(await store.dialogs.get('same')).toEqual(d);
      await store.users.delete('same');
      expect(await store.dialogs.get('same')).toEqual(d);
      expect(await store.conversations.list()).toEqual([]);
      expect(await store.requests.list()).toEqual([]);
    });

    it('keys are plain strings, including awkward ones', async () => {
      for (const k of ['__proto__', 'constructor', 'teams:19:abc@thread.v2', '']) await store.users.put(k, user(k));
      expect(await store.users.get('__proto__')).toEqual(user('__proto__'));
      expect(await store.users.get('toString')).toBeUndefined();
      expect(await store.users.list()).toHaveLength(4);
    });

    it('concurrent updates of one key are serialised (no lost increments)', async () => {
      const bump = () =>
        store.requests.update('counter', (cur) => ({
          id: 'counter', kind: 'count', platform: 'slack', userId: 'U', conversationId: 'C',
          createdAt: '2025-01-01T00:00:00.000Z', detail: { n: ((cur?.detail.n as number | undefined) ?? 0) + 1 },
        }));
      await Promise.all(Array.from({ length: 50 }, bump));
      expect((await store.requests.get('counter'))?.detail.n).toBe(50);
    });

    it('writable() is true while open', async () => {
      expect(await store.writable()).toBe(true);
    });
  });
  revisionContract(label, subject);
  queryContract(label, subject);
  leaseContract(label, subject);
}
