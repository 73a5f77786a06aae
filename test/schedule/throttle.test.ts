/** The pacing: never more than the cap in any rolling window, calls to one conversation spaced, 429 pauses. */
import { Throttle } from '../../src/core/schedule/throttle.js';

const maxInWindow = (times: number[], windowMs: number) => {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
};

test('platform-wide: at most the cap in any rolling window, even when preparation takes varying time', async () => {
  const t = new Throttle({ perKey: 100, perKeyIntervalMs: 1000, global: 3, globalIntervalMs: 100 });
  const calls: number[] = [];
  await Promise.all(
    Array.from({ length: 15 }, (_, i) =>
      t.run(`c${i}`, async (paced) => {
        await new Promise((r) => setTimeout(r, (i * 7) % 30)); // a durable write of varying length
        return paced(async () => void calls.push(Date.now()));
      }),
    ),
  );
  expect(calls).toHaveLength(15);
  expect(maxInWindow(calls, 95)).toBeLessThanOrEqual(3);
  expect(Math.max(...calls) - Math.min(...calls)).toBeGreaterThanOrEqual(380); // 15 at 3 per 100 ms
});

test('one conversation: its calls are spaced by the per-conversation limit', async () => {
  const t = new Throttle({ perKey: 1, perKeyIntervalMs: 100, global: 100, globalIntervalMs: 100 });
  const calls: number[] = [];
  await Promise.all([1, 2, 3, 4].map(() => t.run('same', (paced) => paced(async () => void calls.push(Date.now())))));
  const gaps = calls.slice(1).map((c, i) => c - calls[i]!);
  expect(gaps.every((g) => g >= 95)).toBe(true);
});

test('a 429 pauses the platform for Retry-After', async () => {
  const t = new Throttle({ perKey: 100, perKeyIntervalMs: 1000, global: 100, globalIntervalMs: 100 });
  const paused = Date.now();
  t.pause(200);
  let at = 0;
  await t.run('x', (paced) => paced(async () => void (at = Date.now())));
  expect(at - paused).toBeGreaterThanOrEqual(195);
});

test('a task that makes no call (its claim was gone) does not hold its conversation for a pacing slot', async () => {
  // Before: it held the conversation as if it had called, so stale copies of DPO alerts (another worker's
  // claim had taken them) slowed the alerts behind them to one per slot each, sending nothing.
  const t = new Throttle({ perKey: 1, perKeyIntervalMs: 5000, global: 100, globalIntervalMs: 100 });
  const calls: number[] = [];
  const started = Date.now();
  await Promise.all([
    t.run('same', async () => undefined),
    t.run('same', async () => undefined),
    t.run('same', (paced) => paced(async () => void calls.push(Date.now() - started))),
  ]);
  expect(calls).toHaveLength(1);
  // Two slots of 5 s would put it at 10 s; none puts it at once.
  expect(calls[0]!).toBeLessThan(2500);
});
