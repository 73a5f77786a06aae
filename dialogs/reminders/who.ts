/**
 * Who the bot knows, for a term-end round: everyone in store.users on both platforms (on Teams the 1:1
 * conversation stored with their reference), plus on Slack the members of the optional staff channel.
 * And where a DPO message goes: the DPO channel or conversation when one is set, else the DPOs' DMs.
 */
import type { Deps } from '../../src/core/deps.js';
import type { Platform } from '../../src/core/conversation.js';
import type { CallPlatform } from '../../src/core/guidance/schema.js';
import type { Address } from '../../src/core/schedule/types.js';
import { OPT_OUT_ROUND, type PersonRef } from '../../src/core/records/reminder.js';
import { type ReminderSettings, type StaffDirectory } from './settings.js';
import { dpoDestinations } from '../../src/core/dpo.js';

export interface Recipient {
  person: PersonRef;
  to: Address;
  callPlatform?: CallPlatform;
}

export const personId = (p: { platform: string; id: string }) => `${p.platform}:${p.id}`;

export async function knownPeople(deps: Pick<Deps, 'store' | 'log'>, settings: ReminderSettings, directory?: StaffDirectory): Promise<Recipient[]> {
  const found = new Map<string, Recipient>();
  for (const platform of ['slack', 'teams'] as Platform[]) {
    for (const { value: u } of await deps.store.users.query({ index: 'platform', equals: platform })) {
      const to: Address = { platform, userId: u.id, ...(u.teamId ? { teamId: u.teamId } : {}), ...(u.dmConversationId ? { conversationId: u.dmConversationId } : {}) };
      found.set(personId(u), { person: { platform, id: u.id, ...(u.name ? { name: u.name } : {}) }, to, ...(u.prefs?.callPlatform ? { callPlatform: u.prefs.callPlatform } : {}) });
    }
  }
  const channel = settings.slack.staffChannel;
  if (channel && directory) {
    const members = await directory.channelMembers(channel);
    if (!members) deps.log.warn({ reminders: 'staff-channel', channel }, 'could not read the staff channel members: only people who used the bot are reminded');
    for (const id of members ?? []) {
      const key = personId({ platform: 'slack', id });
      if (!found.has(key)) found.set(key, { person: { platform: 'slack', id }, to: { platform: 'slack', userId: id } });
    }
  }
  return [...found.values()];
}

export async function optedOut(deps: Pick<Deps, 'store'>): Promise<Set<string>> {
  const records = await deps.store.reminders.query({ index: 'round', equals: OPT_OUT_ROUND });
  return new Set(records.flatMap((r) => (r.value.person ? [personId(r.value.person)] : [])));
}

/** Where the DPO's messages go on each platform. */
export function dpoTargets(deps: Pick<Deps, 'store'>, settings: ReminderSettings): Promise<Address[]> {
  return dpoDestinations(deps.store, { slackChannel: settings.slack.dpoChannel, dpo: { slack: settings.slack.dpo, teams: settings.teams.dpo } });
}

export const targetId = (a: Address) => `${a.platform}:${a.conversationId ?? a.userId ?? ''}`;
