/**
 * The scheduler on the in-memory store with a fixed clock: exactly-once under overlapping ticks and two
 * workers, reconciliation after a crash between "sending" and "sent", Retry-After, bounded backoff,
 * unreachable people, timers, sealed prompts and updates in place.
 */
import { memoryStore } from '../../src/core/memory.js';
import { rememberTurn } from '../../src/core/people.js';
import { userKey, type Store } from '../../src/core/ports.js';
import { aesSealer, type Sealer } from '../../src/core/sealer.js';
import { randomBytes } from 'node:crypto';
import { createScheduler, type SchedulerOptions } from '../../src/core/schedule/runner.js';
import { storeOutbox } from '../../src/core/schedule/store-ports.js';
import type { Delivery } from '../../src/core/schedule/types.js';
import { fanOutPolicy, MemoryMessenger, people, prompt, silentLog, TestClock } from './helpers.js';

const T0 = new Date('2026-12-18T15:00:00Z');
/** Short backoffs, a long lease, no pacing unless a test adds it. */
const LIMITS = { backoffMs: 1000, maxBackoffMs: 8000, maxAttempts: 3, leaseMs: 60_000 };

function setup(over: Partial<SchedulerOptions> = {}) {
  const clock = new TestClock(T0);
  const store = memoryStore(clock);
  const slack = new MemoryMessenger('slack');
  const teams = new MemoryMessenger('teams');
  teams.readBack = 'unknown';
  const log = silentLog();
  const make = (o: Partial<SchedulerOptions> = {}) =>
    createScheduler({ store, clock, log, policies: [], messengers: { slack, teams }, limits: LIMITS, ...over, ...o });
  return { clock, store, slack, teams, log, make };
}

const statusOf = async (store: Store, key: string) => (await store.deliveries.get(key))?.status;

describe('scheduler: exactly once', () => {
  it('a fan-out to people on both platforms sends one DM each and tells the policy each outcome', async () => {
    const { slack, teams, make } = setup();
    const everyone = [...people('slack', 20), ...people('teams', 15, 'a')];
    const policy = fanOutPolicy(everyone);
    const s = make({ policies: [policy] });
    const summary = await s.tick();
    expect(summary.flushed.sent).toBe(35);
    expect(slack.sent).toHaveLength(20);
    expect(teams.sent).toHaveLength(15);
    expect(new Set(slack.sent.map((x) => x.to.userId)).size).toBe(20);
    expect(policy.outcomes.map((d) => d.status)).toEqual(Array(35).fill('sent'));
    // Ticking again (a restart re-running the policy) adds nothing and sends nothing.
    await s.tick();
    expect(slack.sent.length + teams.sent.length).toBe(35);
  });

  it('two overlapping ticks of one scheduler send each message once', async () => {
    const { slack, make } = setup();
    const s = make({ policies: [fanOutPolicy(people('slack', 50))] });
    // Each send yields, so the ticks interleave.
    slack.during = () => new Promise((r) => setImmediate(r));
    await Promise.all([s.tick(), s.tick(), s.tick()]);
    expect(slack.sent).toHaveLength(50);
    expect(new Set(slack.sent.map((x) => x.tag.key)).size).toBe(50);
  });

  it('two schedulers on one store never send the same message twice', async () => {
    const { slack, make } = setup();
    const policy = fanOutPolicy(people('slack', 60));
    const a = make({ policies: [policy], owner: 'a', limits: { batch: 7 } });
    const b = make({ policies: [policy], owner: 'b', limits: { batch: 5 } });
    slack.during = () => new Promise((r) => setTimeout(r, Math.random() * 3));
    await Promise.all([a.tick(), b.tick(), a.flush(), b.flush()]);
    expect(slack.sent).toHaveLength(60);
    expect(new Set(slack.sent.map((x) => x.tag.key)).size).toBe(60);
  });

  it('a worker whose lease lapsed while its send waited does not send: the new holder does, once', async () => {
    const { clock, store, slack, make } = setup();
    await storeOutbox(store, clock).enqueue([{ key: 'k1', kind: 'test.fanout', to: { platform: 'slack', userId: 'U1' }, prompt: prompt('hi') }]);
    const a = make({ owner: 'a' });
    const b = make({ owner: 'b' });
    // a claims, then (before its "sending" write) the lease lapses and b claims and sends.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const claim = store.deliveries.claim.bind(store.deliveries);
    let first = true;
    store.deliveries.claim = async (q) => {
      const got = await claim(q);
      if (first && got.length) {
        first = false;
        await gate;
      }
      return got;
    };
    const aFlush = a.flush();
    await new Promise((r) => setImmediate(r));
    clock.advance(61_000);
    await b.flush();
    release();
    const aSummary = await aFlush;
    expect(slack.sendsOf('k1')).toBe(1);
    expect(aSummary.skipped).toBe(1);
    expect(await statusOf(store, 'k1')).toBe('sent');
  });
});

describe('scheduler: a crash between "sending" and "sent"', () => {
  async function leftSending(store: Store, key: string, platform: 'slack' | 'teams', since: Date) {
    const d: Delivery = {
      key,
      kind: 'test.fanout',
      to: { platform, userId: `U-${key}` },
      prompt: prompt('hello'),
      status: 'sending',
      attempts: 1,
      createdAt: since.toISOString(),
      notBefore: since.toISOString(),
      sendingSince: since.toISOString(),
    };
    await store.deliveries.put(key, d);
  }

  it('Slack: found in the DM history → sent, not resent; not found → sent once', async () => {
    const { clock, store, slack, make } = setup();
    await leftSending(store, 'arrived', 'slack', T0);
    await leftSending(store, 'lost', 'slack', T0);
    // The message tagged "arrived" reached Slack before the crash.
    slack.sent.push({ to: { platform: 'slack', userId: 'U-arrived' }, tag: { key: 'arrived', kind: 'test.fanout' }, prompt: prompt('hello'), at: 0 });
    const s = make();
    // Younger than the lease: possibly still in flight on another worker, so left alone.
    expect(await s.reconcile()).toEqual({});
    expect(await statusOf(store, 'arrived')).toBe('sending');
    clock.advance(61_000);
    await s.tick();
    expect(await statusOf(store, 'arrived')).toBe('sent');
    expect(slack.sendsOf('arrived')).toBe(1);
    expect(await statusOf(store, 'lost')).toBe('sent');
    expect(slack.sendsOf('lost')).toBe(1);
    await s.tick();
    expect(slack.sent).toHaveLength(2);
  });

  it('Teams (no read-back): marked uncertain, not resent, and the policy is told', async () => {
    const { clock, store, teams, make } = setup();
    const policy = fanOutPolicy([]);
    await leftSending(store, 't1', 'teams', T0);
    clock.advance(61_000);
    const s = make({ policies: [policy] });
    const summary = await s.tick();
    expect(summary.flushed.uncertain).toBe(1);
    expect(await statusOf(store, 't1')).toBe('uncertain');
    expect(teams.calls).toEqual([]);
    expect(policy.outcomes.map((d) => [d.key, d.status])).toEqual([['t1', 'uncertain']]);
  });

  it('reconcile(0) at start settles what a crash left, however recent', async () => {
    const { store, slack, make } = setup();
    await leftSending(store, 'fresh', 'slack', T0);
    await make().reconcile(0);
    expect(await statusOf(store, 'fresh')).toBe('queued');
    expect(slack.calls).toEqual([]);
  });
});

describe('scheduler: platform answers', () => {
  it('429: the delivery waits for Retry-After and is not counted as an attempt', async () => {
    const { clock, store, slack, make } = setup();
    await storeOutbox(store, clock).enqueue([{ key: 'r1', kind: 'k', to: { platform: 'slack', userId: 'U1' }, prompt: prompt('x') }]);
    let limited = true;
    slack.script = () => (limited ? ((limited = false), { ok: false, kind: 'rate-limited', retryAfterMs: 30_000 }) : undefined);
    const s = make();
    expect((await s.flush()).retry).toBe(1);
    const waiting = await store.deliveries.get('r1');
    expect(waiting).toMatchObject({ status: 'queued', attempts: 0, notBefore: new Date(T0.getTime() + 30_000).toISOString() });
    clock.advance(29_999);
    expect(await s.flush()).toEqual({});
    expect(slack.calls).toEqual(['r1']);
    clock.advance(1);
    expect((await s.flush()).sent).toBe(1);
    expect(slack.calls).toEqual(['r1', 'r1']);
  });

  it('a failure that may pass is retried with doubling delays, then given up as failed', async () => {
    const { clock, store, slack, make } = setup();
    const policy = fanOutPolicy([], { kind: 'k' });
    await storeOutbox(store, clock).enqueue([{ key: 'f1', kind: 'k', to: { platform: 'slack', userId: 'U1' }, prompt: prompt('x') }]);
    slack.script = () => ({ ok: false, kind: 'failed', reason: 'internal_error', retryable: true });
    const s = make({ policies: [policy] });
    await s.flush();
    expect(await store.deliveries.get('f1')).toMatchObject({ status: 'queued', attempts: 1, error: 'internal_error' });
    clock.advance(999);
    await s.flush();
    expect(slack.calls).toHaveLength(1);
    clock.advance(1);
    await s.flush();
    expect(slack.calls).toHaveLength(2);
    clock.advance(1999); // second delay is 2 s
    await s.flush();
    expect(slack.calls).toHaveLength(2);
    clock.advance(1);
    await s.flush();
    expect(slack.calls).toHaveLength(3);
    expect(await store.deliveries.get('f1')).toMatchObject({ status: 'failed', attempts: 3 });
    clock.advance(3_600_000);
    await s.flush();
    expect(slack.calls).toHaveLength(3);
    expect(policy.outcomes.map((d) => d.status)).toEqual(['failed']);
  });

  it('a permanent error fails at once', async () => {
    const { clock, store, slack, make } = setup();
    await storeOutbox(store, clock).enqueue([{ key: 'p1', kind: 'k', to: { platform: 'slack', userId: 'U1' }, prompt: prompt('x') }]);
    slack.script = () => ({ ok: false, kind: 'failed', reason: 'invalid_blocks', retryable: false });
    await make().flush();
    expect(await store.deliveries.get('p1')).toMatchObject({ status: 'failed', error: 'invalid_blocks' });
  });

  it('an unreachable person is marked, not retried on later runs, and reachable again once they talk', async () => {
    const { clock, store, slack, make } = setup();
    const outbox = storeOutbox(store, clock);
    const to = { platform: 'slack' as const, userId: 'UGONE' };
    await rememberTurn(store, { platform: 'slack', id: 'UGONE' }, { platform: 'slack', id: 'DGONE', kind: 'dm' }, clock.now());
    await outbox.enqueue([{ key: 'u1', kind: 'k', to, prompt: prompt('x') }]);
    slack.script = (a) => (a.userId === 'UGONE' ? { ok: false, kind: 'unreachable', reason: 'user_disabled' } : undefined);
    const s = make();
    expect((await s.flush()).unreachable).toBe(1);
    expect((await store.users.get(userKey('slack', 'UGONE')))?.unreachable).toEqual({ since: T0.toISOString(), reason: 'user_disabled' });
    // The next reminder round: settled without calling Slack.
    await outbox.enqueue([{ key: 'u2', kind: 'k', to, prompt: prompt('x') }]);
    expect((await s.flush()).unreachable).toBe(1);
    expect(slack.calls).toEqual(['u1']);
    // They talk to the bot again.
    slack.script = () => undefined;
    await rememberTurn(store, { platform: 'slack', id: 'UGONE' }, { platform: 'slack', id: 'DGONE', kind: 'dm' }, clock.now());
    expect((await store.users.get(userKey('slack', 'UGONE')))?.unreachable).toBeUndefined();
    await outbox.enqueue([{ key: 'u3', kind: 'k', to, prompt: prompt('x') }]);
    expect((await s.flush()).sent).toBe(1);
    expect(slack.sendsOf('u3')).toBe(1);
  });

  it('a platform this instance has no messenger for is left queued for one that has', async () => {
    const { clock, store, make } = setup();
    await storeOutbox(store, clock).enqueue([{ key: 'n1', kind: 'k', to: { platform: 'teams', userId: 'a1' }, prompt: prompt('x') }]);
    const s = make({ messengers: {} });
    expect((await s.flush()).skipped).toBe(1);
    expect(await statusOf(store, 'n1')).toBe('queued');
  });
});

describe('scheduler: timers, sealing, updates', () => {
  it('a due timer goes to its policy once, even with overlapping ticks, and is then deleted', async () => {
    const { clock, store, make } = setup();
    const seen: string[] = [];
    const policy = {
      name: 'deadlines',
      timerKinds: ['incident.deadline'],
      onTimer: async (t: { key: string }) => {
        seen.push(t.key);
        await new Promise((r) => setImmediate(r));
      },
    };
    const s = make({ policies: [policy] });
    const ctx = s.context();
    await ctx.timers.set({ key: 'due-now', kind: 'incident.deadline', dueAt: T0 });
    await ctx.timers.set({ key: 'later', kind: 'incident.deadline', dueAt: new Date(T0.getTime() + 3_600_000) });
    const [a, b] = await Promise.all([s.tick(), s.tick()]);
    expect(a.timers + b.timers).toBe(1);
    expect(seen).toEqual(['due-now']);
    expect(await store.timers.get('due-now')).toBeUndefined();
    expect(await store.timers.get('later')).toBeDefined();
    clock.advance(3_600_000);
    await s.tick();
    expect(seen).toEqual(['due-now', 'later']);
  });

  it('a timer whose policy throws is kept and tried again after the lease', async () => {
    const { clock, store, make } = setup();
    let fail = true;
    const seen: string[] = [];
    const policy = { name: 'p', timerKinds: ['x'], onTimer: async (t: { key: string }) => { seen.push(t.key); if (fail) throw new Error('boom'); } };
    const s = make({ policies: [policy] });
    await s.context().timers.set({ key: 't', kind: 'x', dueAt: T0 });
    await s.tick();
    expect(await store.timers.get('t')).toBeDefined();
    fail = false;
    await s.tick();
    expect(seen).toEqual(['t']); // still leased
    clock.advance(60_001);
    await s.tick();
    expect(seen).toEqual(['t', 't']);
    expect(await store.timers.get('t')).toBeUndefined();
  });

  it('a sealed prompt is opened for the platform and never stored or logged in clear', async () => {
    const { clock, store, slack, log, make } = setup();
    const sealer: Sealer = aesSealer(randomBytes(32));
    await storeOutbox(store, clock, sealer).enqueue([{ key: 's1', kind: 'k', to: { platform: 'slack', userId: 'U1' }, prompt: prompt('Pupil A named in a report') }]);
    expect(JSON.stringify(await store.deliveries.get('s1'))).not.toContain('Pupil A');
    await make({ sealer }).flush();
    expect(slack.sent[0]?.prompt.fallback).toBe('Pupil A named in a report');
    expect(JSON.stringify(await store.deliveries.get('s1'))).not.toContain('Pupil A');
    expect(JSON.stringify(log.lines)).not.toContain('Pupil A');
  });

  it('an update replaces the message its original delivery sent, and waits while that is not out yet', async () => {
    const { clock, store, slack, make } = setup();
    const outbox = storeOutbox(store, clock);
    await outbox.enqueue([{ key: 'alert', kind: 'k', to: { platform: 'slack', conversationId: 'CDPO' }, prompt: prompt('new case'), notBefore: new Date(T0.getTime() + 5000) }]);
    await outbox.enqueue([{ key: 'alert:v2', kind: 'k', to: { platform: 'slack', conversationId: 'CDPO' }, prompt: prompt('case moved'), updateOf: 'alert' }]);
    const s = make();
    await s.flush();
    expect(slack.updates).toEqual([]);
    expect(await statusOf(store, 'alert:v2')).toBe('queued');
    clock.advance(5000);
    await s.flush();
    expect(slack.sent.map((x) => x.tag.key)).toEqual(['alert']);
    expect(slack.updates).toHaveLength(0); // the update waits its own backoff (1 s here)
    clock.advance(1000);
    await s.flush();
    const ref = (await store.deliveries.get('alert'))?.ref;
    expect(slack.updates).toEqual([{ ref, prompt: prompt('case moved') }]);
    expect((await store.deliveries.get('alert:v2'))?.status).toBe('sent');
  });
});

describe('scheduler: a backlog that outwaits its lease', () => {
  it('a delivery still waiting for its channel when its lease lapses is not queued twice: the next flush renews the wait, and each goes once', async () => {
    // Before: the next flush claimed the waiting ones again and queued second copies behind the first; each
    // first copy then found its claim gone and was skipped, having held the channel for a pacing slot. DPO
    // alerts to one channel in a rush (the crash soak, 3 s leases) crawled and were still queued 20 s later.
    const { store, clock, slack, make } = setup();
    const rate = { perKey: 10, perKeyIntervalMs: 1000, global: 300, globalIntervalMs: 60_000 };
    const s = make({ limits: { ...LIMITS, rate: { slack: rate } } });
    const n = 8;
    await storeOutbox(store, clock).enqueue(Array.from({ length: n }, (_, i) => ({ key: `alert-${i}`, kind: 'k', to: { platform: 'slack' as const, conversationId: 'C0DPO' }, prompt: prompt(`alert ${i}`) })));
    const first = s.flush();
    await new Promise((r) => setTimeout(r, 150)); // one or two sent, the rest waiting for their slot
    clock.advance(61_000); // every claim lapses
    const second = s.flush();
    const summaries = await Promise.all([first, second]);
    expect(slack.sent.map((m) => m.tag.key).sort()).toEqual(Array.from({ length: n }, (_, i) => `alert-${i}`).sort());
    expect(summaries.map((x) => x.skipped ?? 0)).toEqual([0, 0]);
    expect(summaries.reduce((sum, x) => sum + (x.sent ?? 0), 0)).toBe(n);
    await s.stop();
  }, 20_000);
});

describe('scheduler: stopping', () => {
  it('stopping during a backlog paced at 1 a second to one channel does not wait it out, and loses nothing', async () => {
    // Before: stop() waited for the flush, which waited for every claimed delivery to pass the pacing (a
    // shutdown during a rush of DPO alerts to one channel took a second per alert).
    const { store, clock, slack, make } = setup();
    const rate = { perKey: 1, perKeyIntervalMs: 1000, global: 300, globalIntervalMs: 60_000 };
    const first = make({ limits: { ...LIMITS, rate: { slack: rate } } });
    const n = 30;
    await storeOutbox(store, clock).enqueue(Array.from({ length: n }, (_, i) => ({ key: `alert-${i}`, kind: 'k', to: { platform: 'slack' as const, conversationId: 'C0DPO' }, prompt: prompt(`alert ${i}`) })));
    void first.flush();
    await new Promise((r) => setTimeout(r, 1500)); // one or two sent, the rest waiting for their second
    const asked = Date.now();
    await first.stop();
    const stoppedIn = Date.now() - asked;
    expect(stoppedIn).toBeLessThan(1500);
    const sentBefore = slack.sent.length;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(n);
    // Nothing is lost: the next start sends the rest, each once.
    const next = make({ limits: LIMITS });
    await next.flush();
    expect(slack.sent.map((s) => s.tag.key).sort()).toEqual(Array.from({ length: n }, (_, i) => `alert-${i}`).sort());
    await next.stop();
  }, 20_000);
});
