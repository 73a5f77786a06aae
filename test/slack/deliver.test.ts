/** Delivery of private replies: each part of a long prompt reaches the person exactly once. */
import type { WebClient } from '@slack/web-api';
import { deliver } from '../../src/slack/deliver.js';
import { renderMessage } from '../../src/slack/render.js';
import { prompt } from '../../src/core/prompt.js';
import { RecordingServer } from '../rig/recorder.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

test('a private reply in a DM whose response_url stops working mid-way posts each remaining part once', async () => {
  // 60 blocks: more than one Slack message.
  const long = prompt(Array.from({ length: 60 }, (_, i) => ({ kind: 'text' as const, text: `Paragraph ${i + 1}` })));
  const parts = renderMessage(long);
  expect(parts.length).toBeGreaterThan(1);

  let responded = 0;
  const responseUrl = await new RecordingServer(() => (++responded === 1 ? { body: { ok: true } } : { status: 404, body: { ok: false } })).start();
  const posted: unknown[] = [];
  const client = { chat: { postMessage: async (args: unknown) => void posted.push(args), postEphemeral: async () => undefined } } as unknown as WebClient;
  try {
    await deliver([{ mode: 'private', prompt: long }], { client, channel: 'D1', userId: 'U1', responseUrl: `${responseUrl.url}/respond` }, quiet, prompt([]));
  } finally {
    await responseUrl.stop();
  }
  // The first part went through the response_url; the others were posted in the DM, once each.
  expect(posted).toHaveLength(parts.length - 1);
});
