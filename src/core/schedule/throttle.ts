/**
 * Sending paced to a platform's documented limits: calls to one conversation are spaced out, and the whole
 * workspace (Slack) or tenant (Teams) goes through one p-queue in strict (rolling window) mode, so no
 * window of `globalIntervalMs` ever holds more than the cap, whatever the far side's window looks like.
 *
 * A task waits for its conversation's queue, then for the platform-wide one. A 429 pauses the whole
 * platform for its Retry-After (Slack: "wait that long before calling the method again"), since the far
 * side does not say which of its limits was hit.
 */
import { setMaxListeners } from 'node:events';
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
  private readonly calls: PQueue;
  private readonly perKey = new Map<string, PQueue>();
  private resumeAt = 0;
  private resumeTimer?: NodeJS.Timeout;
  /** Aborted by stop(): what still waits for a limit runs at once (the runner, stopping, sends none of it). */
  private readonly stopping = new AbortController();

  constructor(private readonly limit: RateLimit) {
    this.global = new PQueue({ intervalCap: limit.global, interval: limit.globalIntervalMs, strict: true });
    this.calls = new PQueue({ intervalCap: limit.global, interval: limit.globalIntervalMs, strict: true });
    // Every waiting task listens on the one stop signal (a fan-out queues thousands): not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

  /**
   * Runs `fn` once both the conversation's and the platform's limits allow it. `fn` does its own
   * preparation (the runner's durable "sending" write) and then makes the platform call through `paced`,
   * which spaces the calls once more at the platform rate: a write's variable latency would otherwise
   * bunch calls that were started evenly, and the far side would see bursts over its limit.
   * A conversation's calls run one at a time, and each holds its conversation for
   * `perKeyIntervalMs / perKey` after its call started, so a backlog cannot bunch them up either; a task
   * that made no call holds it for nothing.
   */
  run<T>(key: string, fn: (paced: <R>(call: () => Promise<R>) => Promise<R>) => Promise<T>): Promise<T> {
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
    const { signal } = this.stopping;
    const direct = <R>(call: () => Promise<R>) => call();
    if (signal.aborted) return fn(direct);
    return new Promise<T>((resolve, reject) => {
      const unpaced = () => fn(direct).then(resolve, reject);
      q.add(
        async () => {
          let startedAt: number | undefined;
          const paced = <R>(call: () => Promise<R>) =>
            this.calls.add(() => {
              startedAt = Date.now();
              return call();
            }) as Promise<R>;
          try {
            resolve((await this.global.add(() => fn(paced), { signal })) as T);
          } catch (err) {
            // Stopped while waiting for the platform's limit: run now, unpaced (the runner sends nothing then).
            if (signal.aborted && (err as Error).name === 'AbortError') return unpaced();
            reject(err as Error);
          }
          // A task that made no call (the runner found its claim gone) leaves the conversation free at once.
          if (startedAt === undefined) return;
          const rest = startedAt + spacing - Date.now();
          if (rest > 0 && !signal.aborted) await new Promise((r) => setTimeout(r, rest));
        },
        { signal },
      ).catch((err: Error) => {
        // Stopped while waiting for its conversation's turn.
        if (signal.aborted && err.name === 'AbortError') void unpaced();
      });
    });
  }

  /** The far side said 429: nothing more is started on this platform for `ms`. */
  pause(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.resumeAt) return;
    this.resumeAt = until;
    this.global.pause();
    this.calls.pause();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.global.start();
      this.calls.start();
    }, ms);
    this.resumeTimer.unref();
  }

  /** Conversations with a queue right now (for tests and the benchmark). */
  get queues(): number {
    return this.perKey.size;
  }

  /**
   * Stopping: everything still waiting (for its conversation's spacing, the platform's window or a
   * Retry-After pause) runs at once, so a shutdown does not wait out a backlog paced at 1 a second. The
   * runner has set its own stop flag first, so what runs now calls nobody and releases its claim.
   */
  stop(): void {
    this.stopping.abort();
    clearTimeout(this.resumeTimer);
    this.global.start();
    this.calls.start();
  }
}
