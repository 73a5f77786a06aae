/**
 * The scheduler in the real server (real Bolt WebClient, real botbuilder, real lowdb) against the fake
 * Slack Web API and Bot Connector: one DM each on both platforms, unreachable people, 429 Retry-After.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { dmOf } from '../rig/fake-slack.js';
import { event, postSlack } from '../rig/slack-requests.js';
import { message, postTeams } from '../rig/teams-requests.js';
import type { OutboxItem } from '../../src/core/schedule/types.js';

let rig: Rig;
beforeEach(async () => {
  // The tests count what their own flushes did, so no other flush may share the work: the cron tick is set
  // to once a year, and the server's catch-up tick at start is let finish first.
  rig = await startRig({ settingsYaml: 'reminders: { tick: "0 0 1 1 *" }\n' });
  await rig.schedulerSettled();
});
afterEach(async () => {
  await rig.stop();
});

const prompt = { fallback: 'Time to delete this term’s recordings.', blocks: [{ kind: 'text' as const, text: 'Time to delete this term’s recordings.' }] };

async function teamsTalks(id: string) {
  const res = await postTeams(rig.url, message(rig.connector.url, `conv-${id}`, { id }, 'hello'));
  expect(res.status).toBe(200);
}

const dm = (platform: 'slack' | 'teams', userId: string, round = 'autumn'): OutboxItem => ({
  key: `test.term-end:${round}:${platform}:${userId}`,
  kind: 'test.term-end',
  group: `term-end:${round}`,
  to: { platform, userId },
  prompt,
});

test('a fan-out to known people on both platforms gives each exactly one DM, whatever the flushes overlap', async () => {
  const slackPeople = ['U100', 'U101', 'U102'];
  const teamsPeople = ['a100', 'a101', 'a102'];
  for (const u of slackPeople) await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: dmOf(u), user: u, text: 'hello', ts: `1.${u}` }), 'application/json');
  for (const t of teamsPeople) await teamsTalks(t);
  // Their answers out of the way, only the scheduler's sends are counted.
  await eventually(() => expect(rig.connector.activities().length).toBeGreaterThanOrEqual(3));
  await eventually(() => expect(rig.slack.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(3));
  rig.slack.posted.clear();
  const before = rig.connector.activities().length;

  // U999 never wrote to the bot: the DM is opened with conversations.open.
  const { scheduler } = rig.running!;
  const added = await scheduler.context().outbox.enqueue([...slackPeople, 'U999'].map((u) => dm('slack', u)).concat(teamsPeople.map((t) => dm('teams', t))));
  expect(added).toEqual({ added: 7, existing: 0 });
  await Promise.all([scheduler.flush(), scheduler.flush(), scheduler.tick()]);

  for (const u of [...slackPeople, 'U999']) expect(rig.slack.postedWithKey(`test.term-end:autumn:slack:${u}`).map((m) => m.channel)).toEqual([dmOf(u)]);
  expect(rig.slack.callsOf('conversations.open').map((c) => c.body.users)).toEqual(['U999']);
  const sent = rig.connector.activities().slice(before).filter((a) => a.kind === 'send');
  expect(sent.map((a) => decodeURIComponent(a.path.split('/')[3]!)).sort()).toEqual(teamsPeople.map((t) => `conv-${t}`));
  for (const key of [...slackPeople.map((u) => `test.term-end:autumn:slack:${u}`), ...teamsPeople.map((t) => `test.term-end:autumn:teams:${t}`)]) {
    expect((await scheduler.context().outbox.get(key))?.status).toBe('sent');
  }
  // Metadata names the delivery; message content never reaches the logs.
  const post = rig.slack.callsOf('chat.postMessage').find((c) => c.body.channel === dmOf('U100') && c.body.metadata)!;
  expect(post.body.metadata).toEqual({ event_type: 'safecall_delivery', event_payload: { key: 'test.term-end:autumn:slack:U100', kind: 'test.term-end' } });
  expect(rig.logs.join('\n')).not.toContain('delete this term');
});

test('people who blocked the bot are marked unreachable and not called again until they talk', async () => {
  await teamsTalks('a200');
  rig.connector.refuse.set('conv-a200', { status: 403, code: 'MessageWritesBlocked' });
  rig.slack.refuse.set('U200', 'user_disabled');
  const { scheduler } = rig.running!;
  await scheduler.context().outbox.enqueue([dm('teams', 'a200'), dm('slack', 'U200')]);
  const summary = await scheduler.flush();
  expect(summary.unreachable).toBe(2);
  expect((await scheduler.context().outbox.get('test.term-end:autumn:teams:a200'))).toMatchObject({ status: 'unreachable', error: '403_MessageWritesBlocked' });
  expect((await scheduler.context().outbox.get('test.term-end:autumn:slack:U200'))).toMatchObject({ status: 'unreachable', error: 'user_disabled' });

  const tries = () => rig.connector.activities('conv-a200').length + rig.slack.callsOf('conversations.open').length + rig.slack.callsOf('chat.postMessage').length;
  const calls = tries();
  await scheduler.context().outbox.enqueue([dm('teams', 'a200', 'spring'), dm('slack', 'U200', 'spring')]);
  expect((await scheduler.flush()).unreachable).toBe(2);
  expect(tries()).toBe(calls);

  // The Teams teacher unblocks and talks to the bot: reachable again.
  rig.connector.refuse.delete('conv-a200');
  await teamsTalks('a200');
  await scheduler.context().outbox.enqueue([dm('teams', 'a200', 'summer')]);
  expect((await scheduler.flush()).sent).toBe(1);
});

test('Slack answering 429 with Retry-After: nothing is retried before that, and everyone still gets one DM', async () => {
  rig.slack.rateLimit = { perChannel: 1, workspace: 2, windowMs: 1000, retryAfter: 1 };
  const people = ['U301', 'U302', 'U303', 'U304', 'U305', 'U306'];
  const { scheduler } = rig.running!;
  await scheduler.context().outbox.enqueue(people.map((u) => dm('slack', u)));
  await scheduler.flush();
  // The server's own wake-up flushes what waited for Retry-After.
  await eventually(() => {
    for (const u of people) expect(rig.slack.postedWithKey(`test.term-end:autumn:slack:${u}`)).toHaveLength(1);
  }, 15_000);
  expect(rig.slack.limited).toBeGreaterThan(0);
  for (const l of rig.slack.limitedAt) {
    const [post] = rig.slack.posted.get(l.channel) ?? [];
    if (post && post.at > l.at) expect(post.at - l.at).toBeGreaterThanOrEqual(990);
  }
}, 30_000);

test('Teams answering 429 with Retry-After: everyone still gets exactly one message', async () => {
  const people = ['a401', 'a402', 'a403', 'a404', 'a405'];
  for (const t of people) await teamsTalks(t);
  await eventually(() => expect(rig.connector.activities().length).toBeGreaterThanOrEqual(people.length));
  const before = new Map(people.map((t) => [t, rig.connector.sentTo(`conv-${t}`).length]));
  rig.connector.rateLimit = { perConversation: 7, tenant: 2, windowMs: 1000, retryAfter: 1 };
  const { scheduler } = rig.running!;
  await scheduler.context().outbox.enqueue(people.map((t) => dm('teams', t)));
  await scheduler.flush();
  await eventually(async () => {
    for (const t of people) expect((await scheduler.context().outbox.get(`test.term-end:autumn:teams:${t}`))?.status).toBe('sent');
  }, 15_000);
  expect(rig.connector.limited).toBeGreaterThan(0);
  for (const t of people) expect(rig.connector.sentTo(`conv-${t}`).length - before.get(t)!).toBe(1);
}, 30_000);
