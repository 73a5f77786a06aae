/** Builds correctly signed Slack requests, as Slack sends them, and posts them to the running server. */
import { createHmac } from 'node:crypto';
import { TEAM } from './fake-slack.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export interface SlackPost {
  status: number;
  text: string;
  json?: Record<string, unknown>;
}

export function sign(body: string, secret = SIGNING_SECRET, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}

export async function postSlack(
  url: string,
  body: string,
  contentType: string,
  headers: Record<string, string> = sign(body),
): Promise<SlackPost> {
  const res = await fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

// Bolt compares the content type exactly: no charset.
export const FORM = 'application/x-www-form-urlencoded';

let sequence = 0;
/** Slack gives every interaction its own trigger id (SafeCall dedupes by it); `trigger-<user>.<n>` keeps the person readable. */
export const triggerId = (user: string) => `trigger-${user}.${++sequence}`;
const actionTs = () => `${1_700_000_000 + ++sequence}.000001`;

export function slashCommand(o: { user: string; channel: string; text: string; team?: string; responseUrl?: string; triggerId?: string }): string {
  return new URLSearchParams({
    token: 'legacy',
    team_id: o.team ?? TEAM,
    team_domain: 'school',
    channel_id: o.channel,
    channel_name: o.channel.startsWith('D') ? 'directmessage' : 'general',
    user_id: o.user,
    user_name: `name-${o.user}`,
    command: '/safecall',
    text: o.text,
    api_app_id: 'A0SAFECALL',
    response_url: o.responseUrl ?? 'http://127.0.0.1:9/respond',
    trigger_id: o.triggerId ?? triggerId(o.user),
  }).toString();
}

export function payload(p: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(p) }).toString();
}

export function blockAction(o: {
  user: string;
  channel: string;
  actionId: string;
  value?: string;
  selected?: string;
  messageTs?: string;
  team?: string;
  responseUrl?: string;
}): string {
  const action = o.selected
    ? { type: 'static_select', action_id: o.actionId, block_id: 'b1', selected_option: { value: o.selected, text: { type: 'plain_text', text: o.selected } }, action_ts: actionTs() }
    : { type: 'button', action_id: o.actionId, block_id: 'b1', value: o.value ?? '', text: { type: 'plain_text', text: 'x' }, action_ts: actionTs() };
  return payload({
    type: 'block_actions',
    team: { id: o.team ?? TEAM, domain: 'school' },
    user: { id: o.user, username: `name-${o.user}`, name: `name-${o.user}`, team_id: o.team ?? TEAM },
    api_app_id: 'A0SAFECALL',
    token: 'legacy',
    container: { type: 'message', message_ts: o.messageTs ?? '1700000000.000100', channel_id: o.channel, is_ephemeral: false },
    trigger_id: triggerId(o.user),
    channel: { id: o.channel, name: 'general' },
    message: { type: 'message', ts: o.messageTs ?? '1700000000.000100', text: 'x' },
    response_url: o.responseUrl ?? 'http://127.0.0.1:9/respond',
    actions: [action],
  });
}

export function viewSubmission(o: {
  user: string;
  callbackId: string;
  values: Record<string, Record<string, unknown>>;
  privateMetadata?: string;
  team?: string;
  /** The open view's blocks; by default its input blocks, one per value (Slack sends a value for every input). */
  blocks?: { type: string; block_id?: string }[];
}): string {
  return payload({
    type: 'view_submission',
    team: { id: o.team ?? TEAM, domain: 'school' },
    user: { id: o.user, username: `name-${o.user}`, name: `name-${o.user}`, team_id: o.team ?? TEAM },
    api_app_id: 'A0SAFECALL',
    token: 'legacy',
    trigger_id: triggerId(o.user),
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: o.callbackId,
      private_metadata: o.privateMetadata ?? '',
      blocks: o.blocks ?? Object.keys(o.values).map((k) => ({ type: 'input', block_id: k })),
      state: { values: Object.fromEntries(Object.entries(o.values).map(([k, v]) => [k, { [k]: v }])) },
      hash: 'h',
    },
  });
}

export function event(e: Record<string, unknown>, team = TEAM): string {
  return JSON.stringify({
    token: 'legacy',
    team_id: team,
    api_app_id: 'A0SAFECALL',
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 10)}`,
    event_time: Math.floor(Date.now() / 1000),
    event: e,
  });
}

/** A global shortcut (the ⚡ menu), as Slack sends it: no channel. */
export function globalShortcut(o: { user: string; callbackId: string; team?: string; triggerId?: string }): string {
  return payload({
    type: 'shortcut',
    token: 'legacy',
    action_ts: actionTs(),
    team: { id: o.team ?? TEAM, domain: 'school' },
    user: { id: o.user, username: `name-${o.user}`, team_id: o.team ?? TEAM },
    is_enterprise_install: false,
    callback_id: o.callbackId,
    trigger_id: o.triggerId ?? triggerId(o.user),
  });
}

/** A message shortcut (a message's "…" menu), as Slack sends it: with the channel and the message. */
export function messageShortcut(o: { user: string; callbackId: string; channel: string; messageTs: string; threadTs?: string; author?: string; text?: string; team?: string; responseUrl?: string }): string {
  return payload({
    type: 'message_action',
    token: 'legacy',
    action_ts: actionTs(),
    team: { id: o.team ?? TEAM, domain: 'school' },
    user: { id: o.user, username: `name-${o.user}`, team_id: o.team ?? TEAM, name: `name-${o.user}` },
    channel: { id: o.channel, name: 'general' },
    is_enterprise_install: false,
    callback_id: o.callbackId,
    trigger_id: triggerId(o.user),
    response_url: o.responseUrl ?? 'http://127.0.0.1:9/respond',
    message_ts: o.messageTs,
    message: { type: 'message', user: o.author ?? 'U0AUTHOR', ts: o.messageTs, text: o.text ?? 'a message', ...(o.threadTs ? { thread_ts: o.threadTs } : {}) },
  });
}
