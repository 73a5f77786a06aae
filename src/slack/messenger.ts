/**
 * The outbox's Slack side (core/schedule/types.ts Messenger) over Bolt's WebClient. Its own client, set to
 * reject rate-limited calls and retry nothing, so the outbox (not a hidden queue in the client) decides when
 * to try again, and a send is never repeated behind the outbox's back.
 *
 * Web API methods used (scopes in manifests/slack/README.md):
 * - `conversations.open` (im:write): the DM with a person who is addressed by user id only;
 * - `chat.postMessage` / `chat.update` (chat:write): the message, with metadata naming the delivery;
 * - `conversations.history` (im:history), DMs only: after a crash, whether the message went out (its
 *   metadata carries the idempotency key). SafeCall does not ask for channels:history / groups:history, so
 *   for a channel post (the DPO alert) the answer is 'unknown' and the outbox applies its Teams rule.
 */
import bolt from '@slack/bolt';
import type { Log } from '../core/ports.js';
import type { Prompt } from '../core/prompt.js';
import type { Address, DeliveryTag, MessageRef, Messenger, SendOutcome } from '../core/schedule/types.js';
import { renderMessage } from './render.js';

const { webApi } = bolt;

export const METADATA_EVENT = 'safecall_delivery';

/** Slack errors meaning the person or channel cannot be messaged until something changes on their side. */
export const UNREACHABLE_ERRORS = new Set([
  'user_disabled',
  'account_inactive',
  'channel_not_found',
  'messages_tab_disabled',
  'is_archived',
  'not_in_channel',
  'cannot_dm_bot',
  'user_not_found',
]);

/** Errors worth trying again later (Slack's side or the network). */
const RETRYABLE_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** How many recent messages of the conversation are searched for a delivery's metadata after a crash. */
export const HISTORY_LIMIT = 50;

export interface SlackMessengerOptions {
  token: string;
  slackApiUrl?: string;
  log: Log;
  /** The DM channel (D…) remembered for a person, if the store knows it (KnownUser.dmConversationId). */
  knownDm?: (userId: string) => Promise<string | undefined>;
  timeoutMs?: number;
}

interface SlackError {
  code?: string;
  data?: { error?: string };
  retryAfter?: number;
  statusCode?: number;
  headers?: Record<string, string>;
}

/** A WebClient failure → the outbox's outcome. Codes only: never the message. */
export function outcomeOf(err: unknown): Exclude<SendOutcome, { ok: true }> {
  const e = err as SlackError;
  if (e.code === 'slack_webapi_rate_limited_error') return { ok: false, kind: 'rate-limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  if (e.code === 'slack_webapi_platform_error') {
    const code = e.data?.error ?? 'unknown_error';
    if (code === 'ratelimited') return { ok: false, kind: 'rate-limited', retryAfterMs: 1000 };
    if (UNREACHABLE_ERRORS.has(code)) return { ok: false, kind: 'unreachable', reason: code };
    return { ok: false, kind: 'failed', reason: code, retryable: RETRYABLE_ERRORS.has(code) };
  }
  if (e.code === 'slack_webapi_http_error') {
    const status = e.statusCode ?? 0;
    if (status === 429) {
      const after = Number(e.headers?.['retry-after'] ?? 1);
      return { ok: false, kind: 'rate-limited', retryAfterMs: (Number.isFinite(after) && after > 0 ? after : 1) * 1000 };
    }
    return { ok: false, kind: 'failed', reason: `http_${status}`, retryable: status >= 500 || status === 408 };
  }
  // Network failures and timeouts: the request may not have reached Slack.
  return { ok: false, kind: 'failed', reason: e.code ?? 'request_error', retryable: true };
}

export function slackMessenger(o: SlackMessengerOptions): Messenger {
  const client = new webApi.WebClient(o.token, {
    slackApiUrl: o.slackApiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: o.timeoutMs ?? 10_000,
    logLevel: webApi.LogLevel.ERROR,
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      setLevel: () => undefined,
      getLevel: () => webApi.LogLevel.ERROR,
      setName: () => undefined,
    },
  });
  // Per instance and safe to lose: a user's DM channel id is the same whichever instance asks
  // (conversations.open returns the existing DM), so this only saves a Web API call.
  const opened = new Map<string, string>();

  /** The channel to post to: the address's, the remembered DM, or a DM opened now. */
  async function channelOf(to: Address): Promise<string> {
    if (to.conversationId) return to.conversationId;
    const user = to.userId;
    if (!user) throw Object.assign(new Error('no conversation or user'), { code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } });
    const cached = opened.get(user) ?? (await o.knownDm?.(user));
    if (cached) return cached;
    const res = await client.conversations.open({ users: user });
    const id = res.channel?.id;
    if (!id) throw Object.assign(new Error('no channel'), { code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } });
    opened.set(user, id);
    return id;
  }

  return {
    platform: 'slack',
    async send(to: Address, prompt: Prompt, tag: DeliveryTag): Promise<SendOutcome> {
      try {
        const channel = await channelOf(to);
        let first: MessageRef | undefined;
        // A long prompt may render as several messages; all carry the tag, the first is the one to update.
        for (const m of renderMessage(prompt)) {
          const res = await client.chat.postMessage({
            channel,
            text: m.text,
            blocks: m.blocks,
            metadata: { event_type: METADATA_EVENT, event_payload: { key: tag.key, kind: tag.kind } },
          });
          first ??= { platform: 'slack', conversationId: res.channel ?? channel, messageId: res.ts ?? '' };
        }
        return { ok: true, ref: first! };
      } catch (err) {
        return outcomeOf(err);
      }
    },
    async update(ref: MessageRef, prompt: Prompt): Promise<SendOutcome> {
      try {
        const [m] = renderMessage(prompt);
        await client.chat.update({ channel: ref.conversationId, ts: ref.messageId, text: m!.text, blocks: m!.blocks });
        return { ok: true, ref };
      } catch (err) {
        return outcomeOf(err);
      }
    },
    async findSent(to: Address, tag: DeliveryTag) {
      const channel = await channelOf(to);
      // Only DMs (D…) can be read back with the scopes SafeCall has (im:history).
      if (!channel.startsWith('D')) return 'unknown' as const;
      let res;
      try {
        res = await client.conversations.history({ channel, limit: HISTORY_LIMIT, include_all_metadata: true });
      } catch (err) {
        const code = (err as SlackError).data?.error;
        // A permanent refusal (no scope, DM gone): no answer is coming, so do not keep asking.
        if (code && (code === 'missing_scope' || UNREACHABLE_ERRORS.has(code))) return 'unknown' as const;
        throw err;
      }
      const messages = (res.messages ?? []) as { ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }[];
      // Oldest first, so the first part of a multi-part message is the ref.
      const hit = [...messages].reverse().find((m) => m.metadata?.event_type === METADATA_EVENT && m.metadata.event_payload?.key === tag.key);
      if (!hit?.ts) return { found: false } as const;
      return { found: true, ref: { platform: 'slack', conversationId: channel, messageId: hit.ts } } as const;
    },
  };
}
