/**
 * The outbox's Teams side (core/schedule/types.ts Messenger): proactive messages to a stored
 * ConversationReference with `continueConversationAsync`, updates with `updateActivity`; a person with no
 * stored conversation (a staff team member or a `teams.dpo` who never wrote) gets one opened first (directory.ts). Loaded lazily
 * (src/teams/lazy-messenger.ts), like the request endpoint, so a Slack-only server never loads botbuilder.
 *
 * The Bot Connector has no read-back of what the bot sent, so `findSent` answers 'unknown' and the outbox
 * applies its rule (runner.ts: `uncertain`, not resent).
 */
import { ActivityTypes, type Activity, type CloudAdapter, type ConversationReference } from 'botbuilder';
import { conversationKey, userKey, type Log, type Store } from '../core/ports.js';
import type { Prompt } from '../core/prompt.js';
import type { Strings } from '../core/strings.js';
import type { Address, MessageRef, Messenger, SendOutcome } from '../core/schedule/types.js';
import { renderCard } from './render.js';
import { openOneToOne } from './directory.js';

export interface TeamsMessengerOptions {
  adapter: CloudAdapter;
  appId: string;
  store: Store;
  log: Log;
  strings: Strings;
  timezone: string;
  /** Local mode: only loopback serviceUrls may be called. */
  mayCall?: (serviceUrl: string | undefined) => boolean;
}

interface ConnectorError {
  statusCode?: number;
  code?: string;
  name?: string;
  message?: string;
  response?: { status?: number; headers?: { get?: (name: string) => string | undefined } & Record<string, unknown>; bodyAsText?: string };
}

const header = (e: ConnectorError, name: string): string | undefined => {
  const h = e.response?.headers;
  if (!h) return undefined;
  if (typeof h.get === 'function') return h.get(name) ?? undefined;
  const v = h[name];
  return typeof v === 'string' ? v : undefined;
};

/** A Bot Connector failure → the outbox's outcome (status and error code only). */
export function outcomeOf(err: unknown): Exclude<SendOutcome, { ok: true }> {
  const e = err as ConnectorError;
  const status = e.statusCode ?? e.response?.status;
  const body = e.response?.bodyAsText ?? '';
  const code = /"code"\s*:\s*"([A-Za-z]+)"/.exec(body)?.[1] ?? e.code;
  if (status === 429) {
    const after = Number(header(e, 'retry-after') ?? 1);
    return { ok: false, kind: 'rate-limited', retryAfterMs: (Number.isFinite(after) && after > 0 ? after : 1) * 1000 };
  }
  // 403: the bot was blocked or removed (MessageWritesBlocked, BotDisabledByAdmin…); 404: the conversation is gone.
  if (status === 403 || status === 404) return { ok: false, kind: 'unreachable', reason: code ? `${status}_${code}` : `http_${status}` };
  if (status !== undefined) return { ok: false, kind: 'failed', reason: code ? `${status}_${code}` : `http_${status}`, retryable: status >= 500 || status === 408 };
  return { ok: false, kind: 'failed', reason: e.name === 'TimeoutError' ? 'timeout' : (e.code ?? 'request_error'), retryable: true };
}

export function teamsMessenger(o: TeamsMessengerOptions): Messenger {
  const options = { timeZone: o.timezone, choiceSubmitLabel: o.strings.t('cards.ok'), timeLabel: o.strings.t('cards.time'), requiredMessage: o.strings.t('cards.required') };
  const message = (p: Prompt): Partial<Activity> => ({ type: ActivityTypes.Message, summary: p.fallback.slice(0, 200), attachments: [renderCard(p, options)] });

  async function referenceOf(to: Address): Promise<{ conversationId: string; reference: Partial<ConversationReference> } | string> {
    let conversationId = to.conversationId;
    if (!conversationId && to.userId) conversationId = (await o.store.users.get(userKey('teams', to.userId)))?.dmConversationId;
    // Someone who never wrote to SafeCall (a staff team member, a DPO named in the settings): Teams opens the
    // 1:1 when SafeCall may reach them (installed for them, or in a team with them); otherwise `unreachable`.
    if (!conversationId && to.userId) return openOneToOne({ adapter: o.adapter, appId: o.appId, store: o.store, log: o.log, mayCall: o.mayCall }, to, new Date());
    if (!conversationId) return 'no-conversation';
    const known = await o.store.conversations.get(conversationKey('teams', conversationId));
    if (!known?.reference) return 'no-reference';
    const reference = known.reference as Partial<ConversationReference>;
    if (o.mayCall && !o.mayCall(reference.serviceUrl)) return 'non-loopback-service-url';
    return { conversationId, reference };
  }

  async function call(to: Address | MessageRef, activity: Partial<Activity>, updateId?: string): Promise<SendOutcome> {
    let target: Awaited<ReturnType<typeof referenceOf>>;
    try {
      target = await referenceOf('messageId' in to ? { platform: 'teams', conversationId: to.conversationId } : to);
    } catch (err) {
      // Opening the 1:1 was refused (403: SafeCall is not in a team with them, or blocked) or failed.
      return outcomeOf(err);
    }
    if (typeof target === 'string') {
      // No stored reference: Teams cannot open a chat with someone who never installed or used the bot.
      o.log.info({ reason: target }, 'teams: no way to message that person or conversation');
      return target === 'non-loopback-service-url' ? { ok: false, kind: 'failed', reason: target, retryable: false } : { ok: false, kind: 'unreachable', reason: target };
    }
    let id: string | undefined;
    let failure: unknown;
    try {
      await o.adapter.continueConversationAsync(o.appId, target.reference, async (ctx) => {
        // Caught here: the adapter's onTurnError would otherwise swallow it and the send would look done.
        try {
          id = updateId ? ((await ctx.updateActivity({ ...activity, id: updateId })), updateId) : (await ctx.sendActivity(activity))?.id;
        } catch (err) {
          failure = err;
        }
      });
    } catch (err) {
      failure ??= err;
    }
    if (failure !== undefined) return outcomeOf(failure);
    return { ok: true, ref: { platform: 'teams', conversationId: target.conversationId, messageId: id ?? '' } };
  }

  return {
    platform: 'teams',
    send: (to, prompt) => call(to, message(prompt)),
    update: (ref, prompt) => call(ref, message(prompt), ref.messageId),
    async findSent() {
      return 'unknown' as const;
    },
  };
}
