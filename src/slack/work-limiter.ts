/**
 * Bounds the Slack work in flight. Bolt acknowledges a command as soon as the listener calls ack() and the
 * rest of the turn (store writes, the reply) runs afterwards, so under a burst acknowledged work piled up
 * in memory without bound and much of it never got its reply out. Here a request holds a slot from the
 * moment it arrives until Bolt has finished processing it (listener, reply and all); when every slot is
 * taken the request is answered 503 with Retry-After BEFORE Bolt sees it. Not acknowledging is the safe
 * side: Slack retries an unanswered event, and a person whose command got no ack sees it failed and can
 * send it again, whereas acknowledged-and-dropped work is lost silently.
 *
 * The number of slots follows the rate work is finishing at: no more than about `drainSeconds` of work is
 * admitted (between `minInFlight` and `maxInFlight`), so on a slow machine or a slow store every
 * acknowledged command still gets its reply within about that time of the last one arriving.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, HTTPReceiver } from '@slack/bolt';
import type { Log } from '../core/ports.js';

/**
 * The completion rate is measured over this window, on the global `performance` clock (not an import from
 * node:perf_hooks), which Jest's fake timers can drive.
 */
const RATE_WINDOW_MS = 2000;

interface Slot {
  /** Bolt began processing (so the slot is released when that ends, not when the response is sent). */
  started: boolean;
  released: boolean;
}

export interface WorkLimiterOptions {
  /** Most requests in flight at once (received and not yet fully processed). */
  maxInFlight: number;
  /** Slots always allowed, whatever the recent rate (default 8, or maxInFlight if smaller). */
  minInFlight?: number;
  /** Admit about this many seconds of work at the recent completion rate (default 1). */
  drainSeconds?: number;
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
  /** When recent requests finished (ms, oldest first), over the last RATE_WINDOW_MS. */
  private finished: number[] = [];

  constructor(private readonly o: WorkLimiterOptions) {}

  get active(): number {
    return this.inFlight;
  }

  /** Slots allowed now: the recent completion rate times drainSeconds, within [minInFlight, maxInFlight]. */
  get capacity(): number {
    const max = this.o.maxInFlight;
    const min = Math.min(this.o.minInFlight ?? 8, max);
    this.forgetOld(performance.now());
    const perSecond = this.finished.length / (RATE_WINDOW_MS / 1000);
    return Math.max(min, Math.min(max, Math.floor(perSecond * (this.o.drainSeconds ?? 1))));
  }

  /** Takes a slot for the request, or answers 503 and returns false when none is free. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const capacity = this.capacity;
    if (this.inFlight >= capacity) {
      // One line per burst, not per request: a refused storm must not become a log storm.
      if (this.refusedSinceLog++ === 0) this.o.log.warn({ inFlight: this.inFlight, capacity }, 'slack: at capacity; not acknowledging (answered 503 so Slack retries)');
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

  private forgetOld(now: number): void {
    let drop = 0;
    while (drop < this.finished.length && this.finished[drop]! < now - RATE_WINDOW_MS) drop += 1;
    if (drop > 0) this.finished.splice(0, drop);
  }

  private release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.inFlight -= 1;
    if (slot.started) {
      const now = performance.now();
      this.forgetOld(now);
      this.finished.push(now);
    }
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
