/**
 * Three real SafeCall processes on one PostgreSQL schema, Slack faked at its Web API (issue 15):
 * - the term-end reminder to 2,000 staff goes out exactly once each, with the leader SIGKILLed mid-fan-out
 *   (another instance takes the lead, reconciles what the dead one left `sending` against Slack's history,
 *   and sends the rest);
 * - a report submitted through one instance and Slack's retry of it through another make one report;
 * - the DPO's Acknowledge pressed on two instances at once makes one acknowledgement, and the ICO decision
 *   form submitted through two instances at once one decision, the other answer saying so;
 * - the DPO alert for a report taken by a follower leaves at once (the leader is signalled), not at the
 *   next minute's tick.
 */
import { jest } from '@jest/globals';
import { FakeSlack, dmOf, TEAM } from '../rig/fake-slack.js';
import { FakeConnector } from '../rig/fake-connector.js';
import { message, postTeams } from '../rig/teams-requests.js';
import { find, slackButtons } from '../rig/clicks.js';
import { SETUP_ACTIONS } from '../../dialogs/secure-call/ids.js';
import { Cluster, buildDist, termEndingToday, until, type Instance } from '../rig/processes.js';
import { FORM, blockAction, postSlack, sign, slashCommand, viewSubmission } from '../rig/slack-requests.js';
import type { Recorded } from '../rig/recorder.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { answers, slackState, type SlackView } from '../e2e/reports.rig.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

jest.setTimeout(180_000);
beforeAll(() => buildDist(), 120_000);

const REF = /INC-\d{4}-\d{4}/;

describe('a term-end reminder to 2,000 people with the leader killed in the middle', () => {
  const PEOPLE = Array.from({ length: 2000 }, (_, i) => `U${String(i + 1).padStart(5, '0')}`);
  let slack: FakeSlack;
  let cluster: Cluster;
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    slack.members.set('GSTAFF01', [...PEOPLE, 'UBOT0001']);
    cluster = await Cluster.create({
      slackApiUrl: slack.apiUrl,
      settingsYaml: termEndingToday({ term: 'Cluster Term', tick: '0 0 1 1 *', leaseSeconds: 3, leaderSeconds: 2, teamId: TEAM }),
    });
  });
  afterAll(async () => {
    await cluster.stop();
    await slack.stop();
  });

  const termEndPosts = () => [...slack.posted.values()].flat().filter((m) => String(m.metadata?.event_payload?.key ?? '').startsWith('term-end:') && !String(m.metadata?.event_payload?.key).includes('follow-up'));

  test('each of the 2,000 gets exactly one DM; nobody is skipped; the new leader finishes the round', async () => {
    const [a, b, c] = [await cluster.start('a'), await cluster.start('b'), await cluster.start('c')];
    await Promise.all([a, b, c].map((i) => i.ready()));

    // The leader takes the round at its start tick; kill it once it has sent a part of it.
    await until(() => termEndPosts().length >= 300, 60_000, '300 reminders sent');
    const leader = (await cluster.leader())!;
    expect(leader).toBeDefined();
    leader.child.kill('SIGKILL');
    await leader.exited;
    const killedAt = Date.now();
    const sentBeforeKill = termEndPosts().length;
    expect(sentBeforeKill).toBeLessThan(PEOPLE.length);

    // Another takes over and finishes; every delivery of the round is settled.
    await until(() => termEndPosts().length >= PEOPLE.length, 120_000, 'every reminder sent');
    const allSentMs = Date.now() - killedAt;
    await until(
      async () => {
        const open = await cluster.query<{ n: string }>(
          `SELECT count(*) AS n FROM "${cluster.schema}".deliveries WHERE key LIKE 'term-end:%' AND value->>'status' IN ('queued', 'sending')`,
        );
        return open[0]!.n === '0';
      },
      60_000,
      'the round to be settled',
    );
    const settledMs = Date.now() - killedAt;
    const successor = (await cluster.leader())!;
    expect(successor).toBeDefined();
    expect(successor.pid).not.toBe(leader.pid);

    const perChannel = new Map<string, number>();
    for (const m of termEndPosts()) perChannel.set(m.channel, (perChannel.get(m.channel) ?? 0) + 1);
    const duplicates = [...perChannel.values()].filter((n) => n > 1).length;
    const missed = PEOPLE.filter((u) => !perChannel.has(dmOf(u)));
    expect({ duplicates, missed: missed.length, posts: termEndPosts().length }).toEqual({ duplicates: 0, missed: 0, posts: PEOPLE.length });
    expect(perChannel.has(dmOf('UBOT0001'))).toBe(false);
    const statuses = await cluster.query<{ status: string; n: string }>(
      `SELECT value->>'status' AS status, count(*) AS n FROM "${cluster.schema}".deliveries WHERE key LIKE 'term-end:%' AND key NOT LIKE '%follow-up%' GROUP BY 1`,
    );
    expect(statuses).toEqual([{ status: 'sent', n: String(PEOPLE.length) }]);
    // Only the leader of the moment sends: the third instance, never leading, sent nothing.
    const senders = [a, b, c].filter((i) => Cluster.logs(i).some((l) => l.msg === 'leadership: this instance now leads'));
    expect(senders.map((i) => i.name)).toEqual(expect.arrayContaining([leader.name, successor.name]));
    console.log(`fan-out: ${PEOPLE.length} people, ${sentBeforeKill} sent before the leader (${leader.name}) was killed, ${successor.name} sent the rest; all sent ${allSentMs} ms and all settled ${settledMs} ms after the kill; duplicates ${duplicates}, missed ${missed.length}`);
  });
});

describe('reports, the DPO, Teams and the setup guide across three instances', () => {
  const DPO = 'U0DPO';
  const DPO_CHANNEL = 'C0DPO';
  let slack: FakeSlack;
  let connector: FakeConnector;
  let cluster: Cluster;
  let nodes: Instance[];
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    connector = await new FakeConnector().start();
    cluster = await Cluster.create({
      slackApiUrl: slack.apiUrl,
      settingsYaml: `school: { name: Hillside, timezone: Europe/London }
slack: { teamId: ${TEAM}, admins: [], dpo: [${DPO}], dpoChannel: ${DPO_CHANNEL} }
teams: { admins: [], dpo: [] }
sending: { leaderSeconds: 5 }
`,
    });
    nodes = [await cluster.start('a'), await cluster.start('b'), await cluster.start('c')];
    await Promise.all(nodes.map((i) => i.ready()));
    await until(async () => (await cluster.leader()) !== undefined, 20_000, 'a leader');
  });
  afterAll(async () => {
    await cluster.stop();
    await slack.stop();
    await connector.stop();
  });

  const respondUrl = (user: string) => `${slack.url}/respond/${user}`;
  const after = (from: number, pred: (c: Recorded) => boolean, ms = 10_000) => slack.waitFor((c) => slack.calls.indexOf(c) >= from && pred(c), ms);
  const followers = async () => {
    const leader = await cluster.leader();
    return nodes.filter((n) => n !== leader);
  };

  test('/healthz says which instance leads: exactly one, the lease holder', async () => {
    const leading = async () =>
      Promise.all(nodes.map(async (n) => ((await (await fetch(`${n.url}/healthz`)).json()) as { scheduler: { leading: boolean } }).scheduler.leading));
    await until(async () => (await leading()).filter(Boolean).length === 1, 10_000, 'one leader on /healthz');
    const leader = await cluster.leader();
    expect(await leading()).toEqual(nodes.map((n) => n === leader));
  });

  async function openForm(node: Instance, user: string): Promise<SlackView> {
    const from = slack.calls.length;
    expect((await postSlack(node.url, slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrl(user) }), FORM)).status).toBe(200);
    return (await after(from, (c) => c.path === '/api/views.open')).body.view as SlackView;
  }
  const reportsBy = async (user: string) =>
    cluster.query<{ key: string }>(`SELECT key FROM "${cluster.schema}".reports WHERE ix_reporter = $1`, [`slack:${user}`]);

  test('a report through a follower and Slack\'s retry of it through another instance: one report, one confirmation; the DPO alert leaves at once', async () => {
    const [first, second] = await followers();
    const user = 'U0RETRY';
    const view = await openForm(first!, user);
    const body = viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, answers(new Date())), privateMetadata: view.private_metadata });
    const from = slack.calls.length;
    const submitted = Date.now();
    const [r1, r2] = await Promise.all([
      postSlack(first!.url, body, FORM),
      postSlack(second!.url, body, FORM, { ...sign(body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    ]);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    const confirmed = await after(from, (c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)));
    const ref = JSON.stringify(confirmed.body).match(REF)![0];
    expect(await reportsBy(user)).toEqual([{ key: ref }]);

    // The alert is sent by the leader, woken by the follower's signal rather than the next cron minute.
    const alert = await after(from, (c) => c.path === '/api/chat.postMessage' && c.body.channel === DPO_CHANNEL && JSON.stringify(c.body).includes(ref), 15_000);
    const latency = Date.now() - submitted;
    expect(latency).toBeLessThan(15_000);
    console.log(`DPO alert from a follower's report: ${latency} ms after the submission`);
    // Whatever else happens, nothing more about this report is confirmed or alerted.
    const confirmations = slack.calls.filter((c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)));
    expect(confirmations).toHaveLength(1);
    expect(alert).toBeDefined();
  });

  test('the DPO presses Acknowledge on two instances at once, then submits the decision through two: one of each', async () => {
    const user = 'U0PUPIL';
    const view = await openForm(nodes[0]!, user);
    let from = slack.calls.length;
    await postSlack(nodes[0]!.url, viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, answers(new Date())), privateMetadata: view.private_metadata }), FORM);
    const ref = JSON.stringify((await after(from, (c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)))).body).match(REF)![0];
    const alert = await after(from, (c) => c.path === '/api/chat.postMessage' && c.body.channel === DPO_CHANNEL && JSON.stringify(c.body).includes(ref), 15_000);
    const ts = String((alert.reply as { ts?: string }).ts);

    const press = (node: Instance, action: string) =>
      postSlack(node.url, blockAction({ user: DPO, channel: DPO_CHANNEL, actionId: action, value: ref, messageTs: ts, responseUrl: respondUrl(DPO) }), FORM);
    const acks = await Promise.all([press(nodes[1]!, A.acknowledge), press(nodes[2]!, A.acknowledge)]);
    expect(acks.map((r) => r.status)).toEqual([200, 200]);
    const timeline = async () =>
      ((await cluster.query<{ value: { timeline: { kind: string }[] } }>(`SELECT value FROM "${cluster.schema}".reports WHERE key = $1`, [ref]))[0]!.value.timeline).map((e) => e.kind);
    await until(async () => (await timeline()).includes('acknowledged'), 10_000, 'the acknowledgement');
    expect(await timeline()).toEqual(['acknowledged']);

    // The decision form, opened once each through two instances, submitted through both at the same moment.
    const openDecision = async (node: Instance) => {
      const n = slack.calls.length;
      await press(node, A.decision);
      return (await after(n, (c) => c.path === '/api/views.open')).body.view as SlackView;
    };
    const [va, vb] = [await openDecision(nodes[0]!), await openDecision(nodes[1]!)];
    const typed = { [T.decision]: 'reported', [T.icoRef]: 'IC-123456-A1B2' };
    from = slack.calls.length;
    const submits = await Promise.all(
      [
        [nodes[1]!, va],
        [nodes[2]!, vb],
      ].map(([node, v]) =>
        postSlack((node as Instance).url, viewSubmission({ user: DPO, callbackId: (v as SlackView).callback_id, values: slackState(v as SlackView, typed), privateMetadata: (v as SlackView).private_metadata }), FORM),
      ),
    );
    expect(submits.map((r) => r.status)).toEqual([200, 200]);
    await until(async () => (await timeline()).includes('decision'), 10_000, 'the decision');
    // One answer says it was already decided (in the modal's reply or a private message).
    await until(
      () => slack.calls.slice(from).some((c) => /already/i.test(JSON.stringify(c.body))) || submits.some((r) => /already/i.test(JSON.stringify(r.json ?? ''))),
      10_000,
      'the second submission to be told',
    );
    expect(await timeline()).toEqual(['acknowledged', 'decision']);
  });

  test('a Teams activity delivered to all three instances at once gets one reply', async () => {
    const once = message(connector.url, 'a:cluster-redelivered', { id: 'aad-cluster' }, 'help');
    const answered = await Promise.all(nodes.map((n) => postTeams(n.url, once)));
    expect(answered.map((r) => r.status)).toEqual([200, 200, 200]);
    // A later activity through each instance: once all three have replied to it, the copies have been handled.
    for (const [i, n] of nodes.entries()) {
      expect((await postTeams(n.url, message(connector.url, `a:after-${i}`, { id: 'aad-cluster' }, 'help'))).status).toBe(200);
      await connector.waitForConversation(`a:after-${i}`);
    }
    expect(connector.activities('a:cluster-redelivered')).toHaveLength(1);
  });

  test('one setup step pressed through two instances at once moves the teacher on one step, not two', async () => {
    const user = 'U0TEACH';
    const channel = 'D0TEACH';
    const messages = () =>
      slack.calls
        .filter((c) => (c.path === '/api/chat.postMessage' || c.path === '/api/chat.update') && c.body.channel === channel && slackButtons(c.body).length > 0)
        .map((c) => ({ ts: String(c.path.endsWith('update') ? c.body.ts : c.reply?.ts), body: c.body }));
    const latest = () => messages()[messages().length - 1]!;
    const press = async (node: Instance, action: string, label?: RegExp) => {
      const msg = latest();
      const b = find(slackButtons(msg.body), action, label);
      const n = slack.calls.length;
      const res = await postSlack(node.url, blockAction({ user, channel, actionId: b.action, value: b.value, messageTs: msg.ts, responseUrl: respondUrl(user) }), FORM);
      expect(res.status).toBe(200);
      await until(() => slack.calls.length > n, 10_000, 'an answer to the press');
    };
    let n = slack.calls.length;
    await postSlack(nodes[0]!.url, slashCommand({ user, channel, text: 'setup', responseUrl: respondUrl(user) }), FORM);
    await until(() => messages().length > 0 && slack.calls.length > n, 10_000, 'the first step');
    await press(nodes[1]!, SETUP_ACTIONS.platform, /Zoom/);
    await press(nodes[2]!, SETUP_ACTIONS.kind, /class/i);
    if (slackButtons(latest().body).some((b) => b.action === SETUP_ACTIONS.account)) await press(nodes[0]!, SETUP_ACTIONS.account);
    const step = (body: unknown) => Number(JSON.stringify(body).match(/Step (\d+) of \d+/)?.[1]);
    const before = step(latest().body);
    expect(before).toBeGreaterThan(0);

    const msg = latest();
    const done = find(slackButtons(msg.body), SETUP_ACTIONS.done);
    n = slack.calls.length;
    const both = await Promise.all(
      [nodes[1]!, nodes[2]!].map((node) =>
        postSlack(node.url, blockAction({ user, channel, actionId: done.action, value: done.value, messageTs: msg.ts, responseUrl: respondUrl(user) }), FORM),
      ),
    );
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    // Both presses are answered (the step moved on, or "moved on" for the second); the dialog stands one step on.
    await until(() => slack.calls.slice(n).filter((c) => c.path === '/api/chat.update' || c.path === '/api/chat.postMessage' || c.path === `/respond/${user}`).length >= 2, 10_000, 'both presses answered');
    const dialogs = await cluster.query<{ value: { state?: unknown } }>(`SELECT value FROM "${cluster.schema}".dialogs WHERE key LIKE $1`, [`%${user}%`]);
    expect(dialogs).toHaveLength(1);
    expect(step(latest().body)).toBe(before + 1);
  });
});
