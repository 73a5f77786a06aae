/**
 * Delivers core's Replies to Slack through the Web API. Which call depends on where the turn came from:
 * a button on a normal message is updated with chat.update, one on an ephemeral message through its
 * response_url; a slash command in a channel the bot is not in falls back to an ephemeral response.
 */
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Reply } from '../core/conversation.js';
import type { Log } from '../core/ports.js';
import type { Prompt } from '../core/prompt.js';
import { renderHome, renderMessage, renderModal } from './render.js';

export interface SlackOrigin {
  client: WebClient;
  channel?: string;
  userId: string;
  /** The message whose button was pressed. */
  messageTs?: string;
  ephemeral?: boolean;
  responseUrl?: string;
  triggerId?: string;
}

/** What the adapter keeps in a modal's private_metadata so a submission can answer in the right place. */
export interface ModalEnvelope {
  /** The form's opaque state (core's). */
  state?: string;
  /** Where the modal was opened from, and the message whose button opened it. */
  channel?: string;
  messageTs?: string;
  ephemeral?: boolean;
  responseUrl?: string;
}

const envelopeSchema = z.object({
  state: z.string().optional(),
  channel: z.string().optional(),
  messageTs: z.string().optional(),
  ephemeral: z.boolean().optional(),
  responseUrl: z.string().optional(),
});
/** Modals opened before the fields were named carry {s, c, t, e, r}; they are read for as long as they stay open. */
const legacyEnvelopeSchema = z
  .strictObject({ s: z.string().optional(), c: z.string().optional(), t: z.string().optional(), e: z.boolean().optional(), r: z.string().optional() })
  .transform((l): ModalEnvelope => ({ state: l.s, channel: l.c, messageTs: l.t, ephemeral: l.e, responseUrl: l.r }));

/** Reads private_metadata back; undefined when it is not an envelope SafeCall wrote. */
export function readEnvelope(privateMetadata: string): ModalEnvelope | undefined {
  if (!privateMetadata) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(privateMetadata);
  } catch {
    return undefined;
  }
  const named = envelopeSchema.strict().safeParse(raw);
  if (named.success) return named.data;
  const legacy = legacyEnvelopeSchema.safeParse(raw);
  return legacy.success ? legacy.data : undefined;
}

/** Slack refuses a view whose private_metadata is longer than this. */
export const PRIVATE_METADATA_LIMIT = 3000;

export class ModalTooLargeError extends Error {
  constructor(readonly length: number) {
    super(`the form's state needs ${length} characters of private_metadata; Slack allows ${PRIVATE_METADATA_LIMIT}`);
  }
}

/** How long a response_url may take before the reply goes another way (Slack's own requests time out at 3 s). */
export const RESPONSE_URL_TIMEOUT_MS = 5000;

const FALLBACK_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

function slackError(err: unknown): string | undefined {
  return (err as { data?: { error?: string } }).data?.error;
}

async function respond(origin: SlackOrigin, body: Record<string, unknown>): Promise<boolean> {
  if (!origin.responseUrl) return false;
  try {
    const res = await fetch(origin.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
    });
    return res.ok;
  } catch {
    // Unreachable or too slow: the callers fall back to the Web API.
    return false;
  }
}

async function post(origin: SlackOrigin, p: Prompt, to: string | undefined, log: Log): Promise<void> {
  const channel = to ?? origin.channel ?? origin.userId;
  for (const message of renderMessage(p)) {
    try {
      await origin.client.chat.postMessage({ channel, ...message });
    } catch (err) {
      const code = slackError(err);
      // The bot was not invited: answer the person privately instead of failing silently.
      if (!to && code && FALLBACK_ERRORS.has(code) && (await respond(origin, { response_type: 'ephemeral', ...message }))) continue;
      log.warn({ code: code ?? 'request_failed', channel }, 'slack: could not post a message');
      throw err;
    }
  }
}

async function update(origin: SlackOrigin, p: Prompt, log: Log): Promise<void> {
  const [first, ...rest] = renderMessage(p);
  if (!first) return;
  if (origin.ephemeral && (await respond(origin, { replace_original: true, ...first }))) {
    for (const m of rest) await respond(origin, { response_type: 'ephemeral', ...m });
    return;
  }
  if (!origin.messageTs || !origin.channel || origin.ephemeral) return post(origin, p, undefined, log);
  await origin.client.chat.update({ channel: origin.channel, ts: origin.messageTs, ...first });
  for (const m of rest) await origin.client.chat.postMessage({ channel: origin.channel, ...m });
}

/** Each part once: through the response_url if there is one, else as a DM post, else as an ephemeral message. */
async function privately(origin: SlackOrigin, p: Prompt): Promise<void> {
  for (const message of renderMessage(p)) {
    if (await respond(origin, { response_type: 'ephemeral', ...message })) continue;
    if (!origin.channel || origin.channel.startsWith('D')) await origin.client.chat.postMessage({ channel: origin.channel ?? origin.userId, ...message });
    else await origin.client.chat.postEphemeral({ channel: origin.channel, user: origin.userId, ...message });
  }
}

/**
 * The modal for a form prompt, with the envelope in private_metadata. Over Slack's limit the response_url is
 * left out first (a submission then answers through the Web API); if that is not enough the form cannot
 * be opened and ModalTooLargeError says why.
 */
export function modalView(p: Prompt, envelope: ModalEnvelope, log?: Log) {
  const view = renderModal(p);
  const full: ModalEnvelope = { ...envelope, state: p.form?.state };
  let metadata = JSON.stringify(full);
  if (metadata.length > PRIVATE_METADATA_LIMIT) {
    const shorter = JSON.stringify({ ...full, responseUrl: undefined });
    if (shorter.length > PRIVATE_METADATA_LIMIT) throw new ModalTooLargeError(metadata.length);
    log?.warn({ length: metadata.length, limit: PRIVATE_METADATA_LIMIT }, 'slack: a form envelope was over the private_metadata limit; left out its response_url');
    metadata = shorter;
  }
  return { ...view, private_metadata: metadata };
}

/** What the adapter itself says around a delivery (from the strings, given by the listeners). */
export interface DeliveryTexts {
  /** Said privately where a file was asked for outside a DM: it went to the person's DM instead. */
  fileSentToDm?: Prompt;
}

/**
 * A file (the breach log) goes to the person's DM with the bot, never into a channel where others would see
 * it: the prompt that says what it is, then the file (files.uploadV2: getUploadURLExternal, the upload,
 * completeUploadExternal; scope files:write). Asked for in a channel, the DM is opened (conversations.open,
 * scope im:write) and the person is told privately where it went. Nothing of the file is logged.
 */
async function sendFile(origin: SlackOrigin, reply: Extract<Reply, { mode: 'file' }>, log: Log, problemPrompt: Prompt, texts: DeliveryTexts): Promise<void> {
  let dm = origin.channel?.startsWith('D') ? origin.channel : undefined;
  try {
    if (!dm) {
      const opened = await origin.client.conversations.open({ users: origin.userId });
      dm = opened.channel?.id;
      if (!dm) throw new Error('conversations.open gave no channel');
    }
    await post({ ...origin, channel: dm }, reply.prompt, dm, log);
    await origin.client.files.uploadV2({
      channel_id: dm,
      file: Buffer.from(reply.file.content, 'utf8'),
      filename: reply.file.name,
      title: reply.file.name,
    });
    log.info({ bytes: Buffer.byteLength(reply.file.content, 'utf8'), mime: reply.file.mime }, 'slack: a file was uploaded to the person\'s DM');
  } catch (err) {
    log.warn({ code: slackError(err) ?? 'request_failed' }, 'slack: could not upload a file');
    await privately(origin, problemPrompt);
    return;
  }
  if (dm !== origin.channel && origin.channel && texts.fileSentToDm) await privately(origin, texts.fileSentToDm);
}

/** `problemPrompt`: the apology shown when a reply cannot be delivered as intended (strings help.problem). */
export async function deliver(replies: Reply[], origin: SlackOrigin, log: Log, problemPrompt: Prompt, texts: DeliveryTexts = {}): Promise<void> {
  for (const reply of replies) {
    switch (reply.mode) {
      case 'post':
        await post(origin, reply.prompt, reply.to, log);
        break;
      case 'update':
        await update(origin, reply.prompt, log);
        break;
      case 'private':
        await privately(origin, reply.prompt);
        break;
      case 'modal':
        if (origin.triggerId && reply.prompt.form) {
          const envelope: ModalEnvelope = { channel: origin.channel, messageTs: origin.messageTs, ephemeral: origin.ephemeral, responseUrl: origin.responseUrl };
          let view;
          try {
            view = modalView(reply.prompt, envelope, log);
          } catch (err) {
            if (!(err instanceof ModalTooLargeError)) throw err;
            // Visible, not silent: the person gets the apology instead of a modal that never opens.
            log.warn({ length: err.length, limit: PRIVATE_METADATA_LIMIT }, 'slack: a form was too large to open as a modal');
            await privately(origin, problemPrompt);
            break;
          }
          await origin.client.views.open({ trigger_id: origin.triggerId, view });
        } else {
          await post(origin, reply.prompt, undefined, log);
        }
        break;
      case 'home':
        await origin.client.views.publish({ user_id: origin.userId, view: renderHome(reply.prompt) });
        break;
      case 'form-errors':
        // Only meaningful in a view_submission acknowledgement (see listeners.ts); elsewhere show the form again.
        await post(origin, reply.prompt, undefined, log);
        break;
      case 'file':
        await sendFile(origin, reply, log, problemPrompt, texts);
        break;
    }
  }
}
