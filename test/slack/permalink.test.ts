/** The link "Report this message" puts in the report: Slack's own, or built from the payload when Slack refuses. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { builtPermalink, messageLink } from '../../src/slack/permalink.js';
import { FakeSlack } from '../rig/fake-slack.js';

/** The SDK's own logger, silent: a request abandoned on purpose fails after the test. */
const quietSdk = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => 'error' as never, setName: () => undefined };

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

test('built like Slack builds it: the ts without its dot, and the thread of a reply', () => {
  expect(builtPermalink({ domain: 'school', channel: 'C0STAFF', ts: '1700000000.000100' })).toBe('https://school.slack.com/archives/C0STAFF/p1700000000000100');
  expect(builtPermalink({ domain: 'school', channel: 'C0STAFF', ts: '1700000001.000200', threadTs: '1700000000.000100' })).toBe(
    'https://school.slack.com/archives/C0STAFF/p1700000001000200?thread_ts=1700000000.000100&cid=C0STAFF',
  );
  // Nothing it could get wrong is guessed: no domain, or a domain or ts that is not Slack's shape, gives no link.
  expect(builtPermalink({ channel: 'C0STAFF', ts: '1700000000.000100' })).toBe('');
  expect(builtPermalink({ domain: 'evil.example/x', channel: 'C0STAFF', ts: '1700000000.000100' })).toBe('');
  expect(builtPermalink({ domain: 'school', channel: 'C0STAFF', ts: 'abc' })).toBe('');
});

describe('against the fake Slack', () => {
  let slack: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: quietSdk });
  });
  afterAll(() => slack.stop());

  test("Slack's answer is used when it comes", async () => {
    const link = await messageLink(client, { domain: 'other', channel: 'C0STAFF', ts: '1700000000.000100' }, quiet);
    expect(slack.callsOf('chat.getPermalink').at(-1)!.body).toMatchObject({ channel: 'C0STAFF', message_ts: '1700000000.000100' });
    expect(link).toBe((slack.callsOf('chat.getPermalink').at(-1)!.reply as { permalink: string }).permalink);
  });

  test('a refusal (a channel the bot cannot see) falls back to the link built from the payload', async () => {
    slack.failNext('chat.getPermalink', 'channel_not_found');
    expect(await messageLink(client, { domain: 'other', channel: 'G0PRIVATE', ts: '1700000000.000100' }, quiet)).toBe('https://other.slack.com/archives/G0PRIVATE/p1700000000000100');
  });

  test('a Slack that does not answer in time is not waited for', async () => {
    let asked = 0;
    const server = createServer(() => void asked++); // takes the request and never answers
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const silent = new WebClient('xoxb-test', { slackApiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`, retryConfig: { retries: 0 }, logger: quietSdk, timeout: 30_000 });
    const started = Date.now();
    try {
      expect(await messageLink(silent, { domain: 'school', channel: 'C1', ts: '1.2' }, quiet, 300)).toBe('https://school.slack.com/archives/C1/p12');
      expect(asked).toBe(1);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
