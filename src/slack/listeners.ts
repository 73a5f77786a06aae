/**
 * Bolt listeners: each acknowledges first, translates the payload into a core Turn, asks the bot, and
 * delivers the replies. No business logic here.
 */
import type { App, BlockAction, ViewSubmitAction } from '@slack/bolt';
import type { Bot } from '../core/bot.js';
import type { ConversationKind, Input, Reply, Turn } from '../core/conversation.js';
import type { Clock, Log } from '../core/ports.js';
import type { Strings } from '../core/strings.js';
import { deliver, modalView, type ModalEnvelope, type SlackOrigin } from './deliver.js';
import { SHORTCUTS } from './ids.js';
import { decodeActionId, formErrors, formValuesFromView } from './render.js';

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

export function registerListeners(app: App, d: ListenerDeps): void {
  const run = async (t: Turn, origin: SlackOrigin) => {
    let replies: Reply[];
    try {
      replies = await d.bot.handle(t);
    } catch (err) {
      d.log.error({ err: (err as Error).message, input: t.input.kind }, 'slack: the bot failed on a turn');
      return;
    }
    await deliver(replies, origin, d.log).catch((err: Error) => d.log.error({ err: err.message }, 'slack: delivery failed'));
  };

  app.command(/.*/, async ({ command, ack, client }) => {
    await ack();
    const t = turn(d.clock, { id: command.user_id, name: command.user_name }, command.team_id, command.channel_id, { kind: 'command', text: command.text ?? '' });
    await run(t, { client, channel: command.channel_id, userId: command.user_id, responseUrl: command.response_url, triggerId: command.trigger_id });
  });

  app.action(/.*/, async ({ body, ack, client }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const b = body as BlockAction;
    const action = b.actions[0];
    if (!action) return;
    const value =
      action.type === 'button' ? (action.value ?? '') : action.type === 'static_select' ? (action.selected_option?.value ?? '') : '';
    const channel = b.channel?.id ?? (b.container as { channel_id?: string } | undefined)?.channel_id;
    const input: Input = { kind: 'action', action: decodeActionId(action.action_id), value };
    const t = turn(d.clock, { id: b.user.id, name: b.user.name ?? b.user.username }, b.team?.id ?? b.user.team_id, channel, input);
    const container = b.container as { is_ephemeral?: boolean; message_ts?: string } | undefined;
    await run(t, {
      client,
      channel,
      userId: b.user.id,
      messageTs: b.message?.ts ?? container?.message_ts,
      ephemeral: container?.is_ephemeral,
      responseUrl: b.response_url,
      triggerId: b.trigger_id,
    });
  });

  app.shortcut(/.*/, async ({ shortcut, ack, client }) => {
    await ack();
    const channel = shortcut.type === 'message_action' ? shortcut.channel.id : undefined;
    // A global shortcut has no conversation: core answers in the person's DM with the bot.
    const t = turn(d.clock, { id: shortcut.user.id, name: shortcut.user.username }, shortcut.team?.id, channel, {
      kind: 'action',
      action: SHORTCUTS[shortcut.callback_id] ?? shortcut.callback_id,
      value: '',
    });
    await run(t, { client, channel, userId: shortcut.user.id, triggerId: shortcut.trigger_id });
  });

  app.view(/.*/, async ({ body, view, ack, client }) => {
    const b = body as ViewSubmitAction;
    let envelope: ModalEnvelope = {};
    try {
      envelope = JSON.parse(view.private_metadata || '{}') as ModalEnvelope;
    } catch {
      d.log.warn({ callback: view.callback_id }, 'slack: a form arrived with unreadable metadata');
    }
    const input: Input = { kind: 'form', formId: view.callback_id, values: formValuesFromView(view.state.values), state: envelope.s };
    const t = turn(d.clock, { id: b.user.id, name: b.user.name }, b.team?.id ?? undefined, envelope.c, input);
    let replies: Reply[];
    try {
      replies = await d.bot.handle(t);
    } catch (err) {
      d.log.error({ err: (err as Error).message }, 'slack: the bot failed on a form');
      // Keep the modal open (nothing typed is lost) with the apology beside its last field.
      await ack({ response_action: 'errors', errors: { [view.blocks[view.blocks.length - 1]?.block_id ?? 'form']: d.strings.t('help.problem') } });
      return;
    }
    const refused = replies.find((r) => r.mode === 'form-errors');
    if (refused && refused.mode === 'form-errors') {
      await ack(formErrors(refused.errors));
      return;
    }
    const nextForm = replies.find((r) => r.mode === 'modal');
    if (nextForm) await ack({ response_action: 'update', view: modalView(nextForm.prompt, envelope) });
    else await ack();
    const origin: SlackOrigin = { client, channel: envelope.c, userId: b.user.id, messageTs: envelope.t, ephemeral: envelope.e, responseUrl: envelope.r };
    await deliver(replies.filter((r) => r !== nextForm), origin, d.log).catch((err: Error) => d.log.error({ err: err.message }, 'slack: delivery failed'));
  });

  app.event('app_mention', async ({ event, client, context }) => {
    if (!event.user) return;
    const t = turn(d.clock, { id: event.user }, context.teamId, event.channel, { kind: 'message', text: withoutMentions(event.text) });
    await run(t, { client, channel: event.channel, userId: event.user });
  });

  app.event('message', async ({ event, client, context }) => {
    // Only plain messages people send to the bot in its DM; edits, joins and bot posts are ignored.
    if (event.channel_type !== 'im' || event.subtype !== undefined || !('user' in event) || 'bot_id' in event) return;
    const t = turn(d.clock, { id: event.user }, context.teamId, event.channel, { kind: 'message', text: withoutMentions(event.text ?? '') });
    await run(t, { client, channel: event.channel, userId: event.user });
  });

  app.event('app_home_opened', async ({ event, client, context }) => {
    if (event.tab !== 'home') return;
    const t = turn(d.clock, { id: event.user }, context.teamId, event.channel, { kind: 'home' });
    await run(t, { client, channel: event.channel, userId: event.user });
  });
}
