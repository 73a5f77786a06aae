/** The staff channel's members through the real Slack WebClient, against a fake Web API over HTTP. */
import { RecordingServer } from '../rig/recorder.js';
import { slackDirectory } from '../../src/slack/directory.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

let slack: RecordingServer;
let answerMembers: (channel: string, cursor: string) => { ok: boolean; members?: string[]; error?: string; response_metadata?: { next_cursor: string } };
beforeEach(async () => {
  slack = await new RecordingServer((r) => {
    if (r.path === '/api/auth.test') return { body: { ok: true, user_id: 'UBOT', team_id: 'T1' } };
    if (r.path === '/api/conversations.members') return { body: answerMembers(String(r.body.channel), String(r.body.cursor ?? '')) };
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

test('a Slack error (no scope, bot not in the channel) gives undefined and one log line with the code only', async () => {
  answerMembers = () => ({ ok: false, error: 'missing_scope' });
  const lines: object[] = [];
  const dir = slackDirectory({ token: 'xoxb-test', apiUrl: `${slack.url}/api/`, log: { ...silent, warn: (o) => void lines.push(o) } });
  expect(await dir.channelMembers('CPUBLIC')).toBeUndefined();
  expect(lines).toEqual([{ slack: 'conversations.members', error: 'missing_scope' }]);
});
