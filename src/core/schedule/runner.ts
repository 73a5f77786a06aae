/**
 * The one scheduler (see types.ts for the design): ticks run the policies and the due timers, and the
 * outbox is flushed to the platforms' Messengers, paced to their limits. Uses only ports, so the same code
 * runs on the memory, lowdb and PostgreSQL stores, on one instance or several.
 *
 * Exactly-once, step by step:
 * - A worker claims due deliveries with a lease (no two workers hold one at once).
 * - Just before the platform call it writes `sending` at the claimed revision (compare-and-set, durable).
 *   If another worker has claimed it since (its lease lapsed while the send waited in the throttle), that
 *   write fails and this worker skips it: only one worker ever passes this point for a delivery.
 * - After the call it writes the outcome at the `sending` revision.
 * - A crash between the two leaves `sending`. `reconcile()` asks the platform whether the message is there:
 *   Slack reads the DM's recent history for the message's metadata (the idempotency key); found → `sent`,
 *   not found → `queued` again (sent once, later). Teams offers no read-back ('unknown'): such a delivery is
 *   marked `uncertain` and NOT resent. A duplicate reminder is what Company Communicator's users
 *   complained of; a missed one is covered anyway, because every reminder has follow-ups for those who
 *   have not answered, and the DPO summary counts `uncertain` deliveries so nobody is silently dropped.
 *
 * Outcomes: rate-limited → `queued` again after Retry-After (the platform is paused for that long too);
 * a retryable failure → `queued` after a bounded exponential backoff, `failed` after `maxAttempts`;
 * unreachable → `unreachable`, and the person is marked unreachable (KnownUser.unreachable) so later
 * deliveries to them are settled without calling the platform, until they talk to the bot again
 * (people.ts rememberTurn clears the mark). The owning policy hears every settled outcome (`onDelivered`).
 *
 * Several instances (a shared store): with `leadership`, only the leader ticks, flushes and reconciles, so
 * calendar policies run once per tick round and the platforms' rate limits hold for the whole cluster. A
 * long flush renews leadership between batches and claims no new batch once it is lost; the batches it
 * holds finish (their claims are leased, so a successor cannot send them too).
 *
 * Logs carry keys, kinds, statuses and error codes only: never a prompt.
 */
import type { Platform } from '../conversation.js';
import type { Prompt } from '../prompt.js';
import { userKey, type Claimed, type Clock, type Log, type Store } from '../ports.js';
import { plainSealer, type Sealer } from '../sealer.js';
import { storeOutbox, storeTimers } from './store-ports.js';
import { Throttle, type RateLimit } from './throttle.js';
import type { Delivery, DeliveryStatus, Leadership, Messenger, ScheduleContext, SchedulePolicy, SendOutcome, Timer } from './types.js';

export interface SchedulerLimits {
  /** How long a claim on a due delivery or timer lasts; a `sending` older than this is reconciled. */
  leaseMs: number;
  /** Deliveries claimed at a time by one flush loop. */
  batch: number;
  /** Attempts before a delivery that keeps failing is `failed`. */
  maxAttempts: number;
  /** First retry delay; doubles with each attempt (p-retry's factor 2), at most `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Paces each platform's sends (settings `sending.*`); a platform without one is not paced. */
  rate: Partial<Record<Platform, RateLimit>>;
}

export const DEFAULT_LIMITS: SchedulerLimits = {
  leaseMs: 2 * 60_000,
  batch: 100,
  maxAttempts: 5,
  backoffMs: 30_000,
  maxBackoffMs: 30 * 60_000,
  rate: {},
};

/** How long a nudge waits, so the enqueues of one turn (an alert to two platforms) go in one flush. */
const NUDGE_MS = 20;

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  log: Log;
  policies: SchedulePolicy[];
  messengers: Partial<Record<Platform, Messenger>>;
  limits?: Partial<SchedulerLimits>;
  /** This worker's name in leases (e.g. host:pid); default a random one. */
  owner?: string;
  sealer?: Sealer;
  /**
   * Wake up (real timers) to flush deliveries that fall due before the next tick, e.g. after a Retry-After.
   * On for the running server; off in tests that drive a fixed clock by hand.
   */
  wake?: boolean;
  /**
   * Several instances on one store: only the leader ticks, flushes and reconciles (src/scheduling.ts gives
   * every scheduler one). Without it this scheduler always works (tests, tools).
   */
  leadership?: Leadership;
}

export interface TickSummary {
  policies: number;
  timers: number;
  flushed: FlushSummary;
  /** Present (false) when this instance did not lead, so the tick did nothing. */
  leader?: false;
}

export type FlushSummary = Partial<Record<DeliveryStatus | 'retry' | 'skipped', number>>;

export interface Scheduler {
  /** Runs every policy's `due`, hands due timers to their policies, reconciles, then flushes. */
  tick(): Promise<TickSummary>;
  /**
   * Sends every queued delivery that is due now (until none is left), paced to the platforms' limits.
   * With `leadership`, tick, flush and reconcile do nothing (empty summaries) unless this instance leads.
   */
  flush(): Promise<FlushSummary>;
  /**
   * Settles deliveries left `sending` for longer than `olderThanMs` (default: the lease), e.g. by a crash.
   * main.ts passes 0 at start: the embedded store has one writer, so nothing else can be mid-send.
   */
  reconcile(olderThanMs?: number): Promise<FlushSummary>;
  /**
   * Something was just enqueued (Outbox.onAdded): with `wake`, flush within a moment instead of at the next
   * tick. Calls close together share one flush.
   */
  nudge(): void;
  /** Resolves when no tick, flush or reconcile of this scheduler is running. */
  idle(): Promise<void>;
  /** No new work starts; resolves when the work in progress has finished. */
  stop(): Promise<void>;
  readonly context: () => ScheduleContext;
}

const TAG_KIND = (d: Delivery) => ({ key: d.key, kind: d.kind });

export function createScheduler(o: SchedulerOptions): Scheduler {
  const { store, clock, log } = o;
  const limits: SchedulerLimits = { ...DEFAULT_LIMITS, ...o.limits, rate: { ...DEFAULT_LIMITS.rate, ...o.limits?.rate } };
  const owner = o.owner ?? `scheduler-${Math.random().toString(36).slice(2, 10)}`;
  const sealer = o.sealer ?? plainSealer;
  const outbox = storeOutbox(store, clock, sealer);
  const timers = storeTimers(store, clock);
  const throttles: Partial<Record<Platform, Throttle>> = {};
  for (const [platform, rate] of Object.entries(limits.rate) as [Platform, RateLimit][]) throttles[platform] = new Throttle(rate);
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  let nudgeTimer: NodeJS.Timeout | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;

  const context = (): ScheduleContext => ({ now: clock.now(), outbox, timers });
  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => undefined);
    return work;
  };
  const count = (s: FlushSummary, k: keyof FlushSummary) => (s[k] = (s[k] ?? 0) + 1);
  /** Checked (and renewed) before every batch: a lost leadership stops new claims, not the ones held. */
  let leadingNow = !o.leadership;
  const leads = async () => (leadingNow = !o.leadership || (await o.leadership.lead()));

  const policyFor = (kind: string, field: 'timerKinds' | 'deliveryKinds') => o.policies.find((p) => p[field]?.includes(kind));

  async function tellPolicy(d: Delivery): Promise<void> {
    const policy = policyFor(d.kind, 'deliveryKinds');
    if (!policy?.onDelivered) return;
    try {
      await policy.onDelivered(d, context());
    } catch (err) {
      log.error({ policy: policy.name, key: d.key, err: (err as Error).message }, 'scheduler: a policy failed on a delivery outcome');
    }
  }

  async function markUnreachable(d: Delivery, reason: string): Promise<void> {
    const userId = d.to.userId;
    if (!userId) return;
    const since = clock.now().toISOString();
    // Someone the bot never talked to (a staff channel member) gets a record holding just the mark, so the
    // next round does not try again either; firstSeen/lastSeen are when it tried.
    const platform = d.to.platform;
    await store.users.update(userKey(platform, userId), (u) =>
      u?.unreachable ? u : { ...(u ?? { platform, id: userId, ...(d.to.teamId ? { teamId: d.to.teamId } : {}), firstSeen: since, lastSeen: since }), unreachable: { since, reason } },
    );
  }

  async function personUnreachable(d: Delivery): Promise<string | undefined> {
    if (!d.to.userId) return undefined;
    return (await store.users.get(userKey(d.to.platform, d.to.userId)))?.unreachable?.reason;
  }

  function promptOf(d: Delivery): Prompt {
    if (d.prompt) return d.prompt;
    return JSON.parse(sealer.open(d.sealed ?? 'null')) as Prompt;
  }

  /** Writes `next` at `revision`; false when another worker changed the delivery first. */
  const write = async (key: string, next: Delivery, revision: number) => (await store.deliveries.putIf(key, next, revision)) ;

  async function settle(d: Delivery, revision: number, status: DeliveryStatus, extra: Partial<Delivery>, summary: FlushSummary): Promise<void> {
    const next: Delivery = { ...d, ...extra, status };
    if (status !== 'sending') delete next.sendingSince;
    if ((await write(d.key, next, revision)) === undefined) {
      log.warn({ key: d.key, status }, 'scheduler: a delivery changed under this worker; outcome not recorded');
      count(summary, 'skipped');
      return;
    }
    count(summary, status);
    if (status !== 'queued') await tellPolicy(next);
  }

  /** One claimed delivery: sending → platform → outcome. */
  async function deliver(c: Claimed<Delivery>, summary: FlushSummary): Promise<void> {
    const d = c.value;
    const messenger = o.messengers[d.to.platform];
    if (!messenger) {
      // This instance cannot send there (platform off): the lease is kept, so this flush does not claim it
      // again; when it lapses, an instance that can send there (or this one, restarted with it on) will.
      count(summary, 'skipped');
      return;
    }
    const blocked = await personUnreachable(d);
    if (blocked) return settle(d, c.revision, 'unreachable', { error: blocked }, summary);

    let updateRef = undefined as Delivery['ref'];
    if (d.updateOf) {
      const target = await store.deliveries.get(d.updateOf);
      if (target?.ref) updateRef = target.ref;
      else if (target && (target.status === 'queued' || target.status === 'sending')) {
        // The message to replace is not out yet: try again shortly (not an attempt).
        const later = new Date(clock.now().getTime() + limits.backoffMs).toISOString();
        return settle(d, c.revision, 'queued', { notBefore: later }, summary);
      }
      // Otherwise the original never went out: this update is posted as a new message.
    }

    const run = async (paced: <R>(call: () => Promise<R>) => Promise<R> = (call) => call()): Promise<SendOutcome | undefined> => {
      if (stopped) return undefined;
      // Durably `sending` before the call; fails if another worker claimed it meanwhile (our lease lapsed).
      const sendingSince = clock.now().toISOString();
      const sending: Delivery = { ...d, status: 'sending', sendingSince, attempts: d.attempts + 1 };
      const rev = await write(d.key, sending, c.revision);
      if (rev === undefined) return undefined;
      c.revision = rev;
      Object.assign(d, sending);
      const prompt = promptOf(d);
      try {
        return await paced(() => (updateRef ? messenger.update(updateRef, prompt) : messenger.send(d.to, prompt, TAG_KIND(d))));
      } catch (err) {
        // A messenger maps the platform's answers; anything it throws is a transport failure worth retrying.
        return { ok: false, kind: 'failed', reason: (err as Error).name || 'error', retryable: true };
      }
    };
    const throttle = throttles[d.to.platform];
    const key = d.to.conversationId ?? d.to.userId ?? updateRef?.conversationId ?? d.key;
    const outcome = throttle ? await throttle.run(`${key}`, run) : await run();
    if (!outcome) {
      if (stopped) await store.deliveries.release(c.key, owner);
      count(summary, 'skipped');
      return;
    }
    const now = clock.now();
    if (outcome.ok) return settle(d, c.revision, 'sent', { ref: outcome.ref, sentAt: now.toISOString(), error: undefined }, summary);
    switch (outcome.kind) {
      case 'rate-limited': {
        const wait = Math.max(1000, outcome.retryAfterMs);
        throttle?.pause(wait);
        const notBefore = new Date(now.getTime() + wait).toISOString();
        log.info({ key: d.key, platform: d.to.platform, retryAfterMs: outcome.retryAfterMs }, 'scheduler: rate limited; the delivery waits for Retry-After');
        // A 429 is not the delivery's fault: it does not count as an attempt.
        count(summary, 'retry');
        return settle(d, c.revision, 'queued', { notBefore, attempts: d.attempts - 1, error: 'rate-limited' }, summary);
      }
      case 'unreachable':
        log.info({ key: d.key, platform: d.to.platform, reason: outcome.reason }, 'scheduler: the person cannot be reached; not retried');
        await markUnreachable(d, outcome.reason);
        return settle(d, c.revision, 'unreachable', { error: outcome.reason }, summary);
      case 'failed': {
        if (!outcome.retryable || d.attempts >= limits.maxAttempts) {
          log.warn({ key: d.key, platform: d.to.platform, reason: outcome.reason, attempts: d.attempts }, 'scheduler: a delivery failed; giving up');
          return settle(d, c.revision, 'failed', { error: outcome.reason }, summary);
        }
        const delay = Math.min(limits.maxBackoffMs, limits.backoffMs * 2 ** (d.attempts - 1));
        log.info({ key: d.key, platform: d.to.platform, reason: outcome.reason, attempts: d.attempts, retryInMs: delay }, 'scheduler: a delivery failed; will retry');
        count(summary, 'retry');
        return settle(d, c.revision, 'queued', { notBefore: new Date(now.getTime() + delay).toISOString(), error: outcome.reason }, summary);
      }
    }
  }

  /**
   * Deliveries this worker has claimed and not yet settled (most wait for their conversation's pacing). One
   * claimed again because its lease lapsed while it waited keeps its place: the waiting copy takes the new
   * claim's revision, instead of a second copy queuing behind it while the first, finding its claim gone,
   * holds the conversation for a pacing slot and sends nothing.
   */
  const holding = new Map<string, Claimed<Delivery>>();

  async function flushOnce(summary: FlushSummary): Promise<number> {
    const now = clock.now().toISOString();
    const batch = await store.deliveries.claim({ index: 'due', before: nextMs(now), owner, leaseMs: limits.leaseMs, limit: limits.batch });
    const fresh = batch.filter((c) => {
      const held = holding.get(c.key);
      if (!held || JSON.stringify(held.value) !== JSON.stringify(c.value)) return true;
      held.revision = c.revision;
      return false;
    });
    await Promise.all(
      fresh.map((c) => {
        holding.set(c.key, c);
        return deliver(c, summary)
          .catch((err: Error) => {
            log.error({ key: c.key, err: err.message }, 'scheduler: a delivery could not be processed');
            count(summary, 'skipped');
          })
          .finally(() => {
            if (holding.get(c.key) === c) holding.delete(c.key);
          });
      }),
    );
    return batch.length;
  }

  /** `before` is exclusive; a delivery due exactly now is due. */
  const nextMs = (iso: string) => new Date(new Date(iso).getTime() + 1).toISOString();

  async function flushAll(): Promise<FlushSummary> {
    const summary: FlushSummary = {};
    // Two claim loops, so the next batch is claimed while the last one still waits in the throttle and the
    // platform never idles between batches. Leases keep them (and other workers) apart.
    const loop = async () => {
      while (!stopped && (await leads()) && (await flushOnce(summary)) > 0) {
        /* next batch */
      }
    };
    await Promise.all([loop(), loop()]);
    // A follower plans no wake-up: the leader sends what falls due (and the follower's heartbeat takes over
    // if the leader goes).
    if (!o.leadership || leadingNow) await planWake();
    return summary;
  }

  /** Running server: flush again when the earliest not-yet-due delivery falls due (e.g. after Retry-After). */
  async function planWake(): Promise<void> {
    if (!o.wake || stopped) return;
    const now = clock.now();
    const [next] = await store.deliveries.query({ index: 'due', from: now.toISOString(), limit: 1 });
    if (!next) return;
    const at = new Date(next.value.notBefore).getTime();
    if (at >= wakeAt && wakeTimer) return;
    clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      wakeAt = Number.POSITIVE_INFINITY;
      void track(flushAll()).catch((err: Error) => log.error({ err: err.message }, 'scheduler: a flush failed'));
    }, Math.max(0, at - now.getTime()) + 5);
    wakeTimer.unref();
  }

  async function reconcileAll(olderThanMs = limits.leaseMs): Promise<FlushSummary> {
    const summary: FlushSummary = {};
    const before = new Date(clock.now().getTime() - olderThanMs + 1).toISOString();
    for (;;) {
      if (stopped || !(await leads())) break;
      const claimed = await store.deliveries.claim({ index: 'sending', before, owner, leaseMs: limits.leaseMs, limit: limits.batch });
      if (claimed.length === 0) break;
      for (const c of claimed) {
        const d = c.value;
        const messenger = o.messengers[d.to.platform];
        if (!messenger) {
          count(summary, 'skipped'); // the lease is kept: see deliver()
          continue;
        }
        let found: Awaited<ReturnType<Messenger['findSent']>>;
        try {
          found = await messenger.findSent(d.to, TAG_KIND(d));
        } catch (err) {
          // Kept leased: checked again once the lease lapses.
          log.warn({ key: d.key, err: (err as Error).message }, 'scheduler: could not check whether a delivery went out; will check again');
          count(summary, 'skipped');
          continue;
        }
        if (found === 'unknown') {
          log.warn({ key: d.key, platform: d.to.platform }, 'scheduler: a delivery was cut short and the platform cannot tell whether it arrived; marked uncertain, not resent');
          await settle(d, c.revision, 'uncertain', {}, summary);
        } else if (found.found) {
          log.info({ key: d.key, platform: d.to.platform }, 'scheduler: a delivery cut short had arrived; marked sent');
          await settle(d, c.revision, 'sent', { ref: found.ref, sentAt: d.sendingSince ?? clock.now().toISOString() }, summary);
        } else {
          log.info({ key: d.key, platform: d.to.platform }, 'scheduler: a delivery cut short had not arrived; queued again');
          await settle(d, c.revision, 'queued', { notBefore: clock.now().toISOString() }, summary);
        }
      }
    }
    return summary;
  }

  async function runTimers(): Promise<number> {
    let handled = 0;
    for (;;) {
      if (stopped || !(await leads())) break;
      const now = clock.now().toISOString();
      const due = await store.timers.claim({ index: 'due', before: nextMs(now), owner, leaseMs: limits.leaseMs, limit: limits.batch });
      if (due.length === 0) break;
      for (const t of due) {
        const policy = policyFor(t.value.kind, 'timerKinds');
        if (!policy?.onTimer) {
          log.warn({ key: t.key, kind: t.value.kind }, 'scheduler: no policy handles this timer kind; dropped');
          await store.timers.deleteIf(t.key, t.revision);
          continue;
        }
        try {
          await policy.onTimer(t.value as Timer, context());
        } catch (err) {
          // Left claimed: the lease lapses and a later tick tries again.
          log.error({ policy: policy.name, key: t.key, err: (err as Error).message }, 'scheduler: a timer failed; will try again after the lease');
          continue;
        }
        // At the claimed revision: a timer the policy moved (set again) meanwhile is kept.
        await store.timers.deleteIf(t.key, t.revision);
        handled += 1;
      }
    }
    return handled;
  }

  async function tickOnce(): Promise<TickSummary> {
    let policies = 0;
    if (!stopped && !(await leads())) return { policies, timers: 0, flushed: {}, leader: false };
    for (const p of o.policies) {
      if (stopped || !p.due) continue;
      try {
        await p.due(context());
        policies += 1;
      } catch (err) {
        log.error({ policy: p.name, err: (err as Error).message }, 'scheduler: a policy failed; the next tick runs it again');
      }
    }
    const timerCount = await runTimers();
    const reconciled = await reconcileAll();
    const flushed = await flushAll();
    for (const [k, v] of Object.entries(reconciled) as [keyof FlushSummary, number][]) flushed[k] = (flushed[k] ?? 0) + v;
    return { policies, timers: timerCount, flushed };
  }

  return {
    tick: () => track(tickOnce()),
    flush: () => track(flushAll()),
    reconcile: (olderThanMs) => track(reconcileAll(olderThanMs)),
    nudge() {
      if (!o.wake || stopped || nudgeTimer) return;
      nudgeTimer = setTimeout(() => {
        nudgeTimer = undefined;
        void track(flushAll()).catch((err: Error) => log.error({ err: err.message }, 'scheduler: a flush failed'));
      }, NUDGE_MS);
      nudgeTimer.unref();
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async stop() {
      stopped = true;
      clearTimeout(wakeTimer);
      clearTimeout(nudgeTimer);
      // Before waiting for the flushes: what they have queued behind the pacing must not be waited out.
      for (const t of Object.values(throttles)) t?.stop();
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    context,
  };
}
