/**
 * kill -9 in the middle of a fan-out: a child process (real lowdb store, real Slack and Teams messengers)
 * sends to N people per platform through the fake far sides, which answer late so sends are in flight
 * when it dies. A second run on the same data sends no duplicates and skips no one on Slack (reconciled
 * from the DM history); on Teams nobody gets two messages, and a send the crash cut short is `uncertain`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack, dmOf } from '../rig/fake-slack.js';
import { FakeConnector } from '../rig/fake-connector.js';
import { collectLines } from '../store/helpers.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';

const N = 40;
const CHILD = new URL('./fixtures/fanout-child.ts', import.meta.url).pathname;
const run = (dir: string, slack: FakeSlack, connector: FakeConnector) =>
  spawn(process.execPath, ['--import', 'tsx', CHILD, dir, slack.apiUrl, connector.url, String(N)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'test' } });

let slack: FakeSlack;
let connector: FakeConnector;
let dir: string;
beforeAll(async () => {
  slack = await new FakeSlack().start();
  connector = await new FakeConnector().start();
  dir = await mkdtemp(join(tmpdir(), 'safecall-fanout-'));
});
afterAll(async () => {
  await Promise.all([slack.stop(), connector.stop()]);
  await rm(dir, { recursive: true, force: true });
});

test('a fan-out killed with SIGKILL and run again sends each DM once', async () => {
  slack.delayMs = 40;
  connector.delayMs = 40;
  const first = run(dir, slack, connector);
  const posts = () => slack.callsOf('chat.postMessage').length + connector.activities().length;
  const killed = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (posts() >= N / 2) {
        clearInterval(poll);
        first.kill('SIGKILL');
        resolve();
      }
    }, 2);
  });
  const result = await collectLines(first);
  await killed;
  expect({ signal: result.signal, stderr: result.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
  expect(result.lines).toEqual(['ready']); // killed before it finished
  const beforeRestart = posts();
  expect(beforeRestart).toBeLessThan(2 * N);

  slack.delayMs = 0;
  connector.delayMs = 0;
  const second = await collectLines(run(dir, slack, connector));
  expect(second.stderr).toBe('');
  expect(second.lines[1]).toMatch(/^done /);
  // The kill did cut sends short (else this test proves nothing): the second run had "sending" to settle.
  const { reconciled } = JSON.parse(second.lines[1]!.slice(5)) as { reconciled: Record<string, number> };
  expect(Object.values(reconciled).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

  const store = await openLowdbStore(dir, { readOnly: true });
  try {
    for (let i = 0; i < N; i++) {
      // Slack: exactly one message per person, and the outbox says sent.
      expect({ i, posted: slack.postedWithKey(`term-end:autumn:slack:U${i}`).map((m) => m.channel) }).toEqual({ i, posted: [dmOf(`U${i}`)] });
      expect((await store.deliveries.get(`term-end:autumn:slack:U${i}`))?.status).toBe('sent');
      // Teams: never two; none missing unless the crash left it uncertain (counted, not resent).
      const got = connector.sentTo(`conv-a${i}`).length;
      const status = (await store.deliveries.get(`term-end:autumn:teams:a${i}`))?.status;
      expect({ i, twice: got > 1 }).toEqual({ i, twice: false });
      expect({ i, ok: status === 'sent' ? got === 1 : status === 'uncertain' }).toEqual({ i, ok: true });
    }
  } finally {
    await store.close();
  }
}, 60_000);
