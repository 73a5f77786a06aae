/**
 * Sending paced to a platform's documented limits: calls to one conversation are spaced out, and the whole
 * workspace (Slack) or tenant (Teams) goes through one p-queue in strict (rolling window) mode, so no
 * window of `globalIntervalMs` ever holds more than the cap, whatever the far side's window looks like.
 *
 * A task waits for its conversation's queue, then for the platform-wide one. A 429 pauses the whole
 * platform for its Retry-After (Slack: "wait that long before calling the method again"), since the far
 * side does not say which of its limits was hit.
 */
import PQueue from 'p-queue';

export interface RateLimit {
  /** Most calls per conversation per `perKeyIntervalMs`. */
  perKey: number;
  perKeyIntervalMs: number;
  /** Most calls for the whole workspace or tenant per `globalIntervalMs`. */
  global: number;
  globalIntervalMs: number;
}

export class Throttle {
  private readonly global: PQueue;
  private readonly perKey = new Map<string, PQueue>();
  private resumeAt = 0;
  private resumeTimer?: NodeJS.Timeout;

  constructor(private readonly limit: RateLimit) {
    this.global = new PQueue({ intervalCap: limit.global, interval: limit.globalIntervalMs, strict: true });
  }

  /**
   * Runs `fn` once both the conversation's and the platform's limits allow it. A conversation's calls run
   * one at a time, and each holds its conversation for `perKeyIntervalMs / perKey` after it *started* at the
   * far side (not after it was queued), so a backlog in the platform-wide queue cannot bunch them up.
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let q = this.perKey.get(key);
    if (!q) {
      q = new PQueue({ concurrency: 1 });
      this.perKey.set(key, q);
      const queue = q;
      // Dropped once idle, so 5,000 DMs leave no 5,000 queues behind.
      q.on('idle', () => {
        if (this.perKey.get(key) === queue) this.perKey.delete(key);
      });
    }
    const spacing = this.limit.perKeyIntervalMs / this.limit.perKey;
    return new Promise<T>((resolve, reject) => {
      void q.add(async () => {
        let startedAt = Date.now();
        try {
          resolve(
            await this.global.add(() => {
              startedAt = Date.now();
              return fn();
            }) as T,
          );
        } catch (err) {
          reject(err as Error);
        }
        const rest = startedAt + spacing - Date.now();
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      });
    });
  }

  /** The far side said 429: nothing more is started on this platform for `ms`. */
  pause(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.resumeAt) return;
    this.resumeAt = until;
    this.global.pause();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => this.global.start(), ms);
    this.resumeTimer.unref();
  }

  /** Conversations with a queue right now (for tests and the benchmark). */
  get queues(): number {
    return this.perKey.size;
  }

  /** Ends a Retry-After pause early so queued work can drain (the runner stops it from calling out). */
  stop(): void {
    clearTimeout(this.resumeTimer);
    this.global.start();
  }
}
