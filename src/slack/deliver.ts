/**
 * Delivers core's Replies to Slack through the Web API. Which call depends on where the turn came from:
 * a button on a normal message is updated with chat.update, one on an ephemeral message through its
 * response_url; a slash command in a channel the bot is not in falls back to an ephemeral response.
 */
import type { WebClient } from '@slack/web-api';
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
  s?: string;
  c?: string;
  t?: string;
  e?: boolean;
  r?: string;
}

const FALLBACK_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

function slackError(err: unknown): string | undefined {
  return (err as { data?: { error?: string } }).data?.error;
}

async function respond(origin: SlackOrigin, body: Record<string, unknown>): Promise<boolean> {
  if (!origin.responseUrl) return false;
  const res = await fetch(origin.responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.ok;
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

export function modalView(p: Prompt, envelope: ModalEnvelope) {
  const view = renderModal(p);
  return { ...view, private_metadata: JSON.stringify({ ...envelope, s: p.form?.state }) };
}

export async function deliver(replies: Reply[], origin: SlackOrigin, log: Log): Promise<void> {
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
          const envelope: ModalEnvelope = { c: origin.channel, t: origin.messageTs, e: origin.ephemeral, r: origin.responseUrl };
          await origin.client.views.open({ trigger_id: origin.triggerId, view: modalView(reply.prompt, envelope) });
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
    }
  }
}
