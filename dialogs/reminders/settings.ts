/**
 * What the reminders read from the school's settings (src/config.ts parses them). The policy asks for them
 * at every tick, so terms imported into the settings file while the server runs are picked up
 * (src/settings-reload.ts).
 */
import type { Term } from '../../src/core/reminders/calendar.js';

export interface ReminderSettings {
  terms: Term[];
  reminders: { termEndTime: string; followUpDays: number; maxFollowUps: number; catchUpDays: number };
  dpiaSignedOff?: string;
  slack: { staffChannel?: string; dpo: string[]; dpoChannel?: string };
  teams: { dpo: string[] };
}

/** Reads the members of a Slack channel (src/slack/directory.ts); undefined when it cannot (no scope, not in it). */
export interface StaffDirectory {
  channelMembers(channelId: string): Promise<string[] | undefined>;
}
