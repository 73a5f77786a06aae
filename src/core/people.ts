/**
 * The one way to write who the bot has met and where (KnownUser, KnownConversation). A turn that only
 * moves "last seen" is bookkeeping: written `durable: false` (off the fsync path; losing it in a crash is
 * fine). Anything else (a first meeting, a new name, DM or Teams conversation reference, preferences) is
 * written durably. Writes are compare-and-set loops, so concurrent turns of one person lose nothing.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Person, Place } from './conversation.js';
import { conversationKey, userKey, type Collection, type KnownConversation, type KnownUser, type Store } from './ports.js';

/** Concurrent turns of one person are few; past this, something else is rewriting the record in a loop. */
const MAX_ATTEMPTS = 20;

/**
 * Writes `make(current)` with compare-and-set, retrying when another writer got there first. Durable
 * unless the only change is to `lastSeen`. `make` may run more than once.
 */
async function upsert<T extends { lastSeen: string }>(
  collection: Collection<T>,
  key: string,
  make: (current: T | undefined) => T,
  /** The record without its bookkeeping: a write that changes only bookkeeping is not durable. */
  material: (value: T) => unknown = (v) => ({ ...v, lastSeen: '' }),
): Promise<T> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await collection.read(key);
    const next = make(current?.value);
    const durable = !current || !isDeepStrictEqual(material(current.value), material(next));
    if (current && !durable && current.value.lastSeen >= next.lastSeen) return current.value; // nothing new
    if ((await collection.putIf(key, next, current?.revision ?? 0, { durable })) !== undefined) return next;
  }
  throw new Error(`Could not record ${key.split(':')[0]} record after ${MAX_ATTEMPTS} attempts: it kept changing.`);
}

/** Drops undefined fields, so a record read back from JSON compares equal to one built in memory. */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * Records that `who` was seen at `at` (and, when `where` is their DM, its id), and applies `change`
 * (preferences) to their record.
 */
export function upsertUser(
  store: Store,
  who: Person,
  at: Date,
  opts: { where?: Place; change?: (u: KnownUser) => KnownUser } = {},
): Promise<KnownUser> {
  const now = at.toISOString();
  const { where, change } = opts;
  return upsert(store.users, userKey(who.platform, who.id), (u) => {
    const merged: KnownUser = defined({
      ...u,
      platform: who.platform,
      id: who.id,
      name: who.name ?? u?.name,
      teamId: who.teamId ?? u?.teamId,
      firstSeen: u?.firstSeen ?? now,
      lastSeen: u && u.lastSeen > now ? u.lastSeen : now,
      dmConversationId: where?.kind === 'dm' && where.id !== who.id ? where.id : u?.dmConversationId,
    });
    return change ? defined(change(merged)) : merged;
  });
}

/** Records that the bot was in `where` at `at`, with its Teams conversation reference when it has one. */
export function upsertConversation(store: Store, where: Place, at: Date): Promise<KnownConversation> {
  const now = at.toISOString();
  return upsert(store.conversations, conversationKey(where.platform, where.id), (c) =>
    defined({
      platform: where.platform,
      id: where.id,
      kind: where.kind,
      teamId: where.teamId ?? c?.teamId,
      reference: where.reference ?? c?.reference,
      firstSeen: c?.firstSeen ?? now,
      lastSeen: c && c.lastSeen > now ? c.lastSeen : now,
    }),
    // A Teams reference names the last activity, which changes every turn; only the rest matters durably.
    (c) => ({ ...c, lastSeen: '', reference: c.reference && { ...c.reference, activityId: undefined } }),
  );
}

/**
 * Both records for a turn. The conversation is written first and durably when it is new, so a crash
 * between the two writes can leave a conversation without its person (written again next turn), never a
 * person without their conversation.
 */
export async function rememberTurn(store: Store, who: Person, where: Place, at: Date): Promise<void> {
  await upsertConversation(store, where, at);
  // Talking to the bot makes a person reachable again (the scheduler marks those who blocked it).
  await upsertUser(store, who, at, { where, change: ({ unreachable: _gone, ...u }) => u });
}

/**
 * One person's key across Slack and Teams, from an email address one platform's own directory gave (Slack's
 * users.list, the Teams staff team's roster). A hash of the lower-cased address, so matching never keeps or
 * compares the address itself; undefined for anything that is not an address.
 */
export function emailIdentity(email: string | undefined): string | undefined {
  const e = email?.trim().toLowerCase();
  if (!e || !/^[^\s@]+@[^\s@]+$/.test(e)) return undefined;
  return `email:${createHash('sha256').update(e).digest('hex').slice(0, 32)}`;
}
