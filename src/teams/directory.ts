/**
 * Teams' side of "who is on the staff", for the term-end reminders (mirrors src/slack/directory.ts):
 * - the members of the optional staff team (settings teams.staffTeam), from the Bot Framework roster:
 *   GET /v3/conversations/{teamId}/pagedmembers (TeamsInfo.getPagedMembers), paged. It needs no Microsoft
 *   Graph permission, only SafeCall added to that team; it gives each member's ids, name, email and user
 *   principal name (the email is used only to match their Slack account, and never stored);
 * - the 1:1 chat with one of them who never wrote to SafeCall: POST /v3/conversations with
 *   ConversationParameters (the member, the tenant, the bot; CloudAdapter.createConversationAsync) at the
 *   serviceUrl of a conversation SafeCall already has in their tenant. Teams allows it when SafeCall is in a
 *   team the person is in, or installed for them (an app setup policy: docs/reminders.md). The conversation
 *   is stored (conversations, and the person's dmConversationId), so it is created once.
 * Errors are answered as a reason (the HTTP status and code, or `not-installed`), never thrown.
 */
import { TeamsInfo, type CloudAdapter, type ConversationParameters, type ConversationReference } from 'botbuilder';
import pTimeout from 'p-timeout';
import { conversationKey, userKey, type KnownConversation, type Log, type Store } from '../core/ports.js';
import { upsertConversation } from '../core/people.js';
import type { Address } from '../core/schedule/types.js';
import { CONNECTOR_TIMEOUT_MS } from './adapter.js';

/** One member of the staff team. `id` is the Microsoft Entra object id, the id SafeCall keeps for a Teams person. */
export interface TeamsMember {
  id: string;
  name?: string;
  email?: string;
  tenantId?: string;
}

export interface TeamsDirectory {
  teamMembers(teamId: string): Promise<TeamsMember[] | { problem: string }>;
}

export interface TeamsDirectoryOptions {
  adapter: CloudAdapter;
  appId: string;
  store: Store;
  log: Log;
  /** Local mode: only loopback serviceUrls may be called. */
  mayCall?: (serviceUrl: string | undefined) => boolean;
  timeoutMs?: number;
}

/** Pages of the roster: Teams gives at most 500 a page; 100 pages is 50,000 people, beyond any school. */
const PAGE_SIZE = 500;
const MAX_PAGES = 100;

/** A Bot Connector failure as a reason: `403_Forbidden`, `404_NotFound`, `timeout`… (status and code only). */
export function reasonOf(err: unknown): string {
  const e = err as { statusCode?: number; code?: string; name?: string; response?: { status?: number; bodyAsText?: string } };
  const status = e.statusCode ?? e.response?.status;
  const code = /"code"\s*:\s*"([A-Za-z]+)"/.exec(e.response?.bodyAsText ?? '')?.[1] ?? e.code;
  if (status !== undefined) return code ? `${status}_${code}` : `http_${status}`;
  return e.name === 'TimeoutError' ? 'timeout' : (e.code ?? 'request_error');
}

/** A conversation SafeCall has in `tenant` (any, when the tenant is not known), for its serviceUrl and the bot's account. */
async function anyReference(store: Store, tenant: string | undefined, prefer?: string): Promise<Partial<ConversationReference> | undefined> {
  if (prefer) {
    const known = await store.conversations.get(conversationKey('teams', prefer));
    if (known?.reference) return known.reference as Partial<ConversationReference>;
  }
  const places = tenant ? ['channel', 'dm', 'group'].map((k) => `teams:${tenant}:${k}`) : [];
  for (const place of places) {
    const [found] = await store.conversations.query({ index: 'place', equals: place, limit: 1 });
    if (found?.value.reference) return found.value.reference as Partial<ConversationReference>;
  }
  if (tenant) return undefined;
  const [any] = await store.conversations.query({ index: 'place', from: 'teams:', before: 'teams;', limit: 1 });
  return any?.value.reference as Partial<ConversationReference> | undefined;
}

export function teamsDirectory(o: TeamsDirectoryOptions): TeamsDirectory {
  const timeout = <T>(work: Promise<T>) => pTimeout(work, { milliseconds: o.timeoutMs ?? CONNECTOR_TIMEOUT_MS, message: 'the Bot Connector did not answer in time' });
  return {
    async teamMembers(teamId) {
      // The team's own conversation (its General channel's id is the team's id) is stored when SafeCall is added.
      const reference = await anyReference(o.store, undefined, teamId);
      if (!reference?.serviceUrl) return { problem: 'not-installed' };
      if (o.mayCall && !o.mayCall(reference.serviceUrl)) return { problem: 'non-loopback-service-url' };
      const members: TeamsMember[] = [];
      let failure: unknown;
      const tenant = reference.conversation?.tenantId;
      const inTeam: Partial<ConversationReference> = { ...reference, conversation: { ...reference.conversation!, id: teamId, conversationType: 'channel', isGroup: true } };
      try {
        await timeout(
          o.adapter.continueConversationAsync(o.appId, inTeam, async (ctx) => {
            try {
              let token: string | undefined;
              for (let page = 0; page < MAX_PAGES; page++) {
                const r = await TeamsInfo.getPagedMembers(ctx, PAGE_SIZE, token);
                for (const m of r.members ?? []) {
                  const id = m.aadObjectId ?? m.id;
                  if (!id) continue;
                  const email = m.email ?? m.userPrincipalName;
                  members.push({ id, ...(m.name ? { name: m.name } : {}), ...(email ? { email } : {}), ...((m.tenantId ?? tenant) ? { tenantId: m.tenantId ?? tenant } : {}) });
                }
                token = r.continuationToken || undefined;
                if (!token) break;
              }
            } catch (err) {
              // Caught here: the adapter's onTurnError would otherwise swallow it.
              failure = err;
            }
          }),
        );
      } catch (err) {
        failure ??= err;
      }
      if (failure !== undefined) {
        const problem = reasonOf(failure);
        o.log.warn({ teams: 'pagedmembers', error: problem }, 'teams: could not read the staff team members');
        return { problem };
      }
      return members;
    },
  };
}

/**
 * Opens (creates, or finds: Teams answers a 1:1 that exists with its id) the 1:1 chat with `to.userId` in
 * tenant `to.teamId`, and stores it. Resolves to the conversation and its reference, or why not.
 */
export async function openOneToOne(o: TeamsDirectoryOptions, to: Address, now: Date): Promise<{ conversationId: string; reference: Partial<ConversationReference> } | string> {
  if (!to.userId) return 'no-conversation';
  // The person's tenant: the address's, else the one they were last seen in (a DPO named in the settings).
  const tenant = to.teamId ?? (await o.store.users.get(userKey('teams', to.userId)))?.teamId;
  const via = await anyReference(o.store, tenant);
  if (!via?.serviceUrl || !via.bot) return 'no-conversation';
  if (o.mayCall && !o.mayCall(via.serviceUrl)) return 'non-loopback-service-url';
  const tenantId = tenant ?? via.conversation?.tenantId;
  const parameters = {
    isGroup: false,
    bot: via.bot,
    members: [{ id: to.userId, aadObjectId: to.userId }],
    tenantId,
    channelData: tenantId ? { tenant: { id: tenantId } } : undefined,
  } as unknown as ConversationParameters;
  let conversationId: string | undefined;
  try {
    // No audience: the adapter's own (the Bot Connector's scope in the bot's cloud).
    const created = o.adapter.createConversationAsync(o.appId, 'msteams', via.serviceUrl, undefined as unknown as string, parameters, async (ctx) => {
      conversationId = ctx.activity.conversation?.id;
    });
    await pTimeout(created, { milliseconds: o.timeoutMs ?? CONNECTOR_TIMEOUT_MS, message: 'the Bot Connector did not answer in time' });
  } catch (err) {
    const e = err as { statusCode?: number; response?: { status?: number } };
    const status = e.statusCode ?? e.response?.status;
    // Teams refuses a 1:1 with someone SafeCall may not reach: not in a team with it, and not installed for them.
    if (status === 403 || status === 404) return `no-install-${reasonOf(err)}`;
    throw err;
  }
  if (!conversationId) return 'no-conversation';
  const reference: Partial<ConversationReference> = {
    channelId: 'msteams',
    serviceUrl: via.serviceUrl,
    bot: via.bot,
    user: { id: to.userId, name: '', aadObjectId: to.userId },
    conversation: { id: conversationId, conversationType: 'personal', isGroup: false, name: '', ...(tenantId ? { tenantId } : {}) },
  };
  const place: KnownConversation['kind'] = 'dm';
  await upsertConversation(o.store, { platform: 'teams', id: conversationId, kind: place, ...(tenantId ? { teamId: tenantId } : {}), reference: reference as Record<string, unknown> }, now);
  const at = now.toISOString();
  await o.store.users.update(userKey('teams', to.userId), (u) => ({ ...(u ?? { platform: 'teams' as const, id: to.userId!, firstSeen: at, lastSeen: at, ...(tenantId ? { teamId: tenantId } : {}) }), dmConversationId: conversationId }));
  o.log.info({ teams: 'createConversation' }, 'teams: opened a 1:1 chat with a staff team member');
  return { conversationId, reference };
}
