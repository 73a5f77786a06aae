/**
 * A fake Slack Web API (the far side of Bolt's WebClient). Records every call; answers like Slack does.
 * `failNext(method, error)` makes the next call of a method fail with a Slack error code.
 */
import { RecordingServer, type Recorded } from './recorder.js';

export const BOT_USER = 'UBOT0001';
export const TEAM = 'T0SCHOOL';

/** Slack's chat.postMessage limits, enforced over a rolling window when set (`FakeSlack.rateLimit`). */
export interface SlackRateLimit {
  perChannel: number;
  workspace: number;
  /** The window both counts are over (Slack: one second per channel). */
  windowMs: number;
  /** Seconds in the Retry-After of a 429. */
  retryAfter?: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  /** Date.now() when it was posted. */
  at: number;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** The DM channel the fake opens for a user. */
export const dmOf = (user: string) => `D${user.replace(/^U/, '')}`;

export class FakeSlack extends RecordingServer {
  private ts = 1_700_000_000;
  private failures = new Map<string, string>();
  unreachable = false;
  /** Every message posted, by channel (for conversations.history and exactly-once checks). */
  readonly posted = new Map<string, PostedMessage[]>();
  /** Users whose DM answers this error (e.g. `user_disabled`, `messages_tab_disabled`). */
  readonly refuse = new Map<string, string>();
  /** Channels the bot has not been invited to: chat.postMessage there answers `not_in_channel` (delete one to invite). */
  readonly notIn = new Set<string>();
  /** Channel members, for conversations.members (the reminders' staff channel); unknown channels: not_in_channel. */
  readonly members = new Map<string, string[]>();
  /**
   * Workspace members' email addresses, for users.list (profile.email). Unset: users.list answers
   * missing_scope, as for an app without users:read and users:read.email.
   */
  emails?: Map<string, string>;
  rateLimit?: SlackRateLimit;
  /** Socket Mode: the URL `apps.connections.open` hands out (a FakeSocketMode's); unset, it answers as for an app without it. */
  socketModeUrl?: () => string;
  /**
   * While it returns true for a chat.postMessage, that call is neither posted nor answered until
   * `releaseStalled()` (then it answers 503): Slack stops answering mid fan-out, so a kill lands with the
   * rest in flight.
   */
  stall?: (channel: string) => boolean;
  private stalled: (() => void)[] = [];
  /** chat.postMessage calls answered 429. */
  limited = 0;
  readonly limitedAt: { channel: string; at: number }[] = [];
  private recent: { at: number; channel: string }[] = [];

  constructor() {
    super((r) => this.reply(r));
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** Stops stalling and answers the stalled calls (503: they were never posted). */
  releaseStalled(): void {
    this.stall = undefined;
    for (const release of this.stalled.splice(0)) release();
  }

  override async stop(): Promise<void> {
    this.releaseStalled();
    await super.stop();
  }

  failNext(method: string, error: string): void {
    this.failures.set(method, error);
  }

  /** The files uploaded through files.uploadV2, with the conversation each was shared to. */
  uploads(): { fileId: string; channel?: string; content: string; filename?: string }[] {
    return this.calls
      .filter((c) => c.path.startsWith('/upload/'))
      .map((c) => {
        const fileId = c.path.slice('/upload/'.length);
        const complete = this.callsOf('files.completeUploadExternal').find((x) => JSON.stringify(x.body.files ?? '').includes(fileId));
        const start = this.callsOf('files.getUploadURLExternal').find((x) => x.reply?.file_id === fileId);
        return { fileId, channel: complete?.body.channel_id as string | undefined, content: multipartContent(c.raw ?? ''), filename: start?.body.filename as string | undefined };
      });
  }

  /** Calls of one Web API method, e.g. `chat.postMessage`. */
  callsOf(method: string): Recorded[] {
    return this.calls.filter((c) => c.path === `/api/${method}`);
  }

  waitForMethod(method: string, pred: (body: Record<string, unknown>) => boolean = () => true, timeoutMs?: number): Promise<Recorded> {
    return this.waitFor((c) => c.path === `/api/${method}` && pred(c.body), timeoutMs);
  }

  /** Messages posted with SafeCall delivery metadata for this key (exactly-once checks). */
  postedWithKey(key: string): PostedMessage[] {
    return [...this.posted.values()].flat().filter((m) => m.metadata?.event_payload?.key === key);
  }

  /** 429 + Retry-After when this post would exceed the channel's or the workspace's rolling window. */
  private overLimit(channel: string) {
    const limit = this.rateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    this.recent = this.recent.filter((p) => p.at > now - limit.windowMs);
    if (this.recent.length >= limit.workspace || this.recent.filter((p) => p.channel === channel).length >= limit.perChannel) {
      this.limited += 1;
      this.limitedAt.push({ channel, at: now });
      return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(limit.retryAfter ?? 1) } };
    }
    this.recent.push({ at: now, channel });
    return undefined;
  }

  private reply(r: Recorded) {
    if (this.unreachable) return { status: 503, body: { ok: false, error: 'service_unavailable' } };
    if (r.path.startsWith('/respond/')) return { body: { ok: true } };
    // files.uploadV2's step 2: the file itself, sent to the upload_url that getUploadURLExternal gave.
    if (r.path.startsWith('/upload/')) return { body: { ok: true } };
    const method = r.path.replace(/^\/api\//, '');
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      return { body: { ok: false, error: failure } };
    }
    switch (method) {
      case 'conversations.members': {
        const members = this.members.get(String(r.body.channel));
        return { body: members ? { ok: true, members, response_metadata: { next_cursor: '' } } : { ok: false, error: 'not_in_channel' } };
      }
      case 'users.list': {
        if (!this.emails) return { body: { ok: false, error: 'missing_scope', needed: 'users:read', provided: 'chat:write' } };
        const all = [...this.emails].map(([id, email]) => ({ id, team_id: TEAM, name: id.toLowerCase(), deleted: false, is_bot: false, profile: { email, real_name: id } }));
        const from = Number(r.body.cursor ?? 0) || 0;
        const limit = Number(r.body.limit ?? 200) || 200;
        const next = from + limit < all.length ? String(from + limit) : '';
        return { body: { ok: true, members: all.slice(from, from + limit), response_metadata: { next_cursor: next } } };
      }
      case 'conversations.open': {
        const user = String(r.body.users ?? '');
        const refused = this.refuse.get(user);
        if (refused) return { body: { ok: false, error: refused } };
        return { body: { ok: true, channel: { id: dmOf(user) } } };
      }
      case 'conversations.history': {
        const messages = [...(this.posted.get(String(r.body.channel)) ?? [])].reverse().slice(0, Number(r.body.limit ?? 100));
        return { body: { ok: true, messages: messages.map((m) => ({ type: 'message', ts: m.ts, ...(r.body.include_all_metadata && m.metadata ? { metadata: m.metadata } : {}) })) } };
      }
      case 'apps.connections.open': {
        // Slack takes only the app-level token here; a bot token gets not_allowed_token_type.
        if (!String(r.headers.authorization ?? '').startsWith('Bearer xapp-')) return { body: { ok: false, error: 'not_allowed_token_type' } };
        if (!this.socketModeUrl) return { body: { ok: false, error: 'socket_mode_not_enabled' } };
        return { body: { ok: true, url: this.socketModeUrl() } };
      }
      case 'auth.test':
        return { body: { ok: true, user_id: BOT_USER, bot_id: 'BBOT0001', team_id: TEAM, team: 'School', user: 'safecall' } };
      case 'chat.postMessage': {
        const channel = String(r.body.channel);
        if (this.stall?.(channel)) {
          const after = new Promise<void>((release) => this.stalled.push(release));
          return { status: 503, body: { ok: false, error: 'service_unavailable' }, after };
        }
        const limited = this.overLimit(channel);
        if (limited) return limited;
        const refused = [...this.refuse].find(([user]) => dmOf(user) === channel)?.[1];
        if (refused) return { body: { ok: false, error: refused } };
        if (this.notIn.has(channel)) return { body: { ok: false, error: 'not_in_channel' } };
        const ts = `${++this.ts}.000100`;
        const list = this.posted.get(channel) ?? [];
        list.push({ channel, ts, at: Date.now(), metadata: r.body.metadata as PostedMessage['metadata'] });
        this.posted.set(channel, list);
        return { body: { ok: true, channel, ts, message: { text: r.body.text } } };
      }
      case 'chat.update':
        return { body: { ok: true, channel: r.body.channel, ts: r.body.ts } };
      case 'chat.postEphemeral':
        return { body: { ok: true, message_ts: `${++this.ts}.000200` } };
      case 'chat.getPermalink':
        return { body: { ok: true, channel: r.body.channel, permalink: `https://school.slack.com/archives/${String(r.body.channel)}/p${String(r.body.message_ts).replace('.', '')}` } };
      case 'files.getUploadURLExternal': {
        const id = `F${++this.ts}`;
        return { body: { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id } };
      }
      case 'files.completeUploadExternal': {
        const files = (typeof r.body.files === 'string' ? JSON.parse(r.body.files) : r.body.files) as { id: string; title?: string }[];
        return { body: { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) } };
      }
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return { body: { ok: true, view: { id: `V${++this.ts}` } } };
      default:
        return { body: { ok: true } };
    }
  }
}

/** The one part's content of a multipart/form-data body (the uploaded file). */
function multipartContent(raw: string): string {
  const boundary = raw.split('\r\n', 1)[0] ?? '';
  const part = raw.split(boundary)[1] ?? '';
  const start = part.indexOf('\r\n\r\n');
  return start < 0 ? '' : part.slice(start + 4).replace(/\r\n$/, '');
}
