/**
 * The members of the optional staff channel (settings slack.staffChannel), for the term-end reminders:
 * conversations.members, paged. Needs groups:read for a private channel (channels:read for a public one),
 * and the bot must be in the channel. And, only for a school on both Slack and Teams that gives the app
 * users:read and users:read.email, the members' email addresses (users.list, paged), to match each
 * person's Slack and Teams accounts: held in memory for that match, never stored or logged. On any error it
 * answers the Slack error code as the problem, and logs the code.
 */
import { WebClient } from '@slack/web-api';
import type { Log } from '../core/ports.js';

export interface SlackDirectory {
  channelMembers(channelId: string): Promise<string[] | { problem: string }>;
  emails(): Promise<Map<string, string> | { problem: string }>;
}

const codeOf = (err: unknown) => (err as { data?: { error?: string } }).data?.error ?? (err as { code?: string }).code ?? 'error';

export function slackDirectory(o: { token: string; apiUrl?: string; log: Log; client?: WebClient }): SlackDirectory {
  const client = o.client ?? new WebClient(o.token, { ...(o.apiUrl ? { slackApiUrl: o.apiUrl } : {}), retryConfig: { retries: 2 } });
  let self: Promise<string | undefined> | undefined;
  /** The bot's own user id (auth.test needs no scope): it is a member of the channel, but not staff. */
  const botUser = () =>
    (self ??= client.auth.test().then(
      (r) => r.user_id,
      () => {
        self = undefined;
        return undefined;
      },
    ));
  return {
    async channelMembers(channel) {
      const members: string[] = [];
      let cursor: string | undefined;
      try {
        for (let page = 0; page < 100; page++) {
          const r = await client.conversations.members({ channel, limit: 1000, ...(cursor ? { cursor } : {}) });
          members.push(...(r.members ?? []));
          cursor = r.response_metadata?.next_cursor || undefined;
          if (!cursor) break;
        }
        const me = await botUser();
        return members.filter((m) => m !== me);
      } catch (err) {
        const code = codeOf(err);
        o.log.warn({ slack: 'conversations.members', error: code }, 'slack: could not read the staff channel members');
        return { problem: code };
      }
    },
    async emails() {
      const found = new Map<string, string>();
      let cursor: string | undefined;
      try {
        for (let page = 0; page < 100; page++) {
          const r = await client.users.list({ limit: 200, ...(cursor ? { cursor } : {}) });
          for (const u of r.members ?? []) if (u.id && u.profile?.email && !u.deleted && !u.is_bot) found.set(u.id, u.profile.email);
          cursor = r.response_metadata?.next_cursor || undefined;
          if (!cursor) break;
        }
        return found;
      } catch (err) {
        const code = codeOf(err);
        o.log.warn({ slack: 'users.list', error: code }, 'slack: could not read email addresses to match Teams accounts');
        return { problem: code };
      }
    },
  };
}
