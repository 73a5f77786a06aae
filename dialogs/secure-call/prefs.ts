/** The setup preferences remembered per person (KnownUser.prefs): their call platform and the account steps seen. */
import type { Person } from '../../src/core/conversation.js';
import type { CallPlatform } from '../../src/core/guidance/schema.js';
import { upsertUser } from '../../src/core/people.js';
import { userKey, type KnownUser, type Store } from '../../src/core/ports.js';

export type Prefs = NonNullable<KnownUser['prefs']>;

export async function readPrefs(store: Store, who: Person): Promise<Prefs> {
  return (await store.users.get(userKey(who.platform, who.id)))?.prefs ?? {};
}

export async function updatePrefs(store: Store, who: Person, now: Date, change: (prefs: Prefs) => Prefs): Promise<void> {
  await upsertUser(store, who, now, { change: (u) => ({ ...u, prefs: change(u.prefs ?? {}) }) });
}

export const rememberPlatform = (platform: CallPlatform) => (prefs: Prefs): Prefs => ({ ...prefs, callPlatform: platform });

export const rememberAccountSteps = (ids: string[]) => (prefs: Prefs): Prefs => ({
  ...prefs,
  accountStepsSeen: [...new Set([...(prefs.accountStepsSeen ?? []), ...ids])],
});
