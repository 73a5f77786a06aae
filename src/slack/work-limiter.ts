/**
 * Bounds the Slack work in flight. Bolt acknowledges a command as soon as the listener calls ack() and the
 * rest of the turn (store writes, the reply) runs afterwards, so under a burst acknowledged work piled up
 * in memory without bound and much of it never got its reply out. Here a request holds a slot from the
 * moment it arrives until Bolt has finished processing it (listener, reply and all); when every slot is
 * taken the request is answered 503 with Retry-After BEFORE Bolt sees it. Not acknowledging is the safe
 * side: Slack retries an unanswered event, and a person whose command got no ack sees it failed and can
 * send it again, whereas acknowledged-and-dropped work is lost silently.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, HTTPReceiver } from '@slack/bolt';
import type { Log } from '../core/ports.js';

interface Slot {
  /** Bolt began processing (so the slot is released when that ends, not when the response is sent). */
  started: boolean;
  released: boolean;
}

export interface WorkLimiterOptions {
  /** Most requests in flight at once (received and not yet fully processed). */
  maxInFlight: number;
  log: Log;
  /** Seconds a refused caller is asked to wait. */
  retryAfterSeconds?: number;
}

export class SlackWorkLimiter {
  private inFlight = 0;
  private readonly slotOfRequest = new WeakMap<IncomingMessage, Slot>();
  private readonly slotOfEvent = new WeakMap<object, Slot>();
  private idleWaiters: (() => void)[] = [];
  private refusedSinceLog = 0;

  constructor(private readonly o: WorkLimiterOptions) {}

  get active(): number {
    return this.inFlight;
  }

  /** Takes a slot for the request, or answers 503 and returns false when none is free. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.inFlight >= this.o.maxInFlight) {
      // One line per burst, not per request: a refused storm must not become a log storm.
      if (this.refusedSinceLog++ === 0) this.o.log.warn({ inFlight: this.inFlight, cap: this.o.maxInFlight }, 'slack: at capacity; not acknowledging (answered 503 so Slack retries)');
      res.writeHead(503, { 'retry-after': String(this.o.retryAfterSeconds ?? 1), 'content-type': 'text/plain' }).end('SafeCall is busy; try again in a moment.');
      return false;
    }
    if (this.refusedSinceLog > 0) {
      this.o.log.warn({ refused: this.refusedSinceLog }, 'slack: capacity free again');
      this.refusedSinceLog = 0;
    }
    const slot: Slot = { started: false, released: false };
    this.inFlight += 1;
    this.slotOfRequest.set(req, slot);
    // Requests Bolt answers without processing (bad signature, url_verification, a client that went away)
    // free their slot when the response closes.
    res.once('close', () => {
      if (!slot.started) this.release(slot);
    });
    return true;
  }

  /** Bolt's customPropertiesExtractor: tags the event Bolt builds from `req` with the request's slot. */
  readonly tagEvent = (req: IncomingMessage): Record<string, never> => {
    const tag = {};
    const slot = this.slotOfRequest.get(req);
    if (slot) this.slotOfEvent.set(tag, slot);
    return tag;
  };

  /**
   * Puts the limiter between the receiver and the app, so a slot is held for as long as Bolt's
   * processEvent runs (ack, listener and the reply it delivers).
   */
  attach(receiver: HTTPReceiver, app: App): void {
    receiver.init({
      processEvent: async (event: Parameters<App['processEvent']>[0]) => {
        const slot = event.customProperties ? this.slotOfEvent.get(event.customProperties) : undefined;
        if (slot) slot.started = true;
        try {
          await app.processEvent(event);
        } finally {
          if (slot) this.release(slot);
        }
      },
    } as unknown as App);
  }

  /** Resolves when no work is in flight, or after `timeoutMs` (for a graceful stop). */
  idle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((ok) => {
      const timer = setTimeout(ok, timeoutMs);
      this.idleWaiters.push(() => (clearTimeout(timer), ok()));
    });
  }

  private release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.inFlight -= 1;
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
