/**
 * Slack in Socket Mode end to end: the real server (Bolt's SocketModeReceiver, the real store) connects out
 * through apps.connections.open on the fake Web API to a local WebSocket that speaks Slack's envelope protocol
 * (test/rig/fake-socket-mode.ts). A command, a button of the guided setup and the report modal go through
 * envelopes and acknowledgements; a `disconnect` from Slack is followed by a new connection that works; a
 * redelivered envelope has one effect; and no log line holds what was typed.
 */
import { APP_TOKEN, startRig, type Rig } from '../rig/harness.js';
import { until } from '../rig/processes.js';
import { find, slackButtons } from '../rig/clicks.js';
import type { Recorded } from '../rig/recorder.js';
import { FORM, blockAction, event, postSlack, slashCommand, triggerId, viewSubmission } from '../rig/slack-requests.js';
import { eventPayload, formPayload, interactivePayload, type EnvelopeType } from '../rig/fake-socket-mode.js';
import { figures } from '../helpers/soak.js';
import { TEST_DATABASE_URL, onPostgres } from '../rig/store-env.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { REPORT_FIELDS as F, REPORT_FORMS } from '../../dialogs/incidents/ids.js';
import { SETUP_ACTIONS } from '../../dialogs/secure-call/ids.js';
import { SETTINGS, answers, leaks, nextCall, slackState, type SlackView } from './reports.rig.js';

let rig: Rig;
const startedAt = Date.now();
const figuresOf: Record<string, number | string> = {};
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS, socketMode: true });
  figuresOf['connected (ms from rig start)'] = Date.now() - startedAt;
});
afterAll(async () => {
  const socket = rig.socket!;
  figuresOf['envelopes sent'] = socket.sent.length;
  figuresOf['acknowledgements'] = socket.acks.length;
  figuresOf['connections'] = socket.connections.length;
  figuresOf['file run time (ms)'] = Date.now() - startedAt;
  await rig.stop();
  figures(`slack-socket-${onPostgres ? 'postgres' : 'lowdb'}`, figuresOf);
});

const REF = /INC-\d{4}-\d{4}/g;
const respondUrl = (user: string) => `${rig.slack.url}/respond/${user}`;

/** Sends an envelope and returns its acknowledgement (and the index of the first Web API call after it). */
async function deliver(type: EnvelopeType, payload: Record<string, unknown>, o?: Parameters<NonNullable<Rig['socket']>['send']>[2]) {
  const socket = rig.socket!;
  const from = rig.slack.calls.length;
  const id = socket.send(type, payload, o);
  const ack = await socket.ackOf(id);
  return { id, ack, from };
}

const command = (o: Parameters<typeof slashCommand>[0]) => deliver('slash_commands', formPayload(slashCommand(o)));
const interactive = (form: string) => deliver('interactive', interactivePayload(form));

async function health(): Promise<{ status: string; platforms: { slack: string } }> {
  return (await (await fetch(`${rig.url}/healthz`)).json()) as { status: string; platforms: { slack: string } };
}

describe('connecting', () => {
  test('apps.connections.open with the app-level token on the fake API, a hello, and /healthz says socket', async () => {
    const socket = rig.socket!;
    const opened = rig.slack.callsOf('apps.connections.open');
    expect(opened).toHaveLength(1);
    // The Socket Mode client's own WebClient: the app token, at SLACK_API_URL (not slack.com).
    expect(opened[0]!.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    // Everything else Bolt calls uses the bot token.
    expect(rig.slack.callsOf('auth.test')[0]!.headers.authorization).toBe('Bearer xoxb-test-token');
    expect(socket.connections).toHaveLength(1);
    expect(new URL(String(opened[0]!.reply?.url)).searchParams.get('ticket')).toBe(socket.connections[0]!.ticket);
    expect(await health()).toMatchObject({ status: 'ok', platforms: { slack: 'socket' } });
    expect(rig.banner).toContain('  Slack: Socket Mode (connects out to Slack; no public URL needed)');
    // No HTTP endpoint in Socket Mode: a request there is told so (and nothing reaches Bolt).
    const res = await postSlack(rig.url, slashCommand({ user: 'U0HTTP', channel: 'C0CLASS', text: 'help' }), FORM);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: 'slack_off', message: expect.stringMatching(/Socket Mode/) });
  });
});

describe('through envelopes', () => {
  test('/safecall setup is acknowledged on the socket, the first step is posted, and its button moves it on in place', async () => {
    const user = 'U0SETUP';
    const channel = 'D0SETUP';
    const { id, ack, from } = await command({ user, channel, text: 'setup', responseUrl: respondUrl(user) });
    expect(ack).toMatchObject({ envelope_id: id, connection: 1 });
    const first = await nextCall(rig.slack, from, (c) => c.path === '/api/chat.postMessage' && c.body.channel === channel);
    const zoom = find(slackButtons(first.body), SETUP_ACTIONS.platform, /Zoom/);
    const ts = String(first.reply?.ts);

    const press = await interactive(blockAction({ user, channel, actionId: zoom.action, value: zoom.value, messageTs: ts, responseUrl: respondUrl(user) }));
    expect(press.ack.envelope_id).toBe(press.id);
    // A button's acknowledgement carries nothing: the answer is the message, updated in place.
    expect(press.ack.payload ?? {}).toEqual({});
    const updated = await nextCall(rig.slack, press.from, (c) => c.path === '/api/chat.update' && c.body.channel === channel);
    expect(updated.body.ts).toBe(ts);
    expect(slackButtons(updated.body).map((b) => b.action)).toContain(SETUP_ACTIONS.kind);
  });

  test('the report modal: /safecall report opens it with that trigger; a refused submission is answered in the ack, a good one closes it and is stored', async () => {
    const user = 'U0SOCKREP';
    const trigger = triggerId(user);
    const { from } = await command({ user, channel: 'C0CLASS', text: 'report', triggerId: trigger, responseUrl: respondUrl(user) });
    const opened = await nextCall(rig.slack, from, (c) => c.path === '/api/views.open');
    expect(opened.body.trigger_id).toBe(trigger);
    const view = opened.body.view as SlackView;
    expect(view.callback_id).toBe(REPORT_FORMS.report);

    const submission = (typed: Record<string, string>) =>
      interactive(viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, typed), privateMetadata: view.private_metadata }));

    // Refused: the errors travel in the acknowledgement's payload, beside the fields (Slack keeps the modal open).
    const future = new Date(Date.now() + 2 * 3600_000).toISOString();
    const refused = await submission(answers(new Date(), { [F.occurredAt]: future, [F.discoveredAt]: '', [F.narrative]: '' }));
    expect(refused.ack.payload).toEqual({ response_action: 'errors', errors: { [F.occurredAt]: expect.any(String), [F.narrative]: expect.any(String) } });

    const good = await submission(answers(new Date()));
    // An empty acknowledgement closes the modal.
    expect(good.ack.payload ?? {}).toEqual({});
    const confirmed = await nextCall(rig.slack, good.from, (c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)));
    expect(confirmed.body.response_type).toBe('ephemeral');
    const ref = JSON.stringify(confirmed.body).match(REF)![0];

    // Stored: the reporter's own list (asked for through the socket as well) has it, and only it.
    const mine = await command({ user, channel: `D${user}`, text: 'my reports', responseUrl: respondUrl(user) });
    const list = await nextCall(rig.slack, mine.from, (c) => (c.path === '/api/chat.postMessage' && c.body.channel === `D${user}`) || c.path === `/respond/${user}`);
    expect([...new Set(JSON.stringify(list.body).match(REF))]).toEqual([ref]);
  });
});

describe('reconnecting', () => {
  test('a disconnect (refresh_requested) mid-session: /healthz says reconnecting, then a new apps.connections.open and a second hello, and a command on the new connection works', async () => {
    const socket = rig.socket!;
    const opensBefore = rig.slack.callsOf('apps.connections.open').length;
    const asked = Date.now();
    const old = socket.disconnect('refresh_requested');
    // The client closes the old connection itself (Slack's close would come later).
    await until(() => old.closedAt !== undefined, 5000, 'the old connection to close');
    // Between connections nothing reaches SafeCall, and /healthz says so.
    await until(async () => (await health()).platforms.slack === 'socket (reconnecting)', 5000, '/healthz to say reconnecting');
    await until(() => socket.connections.length === 2 && socket.current?.n === 2, 15_000, 'a second connection');
    const back = Date.now();
    await until(async () => (await health()).platforms.slack === 'socket', 5000, '/healthz to say socket again');
    const said = rig.logLines().map((l) => l.msg);
    expect(said).toContain('slack: Socket Mode connection closed; reconnecting');
    expect(said).toContain('slack: Socket Mode connection open again');
    expect(rig.slack.callsOf('apps.connections.open')).toHaveLength(opensBefore + 1);
    expect(socket.connections[1]!.ticket).not.toBe(old.ticket);
    figuresOf['reconnect after disconnect (ms)'] = back - asked;
    figuresOf['old connection closed after (ms)'] = old.closedAt! - asked;

    const user = 'U0AGAIN';
    const channel = 'D0AGAIN';
    const { ack, from } = await command({ user, channel, text: 'help', responseUrl: respondUrl(user) });
    expect(ack.connection).toBe(2);
    const answered = await nextCall(rig.slack, from, (c) => (c.path === '/api/chat.postMessage' && c.body.channel === channel) || c.path === `/respond/${user}`);
    expect(JSON.stringify(answered.body).length).toBeGreaterThan(20);
  }, 20_000);
});

describe('redelivery', () => {
  test('the same event envelope delivered twice (retry_attempt 1) is acknowledged twice and answered once', async () => {
    const socket = rig.socket!;
    const user = 'U0TWICE';
    const channel = 'D0TWICE';
    const payload = eventPayload(event({ type: 'message', channel_type: 'im', channel, user, text: 'how do I secure my class call', ts: '1700000999.000100' }));
    const posts = () => rig.slack.calls.filter((c: Recorded) => c.path === '/api/chat.postMessage' && c.body.channel === channel);
    const first = await deliver('events_api', payload);
    await until(() => posts().length === 1, 5000, 'the answer to the first delivery');

    const repeats = () => rig.logLines().filter((l) => l.msg === 'slack: a repeated delivery was acknowledged and not processed again' && l.retry === 1).length;
    const again = await deliver('events_api', payload, { envelopeId: first.id, retryAttempt: 1, retryReason: 'timeout' });
    expect(again.id).toBe(first.id);
    // The receipt decided it: logged as a repeat (with its retry number), and nothing more was posted.
    await until(() => repeats() === 1, 5000, 'the repeat to be recognised');
    expect(socket.acksOf(first.id)).toHaveLength(2);
    expect(posts()).toHaveLength(1);
  });
});

describe('refusals', () => {
  test('a command from a workspace this SafeCall does not serve is acknowledged (so Slack stops), refused at warn, and has no effect', async () => {
    const user = 'U0FOREIGN';
    const channel = 'D0FOREIGN';
    const refusals = () => rig.logLines().filter((l) => l.msg === 'slack: refused a request from a workspace that is not configured');
    const before = refusals().length;
    const { id, ack, from } = await command({ user, channel, text: 'setup', team: 'T0OTHER', responseUrl: respondUrl(user) });
    expect(ack).toMatchObject({ envelope_id: id });
    await until(() => refusals().length === before + 1, 5000, 'the refusal to be logged');
    expect(refusals().at(-1)).toMatchObject({ level: 40, reason: 'foreign-workspace' });
    // Refused before any listener: nothing was said to anyone.
    expect(rig.slack.calls.slice(from).filter((c) => c.path === '/api/chat.postMessage' || c.path.startsWith('/respond/'))).toEqual([]);
    expect(rig.logLines().filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});

// PostgreSQL only: the embedded store cannot become unreachable (not registered on lowdb, so not counted as skipped).
if (onPostgres) describe('the database away', () => {
  test('a command is answered in words in its acknowledgement, an event is left for Slack to redeliver, and both work once the database is back', async () => {
    const target = new URL(TEST_DATABASE_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const via = new URL(TEST_DATABASE_URL);
    via.port = String(proxy.port);
    const away = await startRig({ settingsYaml: SETTINGS, socketMode: true, env: { DATABASE_URL: via.toString() } });
    try {
      const socket = away.socket!;
      const send = async (text: string) => {
        const from = away.slack.calls.length;
        const id = socket.send('slash_commands', formPayload(slashCommand({ user: 'U0AWAY', channel: 'D0AWAY', text, responseUrl: `${away.slack.url}/respond/U0AWAY` })));
        return { ack: await socket.ackOf(id), from };
      };
      const storeOk = async () => (await fetch(`${away.url}/healthz`)).status === 200;
      await proxy.cut();
      const down = await send('setup');
      expect(down.ack.payload).toEqual({ response_type: 'ephemeral', text: expect.stringMatching(/can't reach my records/) });
      expect(away.logLines().some((l) => l.msg === 'slack: the database is unreachable; told the sender to try again' && l.level === 40)).toBe(true);

      // An event while the database is known to be away is left unacknowledged, so Slack sends it again (Bolt
      // acknowledges events before any listener: handed to it, the event would be acknowledged and lost).
      await until(async () => !(await storeOk()), 5000, '/healthz to say the database is away');
      const dm = eventPayload(event({ type: 'message', channel_type: 'im', channel: 'D0AWAYEV', user: 'U0AWAY', text: 'how do I secure my class call', ts: '1700001000.000100' }));
      const envelope = socket.send('events_api', dm);
      const turnedDown = () => away.logLines().some((l) => l.msg === 'slack: the database is unreachable; left unacknowledged so Slack redelivers it');
      await until(turnedDown, 5000, 'the event to be turned down');
      expect(socket.acksOf(envelope)).toEqual([]);

      await proxy.restore();
      await until(storeOk, 10_000, '/healthz to say the database is back');
      const from = away.slack.calls.length;
      socket.send('events_api', dm, { envelopeId: envelope, retryAttempt: 1, retryReason: 'timeout' });
      await socket.ackOf(envelope);
      await nextCall(away.slack, from, (c) => c.path === '/api/chat.postMessage' && c.body.channel === 'D0AWAYEV');
      const up = await send('setup');
      expect(up.ack.payload ?? {}).toEqual({});
      await nextCall(away.slack, up.from, (c) => c.path === '/api/chat.postMessage' && c.body.channel === 'D0AWAY');
    } finally {
      await proxy.restore().catch(() => undefined);
      await away.stop();
      await proxy.close();
    }
  });
});

describe('stopping', () => {
  test('a command acknowledged just before a stop gets its answer out before the server has stopped', async () => {
    const r = await startRig({ socketMode: true });
    try {
      // Slack slow to answer: the reply is still on its way when the stop begins.
      r.slack.delayMs = 300;
      const id = r.socket!.send('slash_commands', formPayload(slashCommand({ user: 'U0STOP', channel: 'D0STOP', text: 'setup' })));
      await r.socket!.ackOf(id);
      const running = r.running!;
      r.running = undefined;
      await running.stop();
      const posted = r.slack.callsOf('chat.postMessage').filter((c) => c.body.channel === 'D0STOP');
      // Before: the stop closed the store under the turn ("the bot failed on a turn") and nothing was answered.
      expect(posted).toHaveLength(1);
      expect(r.logLines().filter((l) => Number(l.level) >= 50)).toEqual([]);
    } finally {
      await r.stop();
    }
  });
});

describe('logs', () => {
  test('no log line holds what was typed into the report, and the app sent nothing but acknowledgements', () => {
    expect(leaks(rig)).toEqual([]);
    expect(rig.socket!.strays).toEqual([]);
    // Every envelope was acknowledged (the redelivered one twice).
    for (const e of rig.socket!.sent) expect(rig.socket!.acksOf(e.envelope_id).length).toBeGreaterThan(0);
  });
});
