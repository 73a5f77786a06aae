/**
 * The shapes shared by everything that happens later than a turn: the term-end reminders, follow-ups and
 * DPIA reviews (dialogs/reminders), the incident deadlines (dialogs/incidents), and the one-off "remind me
 * before my next call" (dialogs/secure-call). One scheduler runs them all (src/core/schedule/runner.ts):
 *
 * 1. node-cron ticks (settings `reminders.tick`) and the runner asks each SchedulePolicy what is due
 *    (`due`: calendar work such as a term that ends today) and hands each due Timer to the policy that owns
 *    its kind (`onTimer`: stored one-offs such as "72 hours after INC-2027-0042 was reported").
 * 2. Policies never send: they enqueue Deliveries in the durable outbox, each under an idempotency key
 *    (e.g. `term-end:autumn-2026:slack:U123`). Enqueueing the same key twice is a no-op, so a restart, a
 *    crash mid-batch or two overlapping ticks cannot send twice, and re-running a tick cannot skip anyone.
 * 3. The outbox is flushed by a worker that claims queued deliveries with leases, marks each `sending`
 *    (durably) before the platform call and `sent` after it, throttled to the platform's limits.
 *
 * Core code depends on these ports only; the Slack and Teams Messengers live in the adapters, and on
 * PostgreSQL the same policies run across instances (claims with leases) without change.
 */
import type { Platform } from '../conversation.js';
import type { Prompt } from '../prompt.js';
import type { MaybeSealed } from '../sealer.js';

/** Where a delivery goes: a conversation the bot knows, or a person (the adapter opens or finds the 1:1 chat). */
export interface Address {
  platform: Platform;
  /** Slack channel id (C…/D…/G…) or Teams conversation id. */
  conversationId?: string;
  /** Slack user id or Teams user id: used when no conversation id is given (Slack: conversations.open). */
  userId?: string;
  /** Slack team id or Teams tenant id. */
  teamId?: string;
}

/** A message the bot sent, so it can be updated in place later (the DPO alert as the case moves). */
export interface MessageRef {
  platform: Platform;
  conversationId: string;
  /** Slack message ts; Teams activity id. */
  messageId: string;
}

export type SendOutcome =
  | { ok: true; ref: MessageRef }
  /** 429: try again after this long (from Retry-After). */
  | { ok: false; kind: 'rate-limited'; retryAfterMs: number }
  /** The person blocked or removed the bot, left, or the channel is gone: do not retry until they come back. */
  | { ok: false; kind: 'unreachable'; reason: string }
  | { ok: false; kind: 'failed'; reason: string; retryable: boolean };

/** What the outbox asks of a platform adapter. Implementations: src/slack/messenger.ts, src/teams/messenger.ts. */
export interface Messenger {
  readonly platform: Platform;
  /** Posts `prompt`; `tag` is attached where the platform allows (Slack message metadata) for read-back. */
  send(to: Address, prompt: Prompt, tag: DeliveryTag): Promise<SendOutcome>;
  /** Replaces a message the bot sent earlier. */
  update(ref: MessageRef, prompt: Prompt): Promise<SendOutcome>;
  /**
   * After a crash between "sending" and "sent": is a message tagged `tag.key` in the conversation's recent
   * history? 'unknown' where the platform offers no read-back (Teams): the outbox then applies its rule.
   */
  findSent(to: Address, tag: DeliveryTag): Promise<{ found: true; ref: MessageRef } | { found: false } | 'unknown'>;
}

export interface DeliveryTag {
  /** The delivery's idempotency key. */
  key: string;
  /** The delivery's kind, e.g. `reminder.term-end`. */
  kind: string;
}

export type DeliveryStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  /** The person cannot be reached (blocked the bot, left): reported, not retried. */
  | 'unreachable'
  /** Gave up after the bounded retries, or a permanent error. */
  | 'failed'
  /** Left "sending" by a crash on a platform with no read-back (Teams): not resent, counted in summaries. */
  | 'uncertain'
  | 'cancelled';

/** One message in the durable outbox (store.deliveries), keyed by its idempotency key. */
export interface Delivery {
  key: string;
  /** `<feature>.<what>`, e.g. `reminder.term-end`, `incident.alert`: the policy that owns it is told the outcome. */
  kind: string;
  /** Groups deliveries for summaries, e.g. `term-end:autumn-2026`. */
  group?: string;
  to: Address;
  /**
   * The prompt to send. Sealed (encrypted with the data key, src/core/sealer.ts) when one is set, since it
   * may carry personal data (a DPO alert names the reporter); `sealed` holds it then and `prompt` is unset.
   */
  prompt?: Prompt;
  sealed?: MaybeSealed;
  /** Replace the message sent by the delivery with this key instead of posting a new one. */
  updateOf?: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  /** Not sent before this time (ISO 8601): scheduled sends and retry backoff. */
  notBefore: string;
  sendingSince?: string;
  sentAt?: string;
  ref?: MessageRef;
  /** An error code (Slack `error`, HTTP status), never message content. */
  error?: string;
}

/** What a policy asks the outbox for. */
export interface OutboxItem {
  key: string;
  kind: string;
  group?: string;
  to: Address;
  prompt: Prompt;
  updateOf?: string;
  /** Default: now. */
  notBefore?: Date;
}

export interface Outbox {
  /** Adds the items not already in the outbox (by key); resolves to how many were new. Idempotent. */
  enqueue(items: OutboxItem[]): Promise<{ added: number; existing: number }>;
  get(key: string): Promise<Delivery | undefined>;
  /** Cancels a queued delivery (e.g. a follow-up no longer needed); false when it is already sending or sent. */
  cancel(key: string): Promise<boolean>;
  /**
   * Queues a delivery that was given up (`unreachable` or `failed`) once more, as a new first attempt, with
   * `prompt` instead of the old one when given (a DPO alert retried days later shows the case as it is now).
   * False when it is in any other state (queued, sending, sent, cancelled) or gone. Idempotent per state.
   */
  retry(key: string, prompt?: Prompt): Promise<boolean>;
  /**
   * Calls `fn` after an enqueue that added something, so a running scheduler sends it now (a DPO alert must
   * not wait for the next tick). Resolves to a function that stops the calls.
   */
  onAdded?(fn: () => void): () => void;
}

/** A one-off at a time: "remind me at 09:30", "24 hours after INC-2027-0042", "follow up in 2 days". */
export interface Timer {
  key: string;
  /** `<feature>.<what>`: the policy whose `timerKinds` includes it handles it. */
  kind: string;
  dueAt: string;
  createdAt: string;
  /** Ids only (a report reference, a term id, a person key): never report content. */
  payload: Record<string, string | number | boolean>;
}

export interface Timers {
  /** Sets (or moves) the timer with this key. */
  set(t: { key: string; kind: string; dueAt: Date; payload?: Timer['payload'] }): Promise<void>;
  /** Sets it only if no timer has this key; false when one exists. */
  setOnce(t: { key: string; kind: string; dueAt: Date; payload?: Timer['payload'] }): Promise<boolean>;
  cancel(key: string): Promise<void>;
  get(key: string): Promise<Timer | undefined>;
}

export interface ScheduleContext {
  now: Date;
  outbox: Outbox;
  timers: Timers;
}

/** A feature's scheduled behaviour. Everything must be idempotent: a tick may run again after a crash. */
export interface SchedulePolicy {
  name: string;
  /** Calendar work due at `ctx.now` (e.g. the term ended at 15:00 today): enqueue with stable keys. */
  due?(ctx: ScheduleContext): Promise<void>;
  /** The Timer kinds this policy handles. */
  timerKinds?: string[];
  /** A timer fell due; it is deleted once this resolves (so it may run twice after a crash: enqueue by key). */
  onTimer?(timer: Timer, ctx: ScheduleContext): Promise<void>;
  /** The Delivery kinds whose outcome this policy wants to hear about (e.g. to record who was reminded). */
  deliveryKinds?: string[];
  onDelivered?(delivery: Delivery, ctx: ScheduleContext): Promise<void>;
}

/**
 * Which instance runs the cluster's ticks and sends. One at a time, so the platforms' rate limits hold for
 * the whole cluster rather than per instance (the floor does not move with instances), and so a calendar
 * policy runs once per tick, not once per instance. Every claim is still leased, so two leaders for a
 * moment (a stalled one and its successor) still send each message once.
 */
export interface Leadership {
  /** This instance's name in the lease (host:pid). */
  readonly owner: string;
  /** Takes leadership if it is free or lapsed, renews it if held; true while this instance leads. */
  lead(): Promise<boolean>;
  /** Gives leadership up so another instance takes over at once (a graceful stop or upgrade). */
  resign(): Promise<void>;
}
