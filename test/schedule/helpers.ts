/** A settable clock, an in-memory messenger (the platform's far side for core tests) and a test policy. */
import type { Platform } from '../../src/core/conversation.js';
import type { Clock, Log } from '../../src/core/ports.js';
import type { Prompt } from '../../src/core/prompt.js';
import type { Address, Delivery, DeliveryTag, MessageRef, Messenger, OutboxItem, SchedulePolicy, SendOutcome } from '../../src/core/schedule/types.js';

export class TestClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

export const silentLog = (lines: Record<string, unknown>[] = []): Log & { lines: Record<string, unknown>[] } => {
  const push = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, ...obj });
  return { lines, info: push('info'), warn: push('warn'), error: push('error'), debug: push('debug') };
};

export const prompt = (text: string): Prompt => ({ fallback: text, blocks: [{ kind: 'text', text }] });

/**
 * Records every send; `script` decides an outcome per address (default: sent). `history` answers findSent
 * the way Slack's conversations.history would (or 'unknown', as Teams).
 */
export class MemoryMessenger implements Messenger {
  readonly sent: { to: Address; tag: DeliveryTag; prompt: Prompt; at: number }[] = [];
  /** Every send call, whatever its outcome. */
  readonly calls: string[] = [];
  readonly updates: { ref: MessageRef; prompt: Prompt }[] = [];
  script: (to: Address, tag: DeliveryTag) => SendOutcome | undefined = () => undefined;
  readBack: 'history' | 'unknown' = 'history';
  /** Before an outcome is returned: lets a test crash or race in the middle of a send. */
  during?: (tag: DeliveryTag) => Promise<void>;
  private n = 0;

  constructor(readonly platform: Platform) {}

  async send(to: Address, p: Prompt, tag: DeliveryTag): Promise<SendOutcome> {
    this.calls.push(tag.key);
    await this.during?.(tag);
    const scripted = this.script(to, tag);
    if (scripted) return scripted;
    this.sent.push({ to, tag, prompt: p, at: Date.now() });
    return { ok: true, ref: { platform: this.platform, conversationId: to.conversationId ?? `D-${to.userId}`, messageId: `m${++this.n}` } };
  }

  async update(ref: MessageRef, p: Prompt): Promise<SendOutcome> {
    this.updates.push({ ref, prompt: p });
    return { ok: true, ref };
  }

  async findSent(to: Address, tag: DeliveryTag) {
    if (this.readBack === 'unknown') return 'unknown' as const;
    const hit = this.sent.find((s) => s.tag.key === tag.key);
    return hit ? ({ found: true, ref: { platform: this.platform, conversationId: to.conversationId ?? `D-${to.userId}`, messageId: 'found' } } as const) : ({ found: false } as const);
  }

  sendsOf(key: string): number {
    return this.sent.filter((s) => s.tag.key === key).length;
  }
}

/** Enqueues one DM per person when due; records the outcomes it is told of. */
export function fanOutPolicy(people: { platform: Platform; userId: string }[], opts: { kind?: string; group?: string } = {}) {
  const kind = opts.kind ?? 'test.fanout';
  const outcomes: Delivery[] = [];
  const policy: SchedulePolicy & { outcomes: Delivery[]; enabled: boolean } = {
    name: 'test',
    enabled: true,
    outcomes,
    deliveryKinds: [kind],
    async due(ctx) {
      if (!policy.enabled) return;
      const items: OutboxItem[] = people.map((p) => ({
        key: `${kind}:${opts.group ?? 'g1'}:${p.platform}:${p.userId}`,
        kind,
        group: opts.group ?? 'g1',
        to: { platform: p.platform, userId: p.userId },
        prompt: prompt('Please delete this term’s recordings.'),
      }));
      await ctx.outbox.enqueue(items);
    },
    async onDelivered(d) {
      outcomes.push(d);
    },
  };
  return policy;
}

export const people = (platform: Platform, n: number, prefix = 'U') => Array.from({ length: n }, (_, i) => ({ platform, userId: `${prefix}${String(i).padStart(5, '0')}` }));
