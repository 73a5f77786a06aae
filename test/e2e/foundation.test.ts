/**
 * The foundation through every entry point, on real Bolt and real botbuilder over loopback HTTP.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { onPostgres } from '../rig/store-env.js';
import { BOT_USER } from '../rig/fake-slack.js';
import { FORM, blockAction, event, postSlack, slashCommand } from '../rig/slack-requests.js';
import { botAdded, message, postTeams, TENANT } from '../rig/teams-requests.js';
import { expectValidCard } from '../helpers/validate-card.js';
import { expectWithinSlackLimits } from '../helpers/slack-limits.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => rig.stop());
beforeEach(() => {
  rig.slack.clear();
  rig.connector.clear();
});

const HELP = /SafeCall keeps your class calls safe/;

function textOf(body: Record<string, unknown>): string {
  return JSON.stringify(body.blocks ?? body.view ?? body);
}

describe('health and start-up', () => {
  test('/healthz names the version, the platforms and the store', async () => {
    const res = await fetch(`${rig.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      platforms: { slack: 'http', teams: 'local' },
      store: onPostgres
        ? { kind: 'postgres', ok: true, writable: true, reachable: true, migrations: { applied: expect.any(Number), expected: expect.any(Number), current: true } }
        : { kind: 'lowdb', ok: true, writable: true },
      // Leadership is taken just after start (a single instance always gets it).
      scheduler: { leading: expect.any(Boolean) },
      // One instance: its settings' fingerprint, with no other instance to compare with.
      settings: expect.objectContaining({ fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), state: 'alone', differing: [] }),
      // These settings name no DPO: said, with what to do (docs/reports.md), and not a reason to answer 503.
      incidentAlerts: { ok: false, problems: [{ problem: expect.stringMatching(/No DPO destination is set/), fix: expect.stringMatching(/set dpo channel/) }] },
    });
  });

  test('the start-up lines say what is served where', () => {
    const banner = rig.banner.join('\n');
    expect(banner).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    // No school is named in the test settings: the banner names none rather than a placeholder.
    expect(banner).toMatch(/^SafeCall [\d.]+ is listening on/m);
    expect(banner).not.toMatch(/Your school/);
    expect(banner).toMatch(/POST .*\/slack\/events {2}Slack \(HTTP mode/);
    expect(banner).toMatch(/POST .*\/api\/messages {2}Microsoft Teams, local, no auth/);
    expect(banner).toMatch(/GET .*\/healthz/);
  });

  test('unknown paths get a 404 naming the endpoints', async () => {
    const res = await fetch(`${rig.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/\/slack\/events.*\/api\/messages.*\/healthz/);
  });
});

describe('help on Slack', () => {
  test('/safecall help answers in the channel with a valid help message', async () => {
    const res = await postSlack(rig.url, slashCommand({ user: 'U1', channel: 'C1', text: 'help' }), FORM);
    expect(res.status).toBe(200);
    const call = await rig.slack.waitForMethod('chat.postMessage');
    expect(call.body.channel).toBe('C1');
    expect(textOf(call.body)).toMatch(HELP);
    expect(call.body.text).toMatch(HELP);
    expectWithinSlackLimits(call.body as never);
  });

  test('a DM saying "help" is answered in the DM', async () => {
    await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'help', ts: '1.1' }), 'application/json');
    const call = await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D1');
    expect(textOf(call.body)).toMatch(HELP);
  });

  test('a mention saying "help" is answered in the channel', async () => {
    await postSlack(rig.url, event({ type: 'app_mention', channel: 'C2', user: 'U2', text: `<@${BOT_USER}> help`, ts: '1.2' }), 'application/json');
    const call = await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C2');
    expect(textOf(call.body)).toMatch(HELP);
  });

  test('the App Home tab is published for the person who opened it', async () => {
    await postSlack(rig.url, event({ type: 'app_home_opened', user: 'U3', channel: 'D3', tab: 'home' }), 'application/json');
    const call = await rig.slack.waitForMethod('views.publish');
    expect(call.body.user_id).toBe('U3');
    expect((call.body.view as { type: string }).type).toBe('home');
    expect(textOf(call.body)).toMatch(HELP);
  });

  test('the bot ignores its own messages and message edits', async () => {
    await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'help', subtype: 'message_changed', ts: '1.3' }), 'application/json');
    await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: 'D1', bot_id: 'B1', user: BOT_USER, text: 'help', ts: '1.4' }), 'application/json');
    await new Promise((r) => setTimeout(r, 150));
    expect(rig.slack.callsOf('chat.postMessage')).toHaveLength(0);
  });
});

describe('help on Teams', () => {
  test('"help" in a 1:1 chat is answered with a valid Adaptive Card', async () => {
    const res = await postTeams(rig.url, message(rig.connector.url, 'a:conv-1', { id: 'aad-1' }, 'help'));
    expect(res.status).toBe(200);
    const sent = await rig.connector.waitForActivity();
    const attachment = (sent.body.attachments as { contentType: string; content: Record<string, unknown> }[])[0]!;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(attachment.content)).toMatch(HELP);
    expectValidCard(attachment.content);
  });

  test('adding the bot to a team posts a welcome', async () => {
    await postTeams(rig.url, botAdded(rig.connector.url, '19:team-channel@thread.tacv2', { id: 'aad-2' }));
    const sent = await rig.connector.waitForActivity();
    expect(JSON.stringify(sent.body)).toMatch(/Hello! I'm SafeCall/);
  });
});

describe('remembering who the bot meets', () => {
  test('users and conversations (with the Teams reference) survive a restart', async () => {
    await postTeams(rig.url, message(rig.connector.url, 'a:conv-remember', { id: 'aad-remember', name: 'Ms Patel' }, 'help'));
    await rig.connector.waitForActivity();
    await postSlack(rig.url, slashCommand({ user: 'U-remember', channel: 'D-remember', text: 'help' }), FORM);
    await rig.slack.waitForMethod('chat.postMessage');
    await rig.restart();
    const store = await rig.view();
    const conv = await store.conversations.get('teams:a:conv-remember');
    expect(conv).toMatchObject({ kind: 'dm', teamId: TENANT, reference: { serviceUrl: rig.connector.url, conversation: { id: 'a:conv-remember' } } });
    expect(await store.users.get('teams:aad-remember')).toMatchObject({ name: 'Ms Patel', teamId: TENANT });
    expect(await store.users.get('slack:U-remember')).toMatchObject({ dmConversationId: 'D-remember' });
    await store.close();
  });
});

describe('unknown buttons', () => {
  test('an unknown action id gets a private note and help, nothing else changes', async () => {
    const respondUrl = `${rig.slack.url}/respond/unknown`;
    const res = await postSlack(rig.url, blockAction({ user: 'U1', channel: 'C1', actionId: 'nothing.here', responseUrl: respondUrl }), FORM);
    expect(res.status).toBe(200);
    const call = await rig.slack.waitFor((c) => c.path === '/respond/unknown');
    expect(call.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(call.body)).toMatch(/isn't one I recognise/);
    await eventually(() => expect(rig.logs.some((l) => l.includes('unknown action id'))).toBe(true));
  });
});
