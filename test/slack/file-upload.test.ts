/**
 * A `file` reply (the breach log) through the real Web API client against the fake Slack: the v2 upload's
 * three calls, the file's bytes, and where it goes (the person's DM, never the channel it was asked in).
 */
import { WebClient } from '@slack/web-api';
import { deliver } from '../../src/slack/deliver.js';
import { prompt } from '../../src/core/prompt.js';
import { FakeSlack } from '../rig/fake-slack.js';

/** The SDK's own logger, silent: a request abandoned on purpose fails after the test. */
const quietSdk = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => 'error' as never, setName: () => undefined };

const lines: { level: string; obj: object; msg?: string }[] = [];
const log = {
  info: (obj: object, msg?: string) => void lines.push({ level: 'info', obj, msg }),
  warn: (obj: object, msg?: string) => void lines.push({ level: 'warn', obj, msg }),
  error: (obj: object, msg?: string) => void lines.push({ level: 'error', obj, msg }),
  debug: () => undefined,
};

let slack: FakeSlack;
let client: WebClient;
beforeAll(async () => {
  slack = await new FakeSlack().start();
  client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: quietSdk });
});
afterAll(() => slack.stop());
beforeEach(() => {
  slack.clear();
  lines.length = 0;
});

const CSV = '\uFEFFref,category\r\nINC-2027-0001,"zoombombing, in a lesson"\r\n';
const file = { mode: 'file' as const, file: { name: 'breach-log.csv', mime: 'text/csv', content: CSV }, prompt: prompt([{ kind: 'text', text: 'The breach log: 1 report.' }]) };
const problem = prompt([{ kind: 'text', text: 'Sorry, something went wrong.' }]);
const sentToDm = prompt([{ kind: 'text', text: 'Sent to our DM.' }]);

test('asked in the DM: the prompt, then the file uploaded with the v2 flow into that DM, bytes intact', async () => {
  await deliver([file], { client, channel: 'D0DPO', userId: 'U0DPO' }, log, problem, { fileSentToDm: sentToDm });
  expect(slack.callsOf('files.getUploadURLExternal')).toHaveLength(1);
  expect(slack.callsOf('files.getUploadURLExternal')[0]!.body).toMatchObject({ filename: 'breach-log.csv', length: String(Buffer.byteLength(CSV)) });
  expect(slack.uploads()).toEqual([expect.objectContaining({ channel: 'D0DPO', filename: 'breach-log.csv', content: CSV })]);
  expect(slack.callsOf('chat.postMessage').map((c) => c.body.channel)).toEqual(['D0DPO']);
  expect(slack.callsOf('conversations.open')).toHaveLength(0);
  expect(slack.callsOf('chat.postEphemeral')).toHaveLength(0);
  // One line, with a size and a type but nothing of the file.
  expect(JSON.stringify(lines)).not.toContain('INC-2027-0001');
  expect(lines).toEqual([expect.objectContaining({ level: 'info', obj: { bytes: Buffer.byteLength(CSV), mime: 'text/csv' } })]);
});

test('asked in a channel: the file goes to the DM (opened for it), and the channel only hears so privately', async () => {
  await deliver([file], { client, channel: 'C0STAFF', userId: 'U0DPO' }, log, problem, { fileSentToDm: sentToDm });
  expect(slack.callsOf('conversations.open')[0]!.body.users).toBe('U0DPO');
  const dm = (slack.callsOf('conversations.open')[0]!.reply as { channel: { id: string } }).channel.id;
  expect(slack.uploads()).toEqual([expect.objectContaining({ channel: dm, content: CSV })]);
  expect(slack.callsOf('chat.postMessage').map((c) => c.body.channel)).toEqual([dm]);
  const ephemeral = slack.callsOf('chat.postEphemeral');
  expect(ephemeral.map((c) => [c.body.channel, c.body.user, c.body.text])).toEqual([['C0STAFF', 'U0DPO', 'Sent to our DM.']]);
  expect(JSON.stringify(slack.calls.filter((c) => c.body.channel === 'C0STAFF'))).not.toContain('INC-2027');
});

test('an upload Slack refuses (scope not granted) is logged by its code and the person gets the apology', async () => {
  slack.failNext('files.getUploadURLExternal', 'missing_scope');
  await deliver([file], { client, channel: 'D0DPO', userId: 'U0DPO' }, log, problem);
  expect(slack.uploads()).toEqual([]);
  expect(lines).toEqual([expect.objectContaining({ level: 'warn', obj: { code: 'missing_scope' } })]);
  const posted = slack.callsOf('chat.postMessage').map((c) => c.body.text);
  expect(posted).toEqual(['The breach log: 1 report.', 'Sorry, something went wrong.']);
});
