/** The Slack modal envelope: named fields, read back (old one-letter modals too), and Slack's 3,000-character limit. */
import type { WebClient } from '@slack/web-api';
import { deliver, modalView, ModalTooLargeError, PRIVATE_METADATA_LIMIT, readEnvelope } from '../../src/slack/deliver.js';
import { prompt, type Prompt } from '../../src/core/prompt.js';

const lines: { level: string; msg?: string }[] = [];
const log = {
  info: (_o: object, msg?: string) => void lines.push({ level: 'info', msg }),
  warn: (_o: object, msg?: string) => void lines.push({ level: 'warn', msg }),
  error: (_o: object, msg?: string) => void lines.push({ level: 'error', msg }),
  debug: () => undefined,
};
beforeEach(() => (lines.length = 0));

const form = (state: string): Prompt => ({
  ...prompt([{ kind: 'text', text: 'When?' }]),
  form: { id: 'setup.remind', title: 'Remind me', submitLabel: 'Save', fields: [{ id: 'when', label: 'When', type: 'datetime' }], state },
});
const origin = { channel: 'C1', messageTs: '1.1', ephemeral: false, responseUrl: `https://hooks.slack.com/actions/T1/${'9'.repeat(40)}/${'x'.repeat(24)}` };

test('the envelope has named fields and reads back as written', () => {
  const view = modalView(form('{"step":3}'), origin);
  expect(JSON.parse(view.private_metadata)).toEqual({ ...origin, state: '{"step":3}' });
  expect(readEnvelope(view.private_metadata)).toEqual({ ...origin, state: '{"step":3}' });
});

test('a modal opened before the fields were named is still read', () => {
  expect(readEnvelope(JSON.stringify({ s: 'st', c: 'C1', t: '1.1', e: true, r: 'https://r' }))).toEqual({
    state: 'st',
    channel: 'C1',
    messageTs: '1.1',
    ephemeral: true,
    responseUrl: 'https://r',
  });
});

test.each(['not json', '5', '{"channel":5}', '{"state":"x","extra":1}'])('metadata SafeCall did not write (%s) is not an envelope', (raw) => {
  expect(readEnvelope(raw)).toBeUndefined();
});

test('over the limit only because of the response_url: the response_url is left out, with a warning', () => {
  const state = 'x'.repeat(PRIVATE_METADATA_LIMIT - 80);
  const view = modalView(form(state), origin, log);
  expect(view.private_metadata.length).toBeLessThanOrEqual(PRIVATE_METADATA_LIMIT);
  expect(readEnvelope(view.private_metadata)).toEqual({ channel: 'C1', messageTs: '1.1', ephemeral: false, state });
  expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
});

test('a state that cannot fit is refused with ModalTooLargeError', () => {
  expect(() => modalView(form('x'.repeat(PRIVATE_METADATA_LIMIT)), origin)).toThrow(ModalTooLargeError);
});

test('delivering a form too large for a modal tells the person instead of opening nothing', async () => {
  const opened: unknown[] = [];
  const posted: Record<string, unknown>[] = [];
  const client = {
    views: { open: async (a: unknown) => void opened.push(a) },
    chat: { postMessage: async (a: Record<string, unknown>) => void posted.push(a), postEphemeral: async (a: Record<string, unknown>) => void posted.push(a) },
  } as unknown as WebClient;
  const sorry = prompt([{ kind: 'text', text: 'Sorry, that did not work.' }]);
  await deliver([{ mode: 'modal', prompt: form('x'.repeat(PRIVATE_METADATA_LIMIT)) }], { client, channel: 'D1', userId: 'U1', triggerId: 't1' }, log, sorry);
  expect(opened).toEqual([]);
  expect(posted).toHaveLength(1);
  expect(JSON.stringify(posted[0])).toMatch(/Sorry, that did not work/);
  expect(lines.filter((l) => /too large to open as a modal/.test(l.msg ?? ''))).toHaveLength(1);
});
