/**
 * A fake Bot Connector service (the far side of botbuilder's ConnectorClient). Records every activity sent.
 * Speaks the documented shapes of: sending and updating activities (POST/PUT /v3/conversations/{id}/activities),
 * creating a 1:1 conversation (POST /v3/conversations with ConversationParameters: the same member gets the
 * same conversation, as Teams answers), and a team's roster (GET /v3/conversations/{teamId}/pagedmembers with
 * pageSize and continuationToken, answering { members: TeamsChannelAccount[], continuationToken }).
 */
import { RecordingServer, type Recorded } from './recorder.js';

/** A member as the roster gives it (TeamsChannelAccount). */
export interface RosterMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  givenName?: string;
  surname?: string;
  tenantId?: string;
  userRole?: 'user' | 'guest';
}

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
  /** Teams' rosters by team id; a team not here answers 403 BotNotInConversationRoster (SafeCall not added to it). */
  readonly rosters = new Map<string, RosterMember[]>();
  /** Members a 1:1 may not be created with (the app not installed for them, not in a team with the bot). */
  readonly refuseChat = new Map<string, { status: number; code: string }>();
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
      if (r.path === '/v3/conversations' && r.method === 'POST') return this.createConversation(r);
      const paged = /^\/v3\/conversations\/([^/]+)\/pagedmembers$/.exec(r.path.split('?')[0]!);
      if (paged && r.method === 'GET') return this.pagedMembers(decodeURIComponent(paged[1]!), new URLSearchParams(r.path.split('?')[1] ?? ''));
      // Where an accepted file is PUT (the uploadUrl a test gives in its fileConsent/invoke).
      if (r.path.startsWith('/files/') && r.method === 'PUT') return { status: 201, body: { id: r.path.slice('/files/'.length) } };
      return undefined;
    });
  }

  /** POST /v3/conversations: a 1:1 with `members[0]` (one conversation per member, as Teams keeps it). */
  private createConversation(r: Recorded) {
    const body = r.body as { isGroup?: boolean; members?: { id?: string }[]; tenantId?: string; bot?: { id?: string } };
    const member = body.members?.[0]?.id;
    if (!member || !body.bot?.id) return { status: 400, body: { error: { code: 'BadArgument', message: 'members and bot are required' } } };
    const refused = this.refuseCreate ?? this.refuseChat.get(member);
    if (refused) return { status: refused.status, body: { error: { code: refused.code, message: 'refused by the fake' } } };
    return { status: 201, body: { id: oneToOneOf(member) } };
  }

  /** GET /v3/conversations/{teamId}/pagedmembers?pageSize=&continuationToken= */
  private pagedMembers(teamId: string, q: URLSearchParams) {
    const roster = this.rosters.get(teamId);
    if (!roster) return { status: 403, body: { error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } } };
    const size = Math.min(Number(q.get('pageSize') ?? 200) || 200, 500);
    const from = Number(q.get('continuationToken') ?? 0) || 0;
    const members = roster.slice(from, from + size);
    return { body: { members, ...(from + size < roster.length ? { continuationToken: String(from + size) } : {}) } };
  }

  /** The roster pages read (GET pagedmembers), for a team. */
  rosterReads(teamId: string): Recorded[] {
    return this.calls.filter((c) => c.method === 'GET' && c.path.startsWith(`/v3/conversations/${encodeURIComponent(teamId)}/pagedmembers`));
  }

  /** The 1:1 conversations the bot asked to create (POST /v3/conversations), by member id. */
  chatsCreated(): string[] {
    return this.calls.filter((c) => c.method === 'POST' && c.path === '/v3/conversations').map((c) => String((c.body.members as { id?: string }[] | undefined)?.[0]?.id ?? ''));
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
      .filter((c) => /^\/v3\/conversations\/[^/]+\/activities/.test(c.path) && (!conversationId || c.path.includes(encodeURIComponent(conversationId))))
      .map((c) => ({ ...c, kind: c.method === 'PUT' ? ('update' as const) : ('send' as const) }));
  }

  /** The first activity sent to one conversation (ids are URL-encoded in the path). */
  waitForConversation(conversationId: string, timeoutMs?: number): Promise<Recorded> {
    return this.waitForActivity((a) => a.path.includes(`/v3/conversations/${encodeURIComponent(conversationId)}/`), timeoutMs);
  }

  waitForActivity(pred: (a: Recorded) => boolean = () => true, timeoutMs?: number): Promise<Recorded> {
    return this.waitFor((c) => /^\/v3\/conversations\/[^/]+\/activities/.test(c.path) && pred(c), timeoutMs);
  }
}

/** The 1:1 conversation id the fake gives a member. */
export const oneToOneOf = (member: string) => `a:1:${member}`;
