/**
 * Who a term-end round reminds: everyone in store.users on both platforms (on Teams the 1:1 conversation
 * stored with their reference), the members of the optional Slack staff channel and Teams staff team, as
 * people rather than accounts: someone on both Slack and Teams is one person, matched by the email address
 * each platform's own directory gives (a hash of it; the address is never stored), and gets one reminder.
 * And where a DPO message goes: the DPO channel or conversation when one is set, else the DPOs' DMs.
 */
import type { Deps } from '../../src/core/deps.js';
import type { Platform } from '../../src/core/conversation.js';
import type { CallPlatform } from '../../src/core/guidance/schema.js';
import type { Address } from '../../src/core/schedule/types.js';
import { emailIdentity } from '../../src/core/people.js';
import { OPT_OUT_ROUND, type DirectoryProblem, type PersonRef } from '../../src/core/records/reminder.js';
import { isProblem, type ReminderSettings, type StaffDirectory, type TeamsStaffDirectory } from './settings.js';
import { dpoDestinations } from '../../src/core/dpo.js';

export interface Recipient {
  person: PersonRef;
  to: Address;
  callPlatform?: CallPlatform;
  /** When they last talked to SafeCall; unset for a staff list member who never has. */
  lastSeen?: string;
  /** A platform refused a message to them for good (KnownUser.unreachable). */
  unreachable?: boolean;
  /** Their email's hash (people.ts emailIdentity): the same on their Slack and Teams accounts. */
  identity?: string;
}

/** One person: the account the reminder goes to, and their other accounts (answers there count too). */
export interface Staff {
  main: Recipient;
  others: Recipient[];
}

export interface Directories {
  slack?: StaffDirectory;
  teams?: TeamsStaffDirectory;
}

export const personId = (p: { platform: string; id: string }) => `${p.platform}:${p.id}`;

/** Everyone the bot knows or the staff lists name, by account, with what the lists could not give. */
async function accounts(deps: Pick<Deps, 'store' | 'log'>, settings: ReminderSettings, dirs: Directories) {
  const found = new Map<string, Recipient>();
  const problems: DirectoryProblem[] = [];
  for (const platform of ['slack', 'teams'] as Platform[]) {
    for (const { value: u } of await deps.store.users.query({ index: 'platform', equals: platform })) {
      const to: Address = { platform, userId: u.id, ...(u.teamId ? { teamId: u.teamId } : {}), ...(u.dmConversationId ? { conversationId: u.dmConversationId } : {}) };
      found.set(personId(u), {
        person: { platform, id: u.id, ...(u.name ? { name: u.name } : {}) },
        to,
        lastSeen: u.lastSeen,
        ...(u.unreachable ? { unreachable: true } : {}),
        ...(u.prefs?.callPlatform ? { callPlatform: u.prefs.callPlatform } : {}),
      });
    }
  }
  const channel = settings.slack.staffChannel;
  if (channel && dirs.slack) {
    const members = await dirs.slack.channelMembers(channel);
    if (!Array.isArray(members)) {
      problems.push({ source: 'slack-staff-channel', reason: members?.problem ?? 'unreadable' });
      deps.log.warn({ reminders: 'staff-channel', channel }, 'could not read the staff channel members: only people who used the bot are reminded on Slack');
    }
    for (const id of Array.isArray(members) ? members : []) {
      const key = personId({ platform: 'slack', id });
      if (!found.has(key)) found.set(key, { person: { platform: 'slack', id }, to: { platform: 'slack', userId: id } });
    }
  }
  const team = settings.teams.staffTeam;
  if (team && dirs.teams) {
    const members = await dirs.teams.teamMembers(team);
    if (isProblem(members)) {
      problems.push({ source: 'teams-staff-team', reason: members.problem });
      deps.log.warn({ reminders: 'staff-team', reason: members.problem }, 'could not read the Teams staff team members: only people who used the bot are reminded on Teams');
    }
    for (const m of isProblem(members) ? [] : members) {
      const key = personId({ platform: 'teams', id: m.id });
      const known = found.get(key);
      const identity = emailIdentity(m.email);
      if (known) {
        if (identity) known.identity = identity;
        // A member SafeCall opened a 1:1 with last term is stored without a name: the roster has it.
        if (!known.person.name && m.name) known.person = { ...known.person, name: m.name };
        continue;
      }
      found.set(key, {
        person: { platform: 'teams', id: m.id, ...(m.name ? { name: m.name } : {}) },
        to: { platform: 'teams', userId: m.id, ...(m.tenantId ? { teamId: m.tenantId } : {}) },
        ...(identity ? { identity } : {}),
      });
    }
  }
  return { found, problems };
}

/** Slack's side of the email match, read only when both platforms have someone to remind. */
async function matchSlack(found: Map<string, Recipient>, dirs: Directories, problems: DirectoryProblem[]): Promise<void> {
  const all = [...found.values()];
  const both = all.some((r) => r.person.platform === 'slack') && all.some((r) => r.person.platform === 'teams' && r.identity);
  if (!both || !dirs.slack?.emails) return;
  const emails = await dirs.slack.emails();
  if (isProblem(emails)) {
    problems.push({ source: 'slack-emails', reason: emails.problem });
    return;
  }
  for (const r of all) {
    if (r.person.platform !== 'slack') continue;
    const identity = emailIdentity(emails.get(r.person.id));
    if (identity) r.identity = identity;
  }
}

/**
 * Of one person's accounts, the one to remind: one a platform has not refused, then one with a known
 * conversation (a Teams account without one needs the staff team to be messaged), then the one they used
 * last, then Slack.
 */
export function mainAccount(accounts: readonly Recipient[]): Recipient {
  const score = (r: Recipient) => [r.unreachable ? 0 : 1, r.to.platform === 'slack' || r.to.conversationId ? 1 : 0, r.lastSeen ?? ''] as const;
  return [...accounts].sort((a, b) => {
    const [x, y] = [score(a), score(b)];
    return y[0] - x[0] || y[1] - x[1] || y[2].localeCompare(x[2]) || a.to.platform.localeCompare(b.to.platform);
  })[0]!;
}

/** The people to remind, one entry each, and the staff lists that could not be read. */
export async function staffToRemind(deps: Pick<Deps, 'store' | 'log'>, settings: ReminderSettings, dirs: Directories): Promise<{ staff: Staff[]; problems: DirectoryProblem[] }> {
  const { found, problems } = await accounts(deps, settings, dirs);
  await matchSlack(found, dirs, problems);
  const byIdentity = new Map<string, Recipient[]>();
  for (const r of found.values()) {
    const key = r.identity ?? personId(r.person);
    byIdentity.set(key, [...(byIdentity.get(key) ?? []), r]);
  }
  const staff = [...byIdentity.values()].map((group) => {
    const main = mainAccount(group);
    return { main, others: group.filter((r) => r !== main) };
  });
  return { staff, problems };
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
