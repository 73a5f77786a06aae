/** A fake Bot Connector service (the far side of botbuilder's ConnectorClient). Records every activity sent. */
import { RecordingServer, type Recorded } from './recorder.js';

/** The Bot Connector's limits, enforced over a rolling window when set (`FakeConnector.rateLimit`). */
export interface ConnectorRateLimit {
  perConversation: number;
  tenant: number;
  windowMs: number;
  retryAfter?: number;
}

export class FakeConnector extends RecordingServer {
  private n = 0;
  /** Conversations whose sends are refused with this status and error code (e.g. 403 MessageWritesBlocked). */
  readonly refuse = new Map<string, { status: number; code: string }>();
  rateLimit?: ConnectorRateLimit;
  /**
   * Answers POST /v3/conversations (a bot opening a 1:1 chat) with this status and code, as Teams does for a
   * person who does not have the app; unset, the chat is created.
   */
  refuseCreate?: { status: number; code: string };
  /** Sends answered 429. */
  limited = 0;
  private recent: { at: number; conversation: string }[] = [];

  constructor() {
    super((r) => {
      const send = /^\/v3\/conversations\/([^/]+)\/activities(\/[^/]+)?$/.exec(r.path.split('?')[0]!);
      if (send) {
        const conversation = decodeURIComponent(send[1]!);
        const refused = this.refuse.get(conversation);
        if (refused) return { status: refused.status, body: { error: { code: refused.code, message: 'refused by the fake' } } };
        const limited = this.overLimit(conversation);
        if (limited) return limited;
      }
      if (/^\/v3\/conversations\/[^/]+\/activities(\/[^/]+)?$/.test(r.path.split('?')[0]!)) return { body: { id: `activity-${++this.n}` } };
      if (r.path === '/v3/conversations' && this.refuseCreate) return { status: this.refuseCreate.status, body: { error: { code: this.refuseCreate.code, message: 'refused by the fake' } } };
      if (r.path === '/v3/conversations') return { body: { id: `conv-${++this.n}` } };
      // Where an accepted file is PUT (the uploadUrl a test gives in its fileConsent/invoke).
      if (r.path.startsWith('/files/') && r.method === 'PUT') return { status: 201, body: { id: r.path.slice('/files/'.length) } };
      return undefined;
    });
  }

  /** New messages (not updates) the bot sent to one conversation. */
  sentTo(conversationId: string): Recorded[] {
    // Exact id: activities() matches by substring (conv-a1 would take conv-a10 too).
    return this.activities(conversationId).filter((a) => a.kind === 'send' && a.path.split('/')[3] === encodeURIComponent(conversationId) && (a.reply as { id?: string } | undefined)?.id);
  }

  private overLimit(conversation: string) {
    const limit = this.rateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    this.recent = this.recent.filter((p) => p.at > now - limit.windowMs);
    if (this.recent.length >= limit.tenant || this.recent.filter((p) => p.conversation === conversation).length >= limit.perConversation) {
      this.limited += 1;
      return { status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } }, headers: { 'retry-after': String(limit.retryAfter ?? 1) } };
    }
    this.recent.push({ at: now, conversation });
    return undefined;
  }

  /** Activities the bot sent or updated in one conversation (method POST = new, PUT = update). */
  activities(conversationId?: string): (Recorded & { kind: 'send' | 'update' })[] {
    return this.calls
      .filter((c) => c.path.startsWith('/v3/conversations/') && (!conversationId || c.path.includes(encodeURIComponent(conversationId))))
      .map((c) => ({ ...c, kind: c.method === 'PUT' ? ('update' as const) : ('send' as const) }));
  }

  /** The first activity sent to one conversation (ids are URL-encoded in the path). */
  waitForConversation(conversationId: string, timeoutMs?: number): Promise<Recorded> {
    return this.waitForActivity((a) => a.path.includes(`/v3/conversations/${encodeURIComponent(conversationId)}/`), timeoutMs);
  }

  waitForActivity(pred: (a: Recorded) => boolean = () => true, timeoutMs?: number): Promise<Recorded> {
    return this.waitFor((c) => c.path.startsWith('/v3/conversations/') && pred(c), timeoutMs);
  }
}
