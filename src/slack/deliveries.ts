/**
 * Each Slack delivery handled once. Slack redelivers events it thinks were lost (`x-slack-retry-num`, same
 * `event_id`), and a proxy or a person can replay any signed request within its five-minute window. The
 * first delivery records a receipt with the store's conditional write (`putIf(…, 0)`), so the decision holds
 * when several instances share one database; a later one finds the receipt and is only acknowledged.
 * Runs as Bolt middleware, so HTTP and Socket Mode requests are both covered.
 *
 * The receipt is written `durable: false`: it sits before the acknowledgement, and an fsync there was the
 * largest cost of a turn. The trade: the store sees the receipt at once (lowdb keeps it in memory, and the
 * conditional write still decides between concurrent deliveries), so dedupe in a running process stays
 * exact; what a crash can lose is only the last second's receipts, which lets a retry of a turn that was
 * itself cut short by the crash be processed, the outcome a retry is for.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Clock, Collection, Log, Receipt } from '../core/ports.js';

/** Longer than Slack's retry schedule (about 5 minutes) and the signature's replay window. */
export const RECEIPT_TTL_MS = 60 * 60 * 1000;

interface KeyedBody {
  type?: string;
  event_id?: string;
  command?: string;
  trigger_id?: string;
  user?: { id?: string };
  actions?: { action_ts?: string }[];
  view?: { id?: string; hash?: string };
}

/** A stable key per delivery, or undefined for requests with no effect to repeat (view_closed, suggestions). */
export function deliveryKey(body: KeyedBody): string | undefined {
  if (body.type === 'event_callback' && body.event_id) return `slack:event:${body.event_id}`;
  if (body.command && body.trigger_id) return `slack:command:${body.trigger_id}`;
  switch (body.type) {
    case 'block_actions':
      if (body.trigger_id) return `slack:action:${body.trigger_id}`;
      return body.actions?.[0]?.action_ts && body.user?.id ? `slack:action:${body.user.id}:${body.actions[0].action_ts}` : undefined;
    case 'view_submission':
      if (body.trigger_id) return `slack:view:${body.trigger_id}`;
      return body.view?.id && body.view.hash ? `slack:view:${body.view.id}:${body.view.hash}` : undefined;
    case 'shortcut':
    case 'message_action':
      return body.trigger_id ? `slack:shortcut:${body.trigger_id}` : undefined;
    default:
      return undefined;
  }
}

export function oncePerDelivery(receipts: Collection<Receipt>, clock: Clock, log: Log): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const key = deliveryKey(args.body as KeyedBody);
    if (!key) return args.next();
    const now = clock.now();
    const first = await receipts.putIf(key, { kind: key.split(':')[1]!, at: now.toISOString() }, 0, {
      expiresAt: new Date(now.getTime() + RECEIPT_TTL_MS),
      durable: false,
    });
    if (first !== undefined) return args.next();
    // Events were acknowledged by Bolt already; everything else needs its (empty) acknowledgement.
    const ack = (args as { ack?: () => Promise<void> }).ack;
    if (ack) await ack();
    log.info({ delivery: key.split(':')[1], retry: args.context.retryNum ?? 0 }, 'slack: a repeated delivery was acknowledged and not processed again');
  };
}
