/**
 * Acknowledged work is bounded and done (issue 11, item 6): beyond the in-flight cap a Slack command is
 * answered 503 with Retry-After instead of being acknowledged, and every acknowledged command gets its reply.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { FORM, postSlack, sign, slashCommand } from '../rig/slack-requests.js';
import type { Recorded } from '../rig/recorder.js';

const CAP = 4;
let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ env: { SAFECALL_SLACK_MAX_IN_FLIGHT: String(CAP) } });
});
afterAll(() => rig.stop());

/** Request n carries its number in its channel, response_url and trigger id; the reply names one of them. */
const command = (n: number) =>
  slashCommand({ user: `UCAP${n % 5}`, channel: `D0CAP${n}`, text: 'setup', responseUrl: `${rig.slack.url}/respond/${n}` }).replace(
    /trigger_id=[^&]*/,
    `trigger_id=trigger-cap-${n}`,
  );

function repliedTo(calls: Recorded[]): Set<number> {
  const ids = new Set<number>();
  for (const c of calls) {
    const m = /(?:D0CAP|\/respond\/|trigger-cap-)(\d+)/.exec(`${c.path} ${String(c.body.channel ?? '')} ${String(c.body.trigger_id ?? '')}`);
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}

test('a burst beyond the cap gets 503s with Retry-After (not acks), and every acknowledged command gets its reply', async () => {
  const burst = Array.from({ length: 40 }, (_, n) => n);
  const answers = await Promise.all(
    burst.map(async (n) => {
      const body = command(n);
      const res = await fetch(`${rig.url}/slack/events`, { method: 'POST', headers: { 'content-type': FORM, ...sign(body) }, body });
      await res.text();
      return { n, status: res.status, retryAfter: res.headers.get('retry-after') };
    }),
  );
  const acked = answers.filter((a) => a.status === 200).map((a) => a.n);
  const refused = answers.filter((a) => a.status === 503);
  expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every((a) => a.retryAfter === '1')).toBe(true);
  expect(acked.length).toBeGreaterThanOrEqual(CAP);

  await eventually(() => expect([...repliedTo(rig.slack.calls)].filter((n) => acked.includes(n)).sort()).toEqual([...acked].sort()), 10_000);
  // Refused commands were never acknowledged, so they must have had no effect.
  const refusedIds = new Set(refused.map((a) => a.n));
  expect([...repliedTo(rig.slack.calls)].filter((n) => refusedIds.has(n))).toEqual([]);
  expect(rig.logs.some((l) => /at capacity; not acknowledging/.test(l))).toBe(true);
});

test('requests Bolt turns away (bad signature) free their slot: more of them than the cap, then a command is still acknowledged', async () => {
  for (let i = 0; i < CAP * 3; i += 1) {
    const res = await postSlack(rig.url, command(100 + i), FORM, { 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=bad' });
    expect(res.status).toBe(401);
  }
  const ok = await postSlack(rig.url, command(200), FORM);
  expect(ok.status).toBe(200);
  await eventually(() => expect(repliedTo(rig.slack.calls).has(200)).toBe(true));
});
