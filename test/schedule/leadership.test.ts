/**
 * One scheduler per cluster: several schedulers sharing ONE memory store are a cluster. Only the leader's
 * ticks run the policies; a leader that stops renewing is replaced once its lease lapses (the clock is
 * moved, nothing sleeps); a resigning one at once; and a leadership that flips mid-flush, or two leaders
 * for a moment, still send every message exactly once.
 */
import { memoryStore } from '../../src/core/memory.js';
import type { Store } from '../../src/core/ports.js';
import { createLeadership } from '../../src/core/schedule/leadership.js';
import { createScheduler, type Scheduler } from '../../src/core/schedule/runner.js';
import type { Leadership, SchedulePolicy } from '../../src/core/schedule/types.js';
import { fanOutPolicy, MemoryMessenger, people, silentLog, TestClock } from './helpers.js';

const T0 = new Date('2026-12-18T15:00:00Z');
const LEADER_MS = 30_000;

type Node = ReturnType<typeof cluster>['nodes'][number];

function cluster(n: number) {
  const clock = new TestClock(T0);
  const store: Store = { ...memoryStore(clock), info: { kind: 'memory', where: 'memory', shared: true } };
  const log = silentLog();
  const runs: string[] = [];
  const nodes = Array.from({ length: n }, (_, i) => {
    const owner = `host-${i}:1`;
    const leadership = createLeadership({ locks: store.locks, name: 'scheduler', owner, clock, leaseMs: LEADER_MS, log });
    const counting: SchedulePolicy = { name: 'count', due: async () => void runs.push(owner) };
    const scheduler = createScheduler({ store, clock, log, policies: [counting], messengers: {}, owner, leadership });
    return { owner, leadership, scheduler };
  });
  return { clock, store, log, runs, nodes };
}

describe('leadership: a lease in store.locks', () => {
  it('five instances racing for a free lock: exactly one leads', async () => {
    const { nodes } = cluster(5);
    const won = await Promise.all(nodes.map((n) => n.leadership.lead()));
    expect(won.filter(Boolean)).toHaveLength(1);
    // Asking again changes nothing: the leader renews, the others stay followers.
    expect(await Promise.all(nodes.map((n) => n.leadership.lead()))).toEqual(won);
  });

  it('renewing extends the lease; a lapsed one is taken; resigning hands over at once', async () => {
    const { clock, store, nodes, log } = cluster(2);
    const [a, b] = nodes as [Node, Node];
    expect(await a.leadership.lead()).toBe(true);
    const first = await store.locks.get('scheduler');
    clock.advance(LEADER_MS - 1);
    expect(await a.leadership.lead()).toBe(true);
    const renewed = await store.locks.get('scheduler');
    expect(renewed).toEqual({ owner: a.owner, since: first!.since, until: new Date(clock.now().getTime() + LEADER_MS).toISOString() });
    // Just before the renewed lease lapses B cannot take it; at the moment it lapses it can.
    clock.advance(LEADER_MS - 1);
    expect(await b.leadership.lead()).toBe(false);
    clock.advance(1);
    expect(await b.leadership.lead()).toBe(true);
    expect(await a.leadership.lead()).toBe(false);
    expect(a.leadership.leading).toBe(false);
    await b.leadership.resign();
    expect(await a.leadership.lead()).toBe(true);
    // A's resign does nothing to a lease that is not its own.
    await b.leadership.resign();
    expect(await b.leadership.lead()).toBe(false);
    // One line per change, naming owners only.
    const changes = log.lines.filter((l) => String(l.msg).startsWith('leadership:')).map((l) => `${String(l.owner)} ${String(l.msg)}`);
    expect(changes).toEqual([
      `${a.owner} leadership: this instance now leads`,
      `${b.owner} leadership: this instance now leads`,
      `${a.owner} leadership: this instance no longer leads`,
      `${b.owner} leadership: this instance resigned`,
      `${a.owner} leadership: this instance now leads`,
    ]);
  });

  it('a store that cannot be reached means not leading, and the next lead() recovers', async () => {
    const { store, nodes, log } = cluster(1);
    const a = nodes[0]!;
    expect(await a.leadership.lead()).toBe(true);
    const read = store.locks.read.bind(store.locks);
    store.locks.read = () => Promise.reject(new Error('ECONNREFUSED'));
    expect(await a.leadership.lead()).toBe(false);
    store.locks.read = read;
    expect(await a.leadership.lead()).toBe(true);
    // The store's own outage line is the one warning; stepping down because of it is told at info (a warn
    // here was a second alarm per outage, and failed the outage test whenever the heartbeat fell in it).
    const changes = log.lines.filter((l) => String(l.msg).startsWith('leadership:')).map((l) => `${String(l.level)} ${String(l.msg)}`);
    expect(changes).toEqual([
      'info leadership: this instance now leads',
      'info leadership: this instance no longer leads',
      'info leadership: this instance now leads',
    ]);
  });
});

describe('scheduler with leadership: one tick per cluster', () => {
  const round = (schedulers: Scheduler[]) => Promise.all(schedulers.map((s) => s.tick()));

  it('only one of three schedulers runs the policies per tick round; a killed leader is replaced after its lease; a resigning one at once', async () => {
    const { clock, runs, nodes } = cluster(3);
    const all = nodes.map((n) => n.scheduler);
    const summaries = await round(all);
    expect(runs).toHaveLength(1);
    expect(summaries.filter((s) => s.leader === false)).toHaveLength(2);
    const leader = nodes.find((n) => n.owner === runs[0])!;
    for (let i = 0; i < 3; i++) {
      clock.advance(LEADER_MS / 2);
      await round(all);
    }
    expect(runs).toEqual(Array(4).fill(leader.owner));

    // The leader dies: it is never called again. Until its lease lapses nobody runs the policies.
    const rest = nodes.filter((n) => n !== leader);
    clock.advance(LEADER_MS - 1);
    await round(rest.map((n) => n.scheduler));
    expect(runs).toHaveLength(4);
    clock.advance(1);
    await round(rest.map((n) => n.scheduler));
    expect(runs).toHaveLength(5);
    const successor = nodes.find((n) => n.owner === runs[4])!;
    expect(successor).not.toBe(leader);

    // The successor resigns (a graceful stop: it ticks no more): the third takes over without the clock moving.
    const third = rest.find((n) => n !== successor)!;
    expect((await third.scheduler.tick()).leader).toBe(false);
    await successor.leadership.resign();
    expect((await third.scheduler.tick()).leader).toBeUndefined();
    expect(runs.slice(5)).toEqual([third.owner]);
  });

  it('flush, reconcile and timers do nothing on a follower', async () => {
    const { nodes, store, clock } = cluster(2);
    const [a, b] = nodes as [Node, Node];
    await a.leadership.lead();
    await store.timers.put('t1', { key: 't1', kind: 'x', dueAt: T0.toISOString(), createdAt: T0.toISOString(), payload: {} });
    expect(await b.scheduler.flush()).toEqual({});
    expect(await b.scheduler.reconcile(0)).toEqual({});
    expect(await b.scheduler.tick()).toEqual({ policies: 0, timers: 0, flushed: {}, leader: false });
    expect(await store.timers.get('t1')).toBeDefined();
    clock.advance(LEADER_MS);
    // Once B leads, its tick takes the timer (no policy has kind x, so it is dropped).
    expect((await b.scheduler.tick()).leader).toBeUndefined();
    expect(await store.timers.get('t1')).toBeUndefined();
  });
});

describe('exactly once while leadership changes hands', () => {
  const N = 500;

  function fanOut(leaderships: (clock: TestClock, store: Store, owner: string) => Leadership) {
    const clock = new TestClock(T0);
    const store: Store = { ...memoryStore(clock), info: { kind: 'memory', where: 'memory', shared: true } };
    const log = silentLog();
    const slack = new MemoryMessenger('slack');
    const sentBy: Record<string, number> = {};
    const make = (owner: string) => {
      const s = createScheduler({
        store, clock, log, owner, policies: [], leadership: leaderships(clock, store, owner),
        messengers: { slack: { platform: 'slack', findSent: (to, tag) => slack.findSent(to, tag), update: (r, p) => slack.update(r, p), send: async (to, p, tag) => {
          sentBy[owner] = (sentBy[owner] ?? 0) + 1;
          return slack.send(to, p, tag);
        } } },
        limits: { leaseMs: 120_000, batch: 50 },
      });
      return s;
    };
    const seed = async () => {
      const policy = fanOutPolicy(people('slack', N));
      await policy.due!({ now: clock.now(), outbox: (await import('../../src/core/schedule/store-ports.js')).storeOutbox(store, clock), timers: undefined as never });
    };
    return { clock, store, slack, sentBy, make, seed };
  }

  const exactlyOnce = (slack: MemoryMessenger) => {
    expect(slack.calls).toHaveLength(N);
    expect(new Set(slack.calls).size).toBe(N);
  };

  it('leadership flips mid-flush: the old leader stops claiming, the new one sends the rest, each message once', async () => {
    const { clock, slack, sentBy, make, seed } = fanOut((clock, store, owner) => createLeadership({ locks: store.locks, name: 'scheduler', owner, clock, leaseMs: LEADER_MS }));
    await seed();
    const a = make('A');
    const b = make('B');
    let flushB: Promise<unknown> | undefined;
    slack.during = async () => {
      await new Promise((r) => setImmediate(r));
      if (slack.calls.length === 150 && !flushB) {
        // A stalls past its lease; B's flush takes over while A's batches are still in hand.
        clock.advance(LEADER_MS + 1);
        flushB = b.flush();
      }
    };
    const flushA = a.flush();
    await flushA;
    await flushB;
    exactlyOnce(slack);
    expect(sentBy.A).toBeGreaterThanOrEqual(150);
    expect(sentBy.A).toBeLessThan(N);
    expect(sentBy.B).toBe(N - sentBy.A!);
  });

  it('two leaders for a moment (a stalled one and its successor), flushing together: each message once', async () => {
    // Both believe they lead: what the leases and the `sending` compare-and-set must make safe.
    const { slack, sentBy, make, seed } = fanOut((_c, _s, owner) => ({ owner, lead: async () => true, resign: async () => undefined }));
    await seed();
    slack.during = () => new Promise((r) => setImmediate(r));
    await Promise.all([make('A').flush(), make('B').flush()]);
    exactlyOnce(slack);
    expect(sentBy.A).toBeGreaterThan(0);
    expect(sentBy.B).toBeGreaterThan(0);
  });
});
