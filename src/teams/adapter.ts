/**
 * The Teams side: botbuilder's CloudAdapter and the turn logic that maps activities to core Turns and
 * Replies back to activities. botbuilder (archived upstream; successor: Microsoft 365 Agents SDK) is used
 * only inside src/teams, so a move later touches one folder.
 */
import {
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  StatusCodes,
  TurnContext,
  type Activity,
  type ConversationReference,
} from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import pTimeout from 'p-timeout';
import type { Env } from '../config.js';
import type { Bot } from '../core/bot.js';
import type { ConversationKind, Input, Reply, Turn } from '../core/conversation.js';
import { conversationKey, isStoreUnavailable, type Clock, type Log, type Store } from '../core/ports.js';
import type { Prompt } from '../core/prompt.js';
import { cutText } from '../core/cut-text.js';
import type { Strings } from '../core/strings.js';
import { isTooLong, MAX_QUESTION_CHARS, tooLongPrompt } from '../http/limits.js';
import { renderCard, submitPayload } from './render.js';
import { refusedForm } from './render-form.js';
import { MESSAGE_ACTIONS } from './ids.js';
import { FILE_CONSENT_INVOKE, fileConsent } from './file-consent.js';
import type { Sealer } from '../core/sealer.js';
import type { RenderCardOptions } from './card-types.js';

export interface TeamsOptions {
  env: Env;
  bot: Bot;
  store: Store;
  clock: Clock;
  log: Log;
  timezone: string;
  strings: Strings;
  /** Local mode: only loopback serviceUrls may be called, stored references included. */
  mayCall?: (serviceUrl: string | undefined) => boolean;
  /** Seals a file waiting for the person's consent (the data key's, when set). */
  sealer?: Sealer;
  /** Where tokens are checked (a test's local stand-ins); Microsoft's public cloud without it. */
  auth?: TeamsAuth;
}

/** Longer than the Bot Connector's redelivery window; receipts are removed by the store after this. */
export const RECEIPT_TTL_MS = 60 * 60 * 1000;

/** How long a call to the Bot Connector (the serviceUrl) may take; a turn must not wait on a silent far side. */
export const CONNECTOR_TIMEOUT_MS = 10_000;

type CredentialsFactory = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1]>;

/**
 * Where incoming tokens are checked and the bot's own token comes from, when not Microsoft's public cloud:
 * a test's local OpenID configuration and token endpoint (no far side), given through start(). Without it,
 * botbuilder's public-cloud defaults (login.botframework.com, login.microsoftonline.com).
 */
export interface TeamsAuth {
  /** The channel's OpenID configuration; its jwks_uri lists the signing keys (with their endorsements). */
  openIdMetadataUrl: string;
  /** The `iss` every channel token must carry. */
  issuer: string;
  /** Where the bot asks for its token for the Bot Connector (default: the public cloud's). */
  loginUrl?: string;
  /** The scope of that token (default: the public cloud's). */
  oAuthScope?: string;
  /** Makes the bot's credentials (default: from MicrosoftAppId and MicrosoftAppPassword, as without TeamsAuth). */
  credentials?: CredentialsFactory;
}

/** botbuilder's public-cloud values (AuthenticationConstants), for what TeamsAuth leaves out. */
const PUBLIC_CLOUD = {
  loginUrl: 'https://login.microsoftonline.com/botframework.com',
  oAuthScope: 'https://api.botframework.com',
  oAuthUrl: 'https://api.botframework.com',
  callerId: 'urn:botframework:azure',
};

/**
 * The token check. With TeamsAuth, botbuilder's BotFrameworkAuthenticationFactory.create gets every endpoint
 * (ConfigurationBotFrameworkAuthentication passes its settings to it; once one is set, all are taken as
 * given, so none is left out). Emulator tokens are checked against the same configuration, so nothing
 * far is ever asked.
 */
function authentication(credentials: CredentialsFactory, auth?: TeamsAuth): ConfigurationBotFrameworkAuthentication {
  if (!auth) return new ConfigurationBotFrameworkAuthentication({}, credentials);
  return new ConfigurationBotFrameworkAuthentication(
    {
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: auth.loginUrl ?? PUBLIC_CLOUD.loginUrl,
      ToChannelFromBotOAuthScope: auth.oAuthScope ?? PUBLIC_CLOUD.oAuthScope,
      ToBotFromChannelTokenIssuer: auth.issuer,
      OAuthUrl: PUBLIC_CLOUD.oAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl: auth.openIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: auth.openIdMetadataUrl,
      CallerId: PUBLIC_CLOUD.callerId,
    },
    auth.credentials ?? credentials,
  );
}

/** jsonwebtoken's refusals of a token: a bad signature, not yet valid, expired (JsonWebTokenError and its subclasses). */
const TOKEN_REFUSALS = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * botbuilder turns its own AuthenticationError into 401, but lets jsonwebtoken's errors through (a token
 * naming a listed key with a forged signature, or not valid yet), and CloudAdapter answers those 500: a
 * forged token looked like a server fault, and the Bot Connector retries a 500. They are refusals of the
 * token, so they become AuthenticationErrors (401). Anything else (the key list unreachable) stays as it is.
 */
function refusingBadTokens(auth: ConfigurationBotFrameworkAuthentication): ConfigurationBotFrameworkAuthentication {
  const check = auth.authenticateRequest.bind(auth);
  auth.authenticateRequest = async (activity, header) => {
    try {
      return await check(activity, header);
    } catch (err) {
      if (err instanceof Error && !(err instanceof AuthenticationError) && TOKEN_REFUSALS.has(err.name))
        throw new AuthenticationError(`Unauthorized. ${err.message}`, StatusCodes.UNAUTHORIZED);
      throw err;
    }
  };
  return auth;
}

/**
 * `unavailableText`: what a person who wrote is told when the turn failed because the store is unreachable
 * (the Bot Connector still is), instead of silence. `auth`: see TeamsAuth.
 */
export function createAdapter(env: Env, log: Log, connectorTimeoutMs = CONNECTOR_TIMEOUT_MS, unavailableText?: string, auth?: TeamsAuth): CloudAdapter {
  const credentials = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: env.MicrosoftAppId ?? '',
    MicrosoftAppPassword: env.MicrosoftAppPassword ?? '',
    MicrosoftAppType: env.MicrosoftAppType ?? (env.MicrosoftAppId ? 'MultiTenant' : ''),
    MicrosoftAppTenantId: env.MicrosoftAppTenantId ?? '',
  });
  const adapter = new CloudAdapter(refusingBadTokens(authentication(credentials, auth)));
  // botbuilder's connector client has no timeout, and it replaces any request policy passed in, so a turn
  // stops waiting for a silent serviceUrl here instead (the send fails with a TimeoutError).
  adapter.use(async (context, next) => {
    const deadline = <T>(work: Promise<T>) => pTimeout(work, { milliseconds: connectorTimeoutMs, message: 'the Bot Connector did not answer in time' });
    context.onSendActivities((_ctx, _activities, send) => deadline(send()));
    context.onUpdateActivity((_ctx, _activity, send) => deadline(send()));
    await next();
  });
  adapter.onTurnError = async (context, error) => {
    if (isStoreUnavailable(error) && unavailableText && context.activity.type === ActivityTypes.Message) {
      log.warn({ reason: 'store-unavailable' }, 'teams: a turn failed because the database is unreachable; told the sender to try again');
      await context.sendActivity(unavailableText).catch((err: Error) => log.warn({ err: err.message }, 'teams: could not tell the sender'));
      return;
    }
    log.error({ err: error.message }, 'teams: a turn failed');
  };
  return adapter;
}

const FETCH_TASK = 'composeExtension/fetchTask';
const SUBMIT_ACTION = 'composeExtension/submitAction';
/** A dialog opened from a button on a card (the form opener below), and what its card submits. */
const TASK_FETCH = 'task/fetch';
const TASK_SUBMIT = 'task/submit';
const isTaskModule = (a: Activity) => a.type === ActivityTypes.Invoke && (a.name === FETCH_TASK || a.name === SUBMIT_ACTION || a.name === TASK_SUBMIT);

/** A message action ("Report this message"): its command's core action, with the message's link as the value. */
function messageAction(value: unknown): Input | undefined {
  const v = value as { commandId?: unknown; messagePayload?: { linkToMessage?: unknown } } | undefined;
  // Own keys only: a commandId of `constructor` or `__proto__` must not find Object.prototype's members.
  const action = typeof v?.commandId === 'string' && Object.hasOwn(MESSAGE_ACTIONS, v.commandId) ? MESSAGE_ACTIONS[v.commandId] : undefined;
  if (!action) return undefined;
  const link = v?.messagePayload?.linkToMessage;
  return { kind: 'action', action, value: typeof link === 'string' && /^https:\/\//.test(link) && link.length <= 2048 ? link : '' };
}

const kindOf = (type: string | undefined): ConversationKind => (type === 'channel' ? 'channel' : type === 'groupChat' ? 'group' : 'dm');

function cardOptions(strings: Strings, timeZone: string): RenderCardOptions {
  return { timeZone, choiceSubmitLabel: strings.t('cards.ok'), timeLabel: strings.t('cards.time'), requiredMessage: strings.t('cards.required') };
}

function inputOf(activity: Activity, timezone: string): Input | undefined {
  switch (activity.type) {
    case ActivityTypes.Message: {
      if (activity.value !== undefined && activity.value !== null) {
        const submitted = submitPayload(activity.value, timezone);
        return submitted ?? undefined;
      }
      const text = TurnContext.removeRecipientMention(activity) ?? activity.text ?? '';
      return { kind: 'message', text: text.trim() };
    }
    case ActivityTypes.ConversationUpdate: {
      const botId = activity.recipient?.id;
      return activity.membersAdded?.some((m) => m.id === botId) ? { kind: 'installed' } : undefined;
    }
    case ActivityTypes.InstallationUpdate:
      return activity.action === 'add' ? { kind: 'installed' } : undefined;
    case ActivityTypes.Invoke:
      if (activity.name === 'adaptiveCard/action') {
        const data = (activity.value as { action?: { data?: unknown } } | undefined)?.action?.data;
        return submitPayload(data, timezone) ?? undefined;
      }
      if (activity.name === FETCH_TASK) return messageAction(activity.value);
      // What the task module's card submitted: the form, or a button on the card it showed next.
      if (activity.name === SUBMIT_ACTION || activity.name === TASK_SUBMIT) return submitPayload((activity.value as { data?: unknown } | undefined)?.data, timezone) ?? undefined;
      return undefined;
    default:
      return undefined;
  }
}

export function turnLogic(o: TeamsOptions, adapter: CloudAdapter) {
  const appId = o.env.MicrosoftAppId ?? '';
  const options = cardOptions(o.strings, o.timezone);
  const card = (p: Prompt) => renderCard(p, options);
  const message = (p: Prompt): Partial<Activity> => ({ type: ActivityTypes.Message, summary: cutText(p.fallback, 200), attachments: [card(p)] });

  async function sendTo(conversationId: string, p: Prompt): Promise<void> {
    const known = await o.store.conversations.get(conversationKey('teams', conversationId));
    if (!known?.reference) {
      o.log.warn({ conversation: conversationId }, 'teams: no stored reference for that conversation; message not sent');
      return;
    }
    if (o.mayCall && !o.mayCall((known.reference as { serviceUrl?: string }).serviceUrl)) {
      o.log.warn({ conversation: conversationId }, 'teams: local mode does not send to a serviceUrl outside this machine; message not sent');
      return;
    }
    await adapter.continueConversationAsync(appId, known.reference as Partial<ConversationReference>, async (ctx) => {
      await ctx.sendActivity(message(p));
    });
  }

  /**
   * A message action's task module (the dialog Teams opens over the chat): every reply is shown in it, the
   * form and then the confirmation, since posting into the conversation the message is in would tell the
   * whole channel who reported it. Replies addressed to another conversation are sent there as usual.
   */
  /** A card with the form's lead and one button that opens the form in a dialog (`task/fetch` carries the form). */
  function formOpener(p: Prompt): Partial<Activity> {
    const attachment = card({ fallback: p.fallback, blocks: p.blocks });
    const open = { type: 'Action.Submit', title: o.strings.t('cards.openForm'), style: 'positive', data: { msteams: { type: TASK_FETCH }, safecall: { task: p } } };
    attachment.content.body.push({ type: 'ActionSet', actions: [open] });
    return { type: ActivityTypes.Message, summary: cutText(p.fallback, 200), attachments: [attachment] };
  }

  /** Teams asks for the dialog of a form opener: the form it carries, as a card. */
  async function taskFetched(context: TurnContext): Promise<void> {
    const task = ((context.activity.value as { data?: { safecall?: { task?: unknown } } } | undefined)?.data?.safecall?.task ?? {}) as Prompt;
    let body: unknown = {};
    try {
      if (task.form && Array.isArray(task.blocks) && typeof task.fallback === 'string') body = { task: { type: 'continue', value: { title: cutText(String(task.form.title), 64), height: 'large', width: 'medium', card: card(task) } } };
    } catch (err) {
      o.log.warn({ err: (err as Error).message.slice(0, 80) }, 'teams: a form opener carried a form that cannot be shown');
    }
    if (!('task' in (body as object))) o.log.warn({ reason: 'task-fetch' }, 'teams: a dialog was asked for with no form SafeCall can show');
    await context.sendActivity({ type: 'invokeResponse', value: { status: 200, body } });
  }

  async function deliverToTask(replies: Reply[], input: Input): Promise<unknown> {
    const shown: Prompt[] = [];
    for (const reply of replies) {
      if (reply.mode === 'home') continue;
      if (reply.mode === 'post' && reply.to) await sendTo(reply.to, reply.prompt);
      else if (reply.mode === 'form-errors') shown.push(refusedForm(reply.prompt, reply.errors, input.kind === 'form' ? input.values : undefined));
      else if (reply.mode === 'file') shown.push(reply.prompt, fileOnTeams());
      else shown.push(reply.prompt);
    }
    // A form is shown alone (its submit button must be the card's); otherwise everything, one after the other.
    const form = shown.find((p) => p.form);
    const p: Prompt = form ?? { fallback: shown.map((x) => x.fallback).join('\n'), blocks: shown.flatMap((x, i) => (i ? [{ kind: 'divider' as const }, ...x.blocks] : x.blocks)) };
    if (!form && p.blocks.length === 0) return undefined;
    return { task: { type: 'continue', value: { title: cutText(form?.form?.title ?? 'SafeCall', 64), height: form ? 'large' : 'medium', width: 'medium', card: card(p) } } };
  }

  const note = (text: string): Prompt => ({ fallback: text, blocks: [{ kind: 'note', text }] });
  const fileOnTeams = (): Prompt => note(o.strings.t('files.teamsPersonalOnly'));
  const files = fileConsent({ store: o.store, clock: o.clock, log: o.log, sealer: o.sealer, mayCall: o.mayCall });
  const personOf = (a: Activity) => a.from.aadObjectId ?? a.from.id;

  /** The person accepted or declined a file SafeCall offered (file-consent.ts). */
  async function consentAnswered(context: TurnContext): Promise<void> {
    const { outcome, card: fileCard } = await files.answer(context.activity, personOf(context.activity));
    if (fileCard) await context.sendActivity(fileCard);
    else await context.sendActivity(message(note(o.strings.t(outcome === 'declined' ? 'files.teamsDeclined' : outcome === 'gone' ? 'files.teamsGone' : 'help.problem'))));
    await context.sendActivity({ type: 'invokeResponse', value: { status: 200 } });
  }

  async function deliver(context: TurnContext, replies: Reply[], input: Input): Promise<unknown> {
    const replyTo = context.activity.replyToId;
    let invokeCard: unknown;
    // A form Teams shows inside a card: once it is accepted, its card becomes the confirmation, so an error
    // shown for an earlier, refused value does not stay on screen beside a saved one.
    let acceptedForm = input.kind === 'form' && !!replyTo && !replies.some((r) => r.mode === 'form-errors');
    for (const reply of replies) {
      switch (reply.mode) {
        case 'post':
          if (reply.to && reply.to !== context.activity.conversation.id) await sendTo(reply.to, reply.prompt);
          else await context.sendActivity(message(reply.prompt));
          break;
        case 'update':
        case 'form-errors': {
          // A refused form comes back with what was typed and the messages beside the fields.
          const shown = reply.mode === 'form-errors' ? refusedForm(reply.prompt, reply.errors, input.kind === 'form' ? input.values : undefined) : reply.prompt;
          if (context.activity.type === ActivityTypes.Invoke) invokeCard = card(shown).content;
          else if (replyTo) await context.updateActivity({ ...message(shown), id: replyTo });
          else await context.sendActivity(message(shown));
          break;
        }
        case 'private':
          if (acceptedForm && context.activity.type !== ActivityTypes.Invoke) {
            acceptedForm = false;
            await context.updateActivity({ ...message(reply.prompt), id: replyTo });
          } else await context.sendActivity(message(reply.prompt));
          break;
        case 'modal':
          // In a channel or group chat a card is one shared card: anyone could fill it in and everyone would
          // see the answer replace it. There the form opens in a dialog of the person's own instead.
          if (reply.prompt.form && context.activity.conversation.conversationType !== 'personal') await context.sendActivity(formOpener(reply.prompt));
          else await context.sendActivity(message(reply.prompt));
          break;
        case 'file':
          // Bots can send files only in a personal chat, after the person accepts a FileConsentCard.
          await context.sendActivity(message(reply.prompt));
          if (context.activity.conversation.conversationType === 'personal') {
            const offer = await files.offer(reply.file, { id: personOf(context.activity) }, context.activity.conversation.id, o.strings.t('files.teamsOffer', { name: reply.file.name }));
            await context.sendActivity(offer);
          } else await context.sendActivity(message(fileOnTeams()));
          break;
        case 'home':
          break;
      }
    }
    return invokeCard;
  }

  /**
   * Activity receipts are `durable: false` (no fsync before the turn; see src/slack/deliveries.ts for the
   * trade): a crash loses at most the last second's, which only lets a redelivery of a turn the crash cut
   * short be processed. The welcome receipt stays durable: it is rare and a second welcome would be seen.
   */
  const receipt = (kind: string, durable = true) => {
    const now = o.clock.now();
    return [{ kind, at: now.toISOString() }, 0, { expiresAt: new Date(now.getTime() + RECEIPT_TTL_MS), durable }] as const;
  };
  const invokeOk = (context: TurnContext) =>
    context.sendActivity({ type: 'invokeResponse', value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'OK' } } });

  /** A redelivered activity (same id in the same conversation) has no second effect; the store's putIf decides. */
  async function firstDelivery(context: TurnContext): Promise<boolean> {
    const { id, conversation } = context.activity;
    if (!id) return true;
    const first = await o.store.receipts.putIf(`teams:activity:${conversation.id}:${id}`, ...receipt('activity', false));
    if (first !== undefined) return true;
    o.log.info({ type: context.activity.type }, 'teams: a redelivered activity was acknowledged and not processed again');
    if (context.activity.type === ActivityTypes.Invoke) await invokeOk(context);
    return false;
  }

  /**
   * Teams sends both installationUpdate and conversationUpdate for one install: welcome once per
   * conversation, until the bot is removed (or an hour passes, for an install whose removal was missed).
   */
  const welcomeKey = (context: TurnContext) => `teams:welcome:${context.activity.conversation.id}`;
  const removed = (a: Activity) =>
    (a.type === ActivityTypes.InstallationUpdate && typeof a.action === 'string' && a.action.startsWith('remove')) ||
    (a.type === ActivityTypes.ConversationUpdate && Boolean(a.membersRemoved?.some((m) => m.id === a.recipient?.id)));

  return async (context: TurnContext): Promise<void> => {
    const activity = context.activity;
    if (!(await firstDelivery(context))) return;
    if (removed(activity)) await o.store.receipts.delete(welcomeKey(context));
    if (activity.type === ActivityTypes.Invoke && activity.name === FILE_CONSENT_INVOKE) return consentAnswered(context);
    if (activity.type === ActivityTypes.Invoke && activity.name === TASK_FETCH) return taskFetched(context);
    const input = inputOf(activity, o.timezone);
    if (!input) {
      if (activity.type === ActivityTypes.Invoke) await context.sendActivity({ type: 'invokeResponse', value: { status: 200 } });
      if (activity.type === ActivityTypes.Message) o.log.warn({ reason: 'unrecognised-submit' }, 'teams: a card submit with unknown data was ignored');
      return;
    }
    if (input.kind === 'installed' && (await o.store.receipts.putIf(welcomeKey(context), ...receipt('welcome'))) === undefined) {
      o.log.info({ type: activity.type }, 'teams: already welcomed in this conversation; not welcomed again');
      return;
    }
    if (input.kind === 'message' && isTooLong(input.text)) {
      o.log.info({ length: input.text.length, limit: MAX_QUESTION_CHARS }, 'teams: a message over the length limit was answered without a search');
      await context.sendActivity(message(tooLongPrompt(o.strings, input.text.length)));
      return;
    }
    const turn: Turn = {
      who: { platform: 'teams', id: activity.from.aadObjectId ?? activity.from.id, name: activity.from.name, teamId: activity.conversation.tenantId },
      where: {
        platform: 'teams',
        id: activity.conversation.id,
        kind: kindOf(activity.conversation.conversationType),
        teamId: activity.conversation.tenantId,
        reference: TurnContext.getConversationReference(activity) as Record<string, unknown>,
      },
      input,
      at: o.clock.now(),
    };
    const replies = await o.bot.handle(turn);
    if (isTaskModule(activity)) {
      const task = await deliverToTask(replies, input);
      await context.sendActivity({ type: 'invokeResponse', value: { status: 200, body: task ?? {} } });
      return;
    }
    const next = await deliver(context, replies, input);
    if (activity.type === ActivityTypes.Invoke) {
      if (!next) return void (await invokeOk(context));
      const value = { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: next };
      await context.sendActivity({ type: 'invokeResponse', value: { status: 200, body: value } });
    }
  };
}
