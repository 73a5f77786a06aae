/**
 * The outbox's Teams side (core/schedule/types.ts Messenger): proactive messages to a stored
 * ConversationReference with `continueConversationAsync`, updates with `updateActivity`. Loaded lazily
 * (src/teams/lazy-messenger.ts), like the request endpoint, so a Slack-only server never loads botbuilder.
 *
 * The Bot Connector has no read-back of what the bot sent, so `findSent` answers 'unknown' and the outbox
 * applies its rule (runner.ts: `uncertain`, not resent).
 *
 * A person addressed by id with whom the bot has no chat yet (a `teams.dpo` who never wrote to it) gets one
 * opened: Teams lets a bot create a 1:1 conversation (POST /v3/conversations) from the person's Entra object
 * id, the tenant and the serviceUrl, which come from a chat the bot already has in that tenant. Teams allows
 * it only when the app is installed for that person (or in a team they belong to); otherwise it refuses, the
 * send is `unreachable`, and the incidents feature tells the admins what to do and keeps trying.
 */
import { ActivityTypes, type Activity, type CloudAdapter, type ConversationReference } from 'botbuilder';
import { conversationKey, userKey, type KnownConversation, type Log, type Store } from '../core/ports.js';
import { upsertConversation, upsertUser } from '../core/people.js';
import type { Prompt } from '../core/prompt.js';
import { cutText } from '../core/cut-text.js';
import type { Strings } from '../core/strings.js';
import type { Address, MessageRef, Messenger, SendOutcome } from '../core/schedule/types.js';
import { renderCard } from './render.js';

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
  const message = (p: Prompt): Partial<Activity> => ({ type: ActivityTypes.Message, summary: cutText(p.fallback, 200), attachments: [renderCard(p, options)] });

  /** A stored reference of a chat in the person's tenant (the most recent), to open a chat from: serviceUrl, bot, tenant. */
  async function templateFor(tenant: string | undefined): Promise<Partial<ConversationReference> | undefined> {
    const known = (await o.store.conversations.query({ index: 'place', from: 'teams:', before: 'teams;' })).map((v) => v.value);
    const usable = known.filter((c): c is KnownConversation & { reference: Record<string, unknown> } => Boolean(c.reference && typeof c.reference.serviceUrl === 'string'));
    const inTenant = usable.filter((c) => !tenant || (c.reference.conversation as { tenantId?: string } | undefined)?.tenantId === tenant || c.teamId === tenant);
    const best = inTenant.sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1))[0];
    return best?.reference as Partial<ConversationReference> | undefined;
  }

  /** Opens a 1:1 chat with `userId` and sends `activity` in it; the chat is stored for the next sends. */
  async function openAndSend(userId: string, activity: Partial<Activity>): Promise<SendOutcome | 'no-conversation'> {
    const user = await o.store.users.get(userKey('teams', userId));
    const template = await templateFor(user?.teamId);
    const tenantId = (template?.conversation as { tenantId?: string } | undefined)?.tenantId ?? user?.teamId;
    if (!template?.serviceUrl || !tenantId) return 'no-conversation';
    if (o.mayCall && !o.mayCall(template.serviceUrl)) return { ok: false, kind: 'failed', reason: 'non-loopback-service-url', retryable: false };
    let opened: { conversationId: string; messageId: string } | undefined;
    let failure: unknown;
    try {
      const parameters = { isGroup: false, bot: template.bot, members: [{ id: userId, aadObjectId: userId }], tenantId, channelData: { tenant: { id: tenantId } } };
      await o.adapter.createConversationAsync(o.appId, template.channelId ?? 'msteams', template.serviceUrl, undefined as unknown as string, parameters as never, async (ctx) => {
        try {
          const id = (await ctx.sendActivity(activity))?.id ?? '';
          opened = { conversationId: ctx.activity.conversation.id, messageId: id };
        } catch (err) {
          failure = err;
        }
      });
    } catch (err) {
      failure ??= err;
    }
    if (failure !== undefined) return outcomeOf(failure);
    if (!opened) return { ok: false, kind: 'failed', reason: 'no-chat-opened', retryable: true };
    const reference = { ...template, activityId: undefined, conversation: { id: opened.conversationId, conversationType: 'personal', tenantId, isGroup: false }, user: { id: userId, aadObjectId: userId } };
    const at = new Date();
    const where = { platform: 'teams' as const, id: opened.conversationId, kind: 'dm' as const, teamId: tenantId, reference: JSON.parse(JSON.stringify(reference)) as Record<string, unknown> };
    await upsertConversation(o.store, where, at);
    await upsertUser(o.store, { platform: 'teams', id: userId, teamId: tenantId }, user ? new Date(user.lastSeen) : at, { where });
    o.log.info({ event: 'teams.chat-opened' }, 'teams: opened a 1:1 chat with a person who had not written to the bot');
    return { ok: true, ref: { platform: 'teams', conversationId: opened.conversationId, messageId: opened.messageId } };
  }

  async function referenceOf(to: Address): Promise<{ conversationId: string; reference: Partial<ConversationReference> } | string> {
    let conversationId = to.conversationId;
    if (!conversationId && to.userId) conversationId = (await o.store.users.get(userKey('teams', to.userId)))?.dmConversationId;
    if (!conversationId) return 'no-conversation';
    const known = await o.store.conversations.get(conversationKey('teams', conversationId));
    if (!known?.reference) return 'no-reference';
    const reference = known.reference as Partial<ConversationReference>;
    if (o.mayCall && !o.mayCall(reference.serviceUrl)) return 'non-loopback-service-url';
    return { conversationId, reference };
  }

  async function call(to: Address | MessageRef, activity: Partial<Activity>, updateId?: string): Promise<SendOutcome> {
    const target = await referenceOf('messageId' in to ? { platform: 'teams', conversationId: to.conversationId } : to);
    if (target === 'no-conversation' && !('messageId' in to) && to.userId && !to.conversationId) {
      const opened = await openAndSend(to.userId, activity);
      if (opened !== 'no-conversation') return opened;
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
