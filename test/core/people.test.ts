/**
 * The one user upsert and the per-turn bookkeeping, on the real lowdb store: a turn that only moves
 * "last seen" costs no fsync, a first meeting or a new conversation reference is durable, and concurrent
 * writers of one person's record lose nothing.
 */
import type { Person, Place } from '../../src/core/conversation.js';
import { rememberTurn, upsertUser } from '../../src/core/people.js';
import { openLowdbStore, type LowdbStore } from '../../src/store/lowdb-store.js';
import { removeDir, tempDir } from '../store/helpers.js';

const who: Person = { platform: 'teams', id: '29:abc', name: 'Ms Teacher', teamId: 'tenant-1' };
const dm: Place = { platform: 'teams', id: 'a:1', kind: 'dm', teamId: 'tenant-1', reference: { serviceUrl: 'http://localhost:3978/', v: 1 } };
const at = (s: number) => new Date(Date.UTC(2026, 2, 2, 9, 0, s));

describe('remembering who and where', () => {
  let store: LowdbStore;
  beforeEach(async () => {
    store = await openLowdbStore(await tempDir(), { lazyMs: 60_000 });
  });
  afterEach(async () => {
    await store.close();
    await removeDir(store.dir);
  });

  it('a first turn is written durably; later turns that only move "last seen" cost no fsync', async () => {
    const start = store.fsyncs();
    await rememberTurn(store, who, dm, at(0));
    expect(store.fsyncs() - start).toBe(2); // the conversation, then the person
    const afterFirst = store.fsyncs();
    for (let s = 1; s <= 10; s++) await rememberTurn(store, who, dm, at(s));
    expect(store.fsyncs()).toBe(afterFirst);
    expect(await store.users.get('teams:29:abc')).toMatchObject({ firstSeen: at(0).toISOString(), lastSeen: at(10).toISOString(), dmConversationId: 'a:1' });
    expect((await store.conversations.get('teams:a:1'))?.lastSeen).toBe(at(10).toISOString());
  });

  it('a Teams reference that names only a newer activity is bookkeeping: no fsync, but kept', async () => {
    await rememberTurn(store, who, { ...dm, reference: { ...dm.reference, activityId: 'a1' } }, at(0));
    const before = store.fsyncs();
    await rememberTurn(store, who, { ...dm, reference: { ...dm.reference, activityId: 'a2' } }, at(1));
    expect(store.fsyncs()).toBe(before);
    expect((await store.conversations.get('teams:a:1'))?.reference).toMatchObject({ activityId: 'a2' });
  });

  it('a new Teams conversation reference or a new name is written durably', async () => {
    await rememberTurn(store, who, dm, at(0));
    const before = store.fsyncs();
    const moved = { ...dm, reference: { ...dm.reference, v: 2 } };
    await rememberTurn(store, who, moved, at(1));
    expect(store.fsyncs() - before).toBe(1);
    await rememberTurn(store, { ...who, name: 'Mrs Teacher' }, moved, at(2));
    expect(store.fsyncs() - before).toBe(2);
    expect((await store.conversations.get('teams:a:1'))?.reference).toEqual({ serviceUrl: 'http://localhost:3978/', v: 2 });
  });

  it('a preference and a turn written at the same time both land (compare-and-set, not last writer wins)', async () => {
    await rememberTurn(store, who, dm, at(0));
    await Promise.all([
      upsertUser(store, who, at(1), { change: (u) => ({ ...u, prefs: { ...u.prefs, callPlatform: 'meet' } }) }),
      rememberTurn(store, who, dm, at(5)),
      upsertUser(store, who, at(2), { change: (u) => ({ ...u, prefs: { ...u.prefs, accountStepsSeen: ['data-region'] } }) }),
    ]);
    expect(await store.users.get('teams:29:abc')).toMatchObject({
      lastSeen: at(5).toISOString(),
      prefs: { callPlatform: 'meet', accountStepsSeen: ['data-region'] },
    });
  });

  it('"last seen" never goes backwards when turns finish out of order', async () => {
    await rememberTurn(store, who, dm, at(9));
    await rememberTurn(store, who, dm, at(3));
    expect((await store.users.get('teams:29:abc'))?.lastSeen).toBe(at(9).toISOString());
  });
});
