/**
 * The link to a message a message shortcut was used on ("Report this message"). The shortcut's trigger_id
 * must open the modal within 3 seconds, so Slack's own answer (chat.getPermalink, no scope needed, right for
 * threads and Enterprise Grid) is waited for only briefly; past that, or when Slack refuses (a conversation
 * the bot cannot see), the link is built from the payload's workspace domain, channel and ts.
 */
import type { WebClient } from '@slack/web-api';
import pTimeout from 'p-timeout';
import type { Log } from '../core/ports.js';

/** What is left of the 3 s for the bot's turn and views.open after asking Slack for the link. */
export const PERMALINK_WAIT_MS = 800;

export interface MessageAt {
  channel: string;
  ts: string;
  threadTs?: string;
  /** The workspace's subdomain (payload `team.domain`). */
  domain?: string;
}

/** `https://<domain>.slack.com/archives/<channel>/p<ts without the dot>` (Slack's own permalink form). */
export function builtPermalink(m: MessageAt): string {
  if (!m.domain || !/^[a-z0-9-]+$/i.test(m.domain) || !/^\d+\.\d+$/.test(m.ts)) return '';
  const thread = m.threadTs && m.threadTs !== m.ts && /^\d+\.\d+$/.test(m.threadTs) ? `?thread_ts=${m.threadTs}&cid=${m.channel}` : '';
  return `https://${m.domain}.slack.com/archives/${encodeURIComponent(m.channel)}/p${m.ts.replace('.', '')}${thread}`;
}

export async function messageLink(client: WebClient, m: MessageAt, log: Log, waitMs = PERMALINK_WAIT_MS): Promise<string> {
  try {
    const res = await pTimeout(client.chat.getPermalink({ channel: m.channel, message_ts: m.ts }), { milliseconds: waitMs });
    if (typeof res.permalink === 'string' && /^https:\/\//.test(res.permalink)) return res.permalink;
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error ?? ((err as Error).name === 'TimeoutError' ? 'timeout' : 'request_failed');
    log.info({ code }, 'slack: no permalink from Slack for a reported message; built it from the payload');
  }
  return builtPermalink(m);
}
