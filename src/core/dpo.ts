/**
 * Where the data protection officer's messages go (incident alerts, the reminders' summaries, the DPIA
 * review): one answer for every feature. On each platform, the DPO channel (Slack: the settings'
 * `slack.dpoChannel`, else one set by "set dpo channel" there; Teams: the conversation set there), else a
 * direct message to each DPO named in the settings. "set dpo channel" writes through `setDpoConversation`.
 */
import type { Platform } from './conversation.js';
import type { Store } from './ports.js';
import type { Address } from './schedule/types.js';

/** store.runtime keys of the conversations set with "set dpo channel". */
export const DPO_RUNTIME_KEYS: Record<Platform, string> = { slack: 'slack.dpoChannel', teams: 'teams.dpoConversation' };

export async function setDpoConversation(store: Pick<Store, 'runtime'>, platform: Platform, conversationId: string, by: { platform: Platform; id: string }, at: Date): Promise<void> {
  await store.runtime.put(DPO_RUNTIME_KEYS[platform], { value: { conversationId }, setBy: by, setAt: at.toISOString() });
}

export async function dpoConversation(store: Pick<Store, 'runtime'>, platform: Platform): Promise<string | undefined> {
  const v = (await store.runtime.get(DPO_RUNTIME_KEYS[platform]))?.value as { conversationId?: unknown } | undefined;
  return typeof v?.conversationId === 'string' && v.conversationId ? v.conversationId : undefined;
}

/** `slackChannel`: the settings' slack.dpoChannel; `dpo`: the DPOs' user ids per platform. */
export async function dpoDestinations(store: Pick<Store, 'runtime'>, o: { slackChannel?: string; dpo: Record<Platform, readonly string[]> }): Promise<Address[]> {
  const out: Address[] = [];
  for (const platform of ['slack', 'teams'] as const) {
    const channel = (platform === 'slack' ? o.slackChannel : undefined) ?? (await dpoConversation(store, platform));
    if (channel) out.push({ platform, conversationId: channel });
    else out.push(...o.dpo[platform].map((userId): Address => ({ platform, userId })));
  }
  return out;
}
