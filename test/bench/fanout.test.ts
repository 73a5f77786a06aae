/**
 * The fan-out benchmark still runs and counts right on a small crowd (its speed is measured only by
 * `npm run bench -- --only=fanout`): everyone reached once on both platforms, through the limits.
 */
import { runOne } from '../../bench/fanout.js';

// Slack only: under Jest, loading botbuilder for the Teams half takes half a minute (test/schedule/crash.test.ts
// and test/e2e/scheduler.test.ts cover the Teams messenger).
test('slack: 40 people, one message each, none missed', async () => {
  const f = await runOne('slack', 40, 20);
  expect({ duplicates: f.duplicates, missed: f.missed, people: f.people }).toEqual({ duplicates: 0, missed: 0, people: 40 });
  expect(f.seconds).toBeGreaterThan(0);
}, 60_000);
