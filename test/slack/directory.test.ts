/** The staff channel's members through the real Slack WebClient, against a fake Web API over HTTP. */
import { RecordingServer } from '../rig/recorder.js';
import { slackDirectory } from '../../src/slack/directory.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

let slack: RecordingServer;
let answerMembers: (channel: string, cursor: string) => { ok: boolean; members?: string[]; error?: string; response_metadata?: { next_cursor: string } };
let answerUsers: (cursor: string) => Record<string, unknown>;
beforeEach(async () => {
  slack = await new RecordingServer((r) => {
    if (r.path === '/api/auth.test') return { body: { ok: true, user_id: 'UBOT', team_id: 'T1' } };
    if (r.path === '/api/conversations.members') return { body: answerMembers(String(r.body.channel), String(r.body.cursor ?? '')) };
    if (r.path === '/api/users.list') return { body: answerUsers(String(r.body.cursor ?? '')) };
    return { body: { ok: false, error: 'unknown_method' } };
  }).start();
});
afterEach(() => slack.stop());

test('pages through conversations.members and leaves the bot itself out', async () => {
  answerMembers = (channel, cursor) =>
    cursor === '' ? { ok: true, members: ['U1', 'UBOT', 'U2'], response_metadata: { next_cursor: 'page2' } } : { ok: true, members: [`U3-${channel}`], response_metadata: { next_cursor: '' } };
  const dir = slackDirectory({ token: 'xoxb-test', apiUrl: `${slack.url}/api/`, log: silent });
  expect(await dir.channelMembers('GSTAFF')).toEqual(['U1', 'U2', 'U3-GSTAFF']);
  expect(slack.calls.filter((c) => c.path === '/api/conversations.members').map((c) => c.body.cursor ?? '')).toEqual(['', 'page2']);
});

test('a Slack error (no scope, bot not in the channel) gives the code as the problem and one log line with the code only', async () => {
  answerMembers = () => ({ ok: false, error: 'missing_scope' });
  const lines: object[] = [];
  const dir = slackDirectory({ token: 'xoxb-test', apiUrl: `${slack.url}/api/`, log: { ...silent, warn: (o) => void lines.push(o) } });
  expect(await dir.channelMembers('CPUBLIC')).toEqual({ problem: 'missing_scope' });
  expect(lines).toEqual([{ slack: 'conversations.members', error: 'missing_scope' }]);
});

test('emails: pages through users.list and keeps the address of each person (not bots, not deactivated accounts)', async () => {
  answerUsers = (cursor) =>
    cursor === ''
      ? { ok: true, members: [{ id: 'U1', profile: { email: 'a@school.example' } }, { id: 'UBOT', is_bot: true, profile: { email: 'bot@school.example' } }], response_metadata: { next_cursor: 'p2' } }
      : { ok: true, members: [{ id: 'U2', deleted: true, profile: { email: 'gone@school.example' } }, { id: 'U3', profile: {} }, { id: 'U4', profile: { email: 'd@school.example' } }], response_metadata: { next_cursor: '' } };
  const dir = slackDirectory({ token: 'xoxb-test', apiUrl: `${slack.url}/api/`, log: silent });
  expect(await dir.emails()).toEqual(new Map([['U1', 'a@school.example'], ['U4', 'd@school.example']]));
  expect(slack.calls.filter((c) => c.path === '/api/users.list').map((c) => c.body.cursor ?? '')).toEqual(['', 'p2']);
});

test('emails without users:read.email: the code as the problem, and no address in the log', async () => {
  answerUsers = () => ({ ok: false, error: 'missing_scope', needed: 'users:read.email' });
  const lines: object[] = [];
  const dir = slackDirectory({ token: 'xoxb-test', apiUrl: `${slack.url}/api/`, log: { ...silent, warn: (o) => void lines.push(o) } });
  expect(await dir.emails()).toEqual({ problem: 'missing_scope' });
  expect(lines).toEqual([{ slack: 'users.list', error: 'missing_scope' }]);
});
