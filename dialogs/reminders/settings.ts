/**
 * What the reminders read from the school's settings (src/config.ts parses them), and the staff lists they
 * read from the platforms. The policy asks for the settings at every tick, so terms imported into the
 * settings file while the server runs are picked up (src/settings-reload.ts).
 */
import type { Term } from '../../src/core/reminders/calendar.js';

export interface ReminderSettings {
  terms: Term[];
  reminders: { termEndTime: string; followUpDays: number; maxFollowUps: number; catchUpDays: number };
  dpiaSignedOff?: string;
  slack: { staffChannel?: string; dpo: string[]; dpoChannel?: string };
  teams: { dpo: string[]; staffTeam?: string };
}

/** A staff list that could not be read: the platform's error code, or `not-installed`. Never a name. */
export interface ListProblem {
  problem: string;
}

/** Slack (src/slack/directory.ts). */
export interface StaffDirectory {
  /** The staff channel's members; undefined or a problem when it cannot (no scope, not in the channel). */
  channelMembers(channelId: string): Promise<string[] | ListProblem | undefined>;
  /**
   * The workspace's members' email addresses by user id (users.list: needs users:read and users:read.email),
   * used only to match one person's Slack and Teams accounts; never stored.
   */
  emails?(): Promise<Map<string, string> | ListProblem>;
}

/** One member of the Teams staff team, as the Bot Framework roster gives it. */
export interface TeamMember {
  /** The Microsoft Entra object id: the id SafeCall keeps for a Teams person. */
  id: string;
  name?: string;
  /** Their email or user principal name: used only to match their Slack account, never stored. */
  email?: string;
  tenantId?: string;
}

/** Teams (src/teams/directory.ts). */
export interface TeamsStaffDirectory {
  /** The members of the team SafeCall is installed in (settings teams.staffTeam). */
  teamMembers(teamId: string): Promise<TeamMember[] | ListProblem>;
}

export const isProblem = (x: unknown): x is ListProblem => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Map) && 'problem' in x;
