/** The Slack Messenger over the real WebClient against the fake Web API: outcomes and read-back after a crash. */
import { FakeSlack, dmOf } from '../rig/fake-slack.js';
import { slackMessenger } from '../../src/slack/messenger.js';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const prompt = { fallback: 'Delete your recordings', blocks: [{ kind: 'text' as const, text: 'Delete your recordings' }] };
const tag = (key: string) => ({ key, kind: 'reminder.term-end' });

let slack: FakeSlack;
beforeEach(async () => {
  slack = await new FakeSlack().start();
});
afterEach(async () => {
  await slack.stop();
});

const messenger = () => slackMessenger({ token: 'xoxb-test', slackApiUrl: slack.apiUrl, log });

test('a DM by user id opens the conversation once, posts with the delivery metadata, and reads it back', async () => {
  const m = messenger();
  const sent = await m.send({ platform: 'slack', userId: 'U1' }, prompt, tag('k1'));
  expect(sent).toEqual({ ok: true, ref: { platform: 'slack', conversationId: dmOf('U1'), messageId: expect.any(String) } });
  await m.send({ platform: 'slack', userId: 'U1' }, prompt, tag('k2'));
  expect(slack.callsOf('conversations.open')).toHaveLength(1);
  expect(await m.findSent({ platform: 'slack', userId: 'U1' }, tag('k1'))).toEqual({ found: true, ref: sent.ok ? sent.ref : undefined });
  expect(await m.findSent({ platform: 'slack', userId: 'U1' }, tag('never'))).toEqual({ found: false });
  expect(slack.callsOf('conversations.history')[0]?.body).toMatchObject({ channel: dmOf('U1'), include_all_metadata: 'true' });
});

test('a channel cannot be read back without a channel history scope: unknown, and no history call', async () => {
  expect(await messenger().findSent({ platform: 'slack', conversationId: 'CDPO' }, tag('alert'))).toBe('unknown');
  expect(slack.callsOf('conversations.history')).toHaveLength(0);
});

test('a DM whose history is refused for good answers unknown instead of failing forever', async () => {
  slack.failNext('conversations.history', 'missing_scope');
  expect(await messenger().findSent({ platform: 'slack', conversationId: 'D123' }, tag('k'))).toBe('unknown');
});

test.each(['user_disabled', 'account_inactive', 'channel_not_found', 'messages_tab_disabled', 'is_archived', 'not_in_channel', 'cannot_dm_bot'])(
  '%s → unreachable',
  async (error) => {
    slack.failNext('chat.postMessage', error);
    expect(await messenger().send({ platform: 'slack', conversationId: 'D9' }, prompt, tag('k'))).toEqual({ ok: false, kind: 'unreachable', reason: error });
  },
);

test('429 → rate-limited with the Retry-After, without the client retrying by itself', async () => {
  slack.rateLimit = { perChannel: 1, workspace: 100, windowMs: 60_000, retryAfter: 7 };
  const m = messenger();
  expect((await m.send({ platform: 'slack', conversationId: 'D1' }, prompt, tag('a'))).ok).toBe(true);
  expect(await m.send({ platform: 'slack', conversationId: 'D1' }, prompt, tag('b'))).toEqual({ ok: false, kind: 'rate-limited', retryAfterMs: 7000 });
  expect(slack.callsOf('chat.postMessage')).toHaveLength(2);
});

test('a server error may pass: retryable; a bad request does not', async () => {
  slack.failNext('chat.postMessage', 'internal_error');
  expect(await messenger().send({ platform: 'slack', conversationId: 'D1' }, prompt, tag('a'))).toEqual({ ok: false, kind: 'failed', reason: 'internal_error', retryable: true });
  slack.failNext('chat.postMessage', 'invalid_blocks');
  expect(await messenger().send({ platform: 'slack', conversationId: 'D1' }, prompt, tag('b'))).toEqual({ ok: false, kind: 'failed', reason: 'invalid_blocks', retryable: false });
});
