/**
 * Bolt listeners: each acknowledges first, checks the fields it reads (payloads.ts), translates the
 * payload into a core Turn, asks the bot, and delivers the replies. No business logic here.
 */
import type { App } from '@slack/bolt';
import type { z } from 'zod';
import type { Bot } from '../core/bot.js';
import type { ConversationKind, Input, Reply, Turn } from '../core/conversation.js';
import type { Clock, Log } from '../core/ports.js';
import { prompt } from '../core/prompt.js';
import type { Strings } from '../core/strings.js';
import { isTooLong, MAX_QUESTION_CHARS, tooLongPrompt } from '../http/limits.js';
import { deliver, modalView, ModalTooLargeError, readEnvelope, type ModalEnvelope, type SlackOrigin } from './deliver.js';
import { MESSAGE_SHORTCUTS, SHORTCUTS } from './ids.js';
import { messageLink } from './permalink.js';
import {
  appMentionSchema,
  blockActionsSchema,
  commandSchema,
  homeOpenedSchema,
  messageActionSchema,
  messageEventSchema,
  shortcutSchema,
  viewSubmissionSchema,
} from './payloads.js';
import { decodeActionId, fitsOpenModal, formErrors, formValuesFromView } from './render.js';

export interface ListenerDeps {
  bot: Bot;
  clock: Clock;
  log: Log;
  strings: Strings;
}

export function kindOf(channel: string | undefined): ConversationKind {
  if (!channel || channel.startsWith('D')) return 'dm';
  return channel.startsWith('G') ? 'group' : 'channel';
}

function turn(clock: Clock, user: { id: string; name?: string }, teamId: string | undefined, channel: string | undefined, input: Input): Turn {
  return {
    who: { platform: 'slack', id: user.id, name: user.name, teamId },
    where: { platform: 'slack', id: channel ?? user.id, kind: kindOf(channel), teamId },
    input,
    at: clock.now(),
  };
}

/** Strips the leading `<@U123>` of a mention. */
const withoutMentions = (text: string) => text.replace(/<@[A-Z0-9]+(\|[^>]*)?>/g, ' ').trim();

const shortcutOrMessageAction = shortcutSchema.or(messageActionSchema);

export function registerListeners(app: App, d: ListenerDeps): void {
  const problem = () => prompt([{ kind: 'text', text: d.strings.t('help.problem') }]);
  const texts = { fileSentToDm: prompt([{ kind: 'text', text: d.strings.t('files.sentToDm') }]) };
  const send = (replies: Reply[], origin: SlackOrigin) =>
    deliver(replies, origin, d.log, problem(), texts).catch((err: Error) => d.log.error({ err: err.message }, 'slack: delivery failed'));

  /** The HTTP edge refuses these before Bolt; in Socket Mode this is the check, after the ack. */
  function parsed<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> | undefined {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const first = r.error.issues[0];
    d.log.warn({ reason: first ? `${first.path.join('.')}: ${first.message}` : 'shape' }, `slack: ignored ${what} that does not fit what Slack sends`);
    return undefined;
  }

  const run = async (t: Turn, origin: SlackOrigin) => {
    if ((t.input.kind === 'message' || t.input.kind === 'command') && isTooLong(t.input.text)) {
      d.log.info({ length: t.input.text.length, limit: MAX_QUESTION_CHARS }, 'slack: a message over the length limit was answered without a search');
      return send([{ mode: 'private', prompt: tooLongPrompt(d.strings, t.input.text.length) }], origin);
    }
    let replies: Reply[];
    try {
      replies = await d.bot.handle(t);
    } catch (err) {
      d.log.error({ err: (err as Error).message, input: t.input.kind }, 'slack: the bot failed on a turn');
      return;
    }
    await send(replies, origin);
  };

  app.command(/.*/, async ({ body, ack, client }) => {
    await ack();
    const c = parsed(commandSchema, body, 'a command');
    if (!c) return;
    const t = turn(d.clock, { id: c.user_id, name: c.user_name }, c.team_id, c.channel_id, { kind: 'command', text: c.text });
    await run(t, { client, channel: c.channel_id, userId: c.user_id, responseUrl: c.response_url, triggerId: c.trigger_id });
  });

  app.action(/.*/, async ({ body, ack, client }) => {
    await ack();
    const b = parsed(blockActionsSchema, body, 'a button press');
    if (!b) return;
    const action = b.actions[0]!;
    const value = action.type === 'button' ? (action.value ?? '') : action.type === 'static_select' ? (action.selected_option?.value ?? '') : '';
    const channel = b.channel?.id ?? b.container?.channel_id;
    const input: Input = { kind: 'action', action: decodeActionId(action.action_id), value };
    const t = turn(d.clock, { id: b.user.id, name: b.user.name ?? b.user.username }, b.team?.id ?? b.user.team_id, channel, input);
    await run(t, {
      client,
      channel,
      userId: b.user.id,
      messageTs: b.message?.ts ?? b.container?.message_ts,
      ephemeral: b.container?.is_ephemeral,
      responseUrl: b.response_url,
      triggerId: b.trigger_id,
    });
  });

  app.shortcut(/.*/, async ({ body, ack, client }) => {
    await ack();
    const s = parsed(shortcutOrMessageAction, body, 'a shortcut');
    if (!s) return;
    let action = SHORTCUTS[s.callback_id] ?? s.callback_id;
    let value = '';
    let channel: string | undefined;
    if (s.type === 'message_action') {
      channel = s.channel.id;
      action = MESSAGE_SHORTCUTS[s.callback_id] ?? action;
      const ts = s.message?.ts ?? s.message_ts;
      if (ts) value = await messageLink(client, { channel, ts, threadTs: s.message?.thread_ts, domain: s.team?.domain }, d.log);
    }
    // A global shortcut has no conversation: core answers in the person's DM with the bot.
    const t = turn(d.clock, { id: s.user.id, name: s.user.username ?? s.user.name }, s.team?.id ?? s.user.team_id, channel, { kind: 'action', action, value });
    await run(t, { client, channel, userId: s.user.id, triggerId: s.trigger_id, responseUrl: s.type === 'message_action' ? s.response_url : undefined });
  });

  app.view(/.*/, async ({ body, ack, client }) => {
    const b = parsed(viewSubmissionSchema, body, 'a form');
    if (!b) return ack();
    const view = b.view;
    let envelope: ModalEnvelope | undefined = readEnvelope(view.private_metadata);
    if (!envelope) {
      d.log.warn({ callback: view.callback_id }, 'slack: a form arrived with unreadable metadata');
      envelope = {};
    }
    const values = formValuesFromView(view.state.values as Parameters<typeof formValuesFromView>[0]);
    const input: Input = { kind: 'form', formId: view.callback_id, values, state: envelope.state };
    const t = turn(d.clock, { id: b.user.id, name: b.user.name }, b.team?.id ?? b.user.team_id, envelope.channel, input);
    // Keep the modal open (nothing typed is lost) with the apology beside its last field.
    const apologise = () => ack({ response_action: 'errors', errors: { [view.blocks[view.blocks.length - 1]?.block_id ?? 'form']: d.strings.t('help.problem') } });
    let replies: Reply[];
    try {
      replies = await d.bot.handle(t);
    } catch (err) {
      d.log.error({ err: (err as Error).message }, 'slack: the bot failed on a form');
      return apologise();
    }
    const refused = replies.find((r) => r.mode === 'form-errors');
    if (refused && refused.mode === 'form-errors' && fitsOpenModal(view.blocks, refused.prompt, refused.errors)) return ack(formErrors(refused.errors));
    // Otherwise the form changed while it was open: the refusal redraws it (fields kept, errors beside them).
    const nextForm = refused ?? replies.find((r) => r.mode === 'modal');
    if (nextForm) {
      try {
        await ack({ response_action: 'update', view: modalView(nextForm.prompt, envelope, d.log) });
      } catch (err) {
        if (!(err instanceof ModalTooLargeError)) throw err;
        d.log.warn({ length: err.length }, 'slack: the next form was too large to show in the modal');
        return apologise();
      }
    } else await ack();
    const origin: SlackOrigin = { client, channel: envelope.channel, userId: b.user.id, messageTs: envelope.messageTs, ephemeral: envelope.ephemeral, responseUrl: envelope.responseUrl };
    await send(replies.filter((r) => r !== nextForm), origin);
  });

  // Nothing to do when a modal is closed, and SafeCall has no external menus; both still get their answer.
  app.view({ type: 'view_closed', callback_id: /.*/ }, async ({ ack }) => ack());
  app.options(/.*/, async ({ ack }) => ack({ options: [] }));

  app.event('app_mention', async ({ event, client, context }) => {
    const e = parsed(appMentionSchema, event, 'a mention');
    if (!e?.user) return;
    const t = turn(d.clock, { id: e.user }, context.teamId, e.channel, { kind: 'message', text: withoutMentions(e.text) });
    await run(t, { client, channel: e.channel, userId: e.user });
  });

  app.event('message', async ({ event, client, context }) => {
    const e = parsed(messageEventSchema, event, 'a message');
    // Only plain messages people send to the bot in its DM; edits, joins and bot posts are ignored.
    if (!e || e.channel_type !== 'im' || e.subtype !== undefined || !e.user || e.bot_id !== undefined) return;
    const t = turn(d.clock, { id: e.user }, context.teamId, e.channel, { kind: 'message', text: withoutMentions(e.text ?? '') });
    await run(t, { client, channel: e.channel, userId: e.user });
  });

  app.event('app_home_opened', async ({ event, client, context }) => {
    const e = parsed(homeOpenedSchema, event, 'an App Home event');
    if (!e || e.tab !== 'home') return;
    const t = turn(d.clock, { id: e.user }, context.teamId, e.channel, { kind: 'home' });
    await run(t, { client, channel: e.channel, userId: e.user });
  });
}
