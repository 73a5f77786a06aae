/**
 * What the reminders feature (dialogs/reminders/) remembers in store.reminders, one record per key:
 * - a round (`round:term-end:2026-12-18`): the term it is for (its dates), when it started, how many
 *   follow-ups went, whether the DPO has had the summary, so a restart carries on where it stopped. Rounds
 *   begun before rounds were named by their term's last day keep their old id (`term-end:autumn-2026`);
 * - the round index (`round-index`): every round with its term's dates and status, so a tick finds the
 *   round a term already has (whatever it is called now) and carries on rounds whose term has left the
 *   settings;
 * - a person in a round (`term-end:2026-12-18:slack:U123`): what they answered;
 * - an opt-out (`opt-out:slack:U123`): "Stop these reminders", honoured by every later round.
 */
import type { Address } from '../schedule/types.js';

export interface PersonRef {
  platform: 'slack' | 'teams';
  id: string;
  name?: string;
}

/** The stored shape every reminder record has (indexes: `round`, `person`). */
export interface ReminderState {
  /** e.g. `term-end:autumn-2026`; `opt-out` for opt-outs. */
  round: string;
  /** Unset on a round's own record. */
  person?: PersonRef;
  status: string;
  updatedAt: string;
  [field: string]: unknown;
}

/** sent: reminded, no answer yet. linked: another account of someone reminded on their other one (`linkedTo`). */
export type PersonStatus = 'sent' | 'done' | 'no-recordings' | 'snoozed' | 'opted-out' | 'linked';

export interface PersonReminder extends ReminderState {
  kind: 'person';
  person: PersonRef;
  status: PersonStatus;
  to: Address;
  answeredAt?: string;
  /** Set with status snoozed: when the snoozed reminder is sent again. */
  snoozedUntil?: string;
  /** They had opted out before the round began, so nothing was sent. */
  notSent?: boolean;
  /** The last reminder of this round queued for them (its delivery key) and when: nobody gets two in one day. */
  last?: { key: string; at: string };
  /** Their other accounts (Slack and Teams), matched when the round began: one person, one reminder, one answer. */
  accounts?: PersonRef[];
  /** On the record of one of those other accounts: the key of the record holding their reminder and answer. */
  linkedTo?: string;
}

/**
 * starting: people are being enqueued (a crash here is finished by the next tick); sent; summarised;
 * skipped: it fell due while SafeCall was not running and was missed by more than the catch-up days.
 */
export type RoundStatus = 'starting' | 'sent' | 'summarised' | 'skipped';

/** Why a round was skipped: `late` (SafeCall was down), `before-start` (the term ended before SafeCall first ran). */
export type SkipReason = 'late' | 'before-start';

/** A staff list the round could not read when it began, and why (a platform error code or `not-installed`). */
export interface DirectoryProblem {
  source: 'slack-staff-channel' | 'teams-staff-team' | 'slack-emails';
  reason: string;
}

export interface RoundReminder extends ReminderState {
  kind: 'round';
  person?: undefined;
  status: RoundStatus;
  /** The term's name now (a rename in the settings renames the round; `formerNames` keeps the others). */
  termName: string;
  formerNames?: string[];
  /** The term's dates when the round was created (absent on rounds begun before they were kept). */
  termStart?: string;
  termEnd?: string;
  /** The last term of the school year (its reminder also says to delete the account). */
  summer?: boolean;
  /** When the first reminder was due (the term's end at termEndTime). */
  dueAt: string;
  startedAt: string;
  people: number;
  /** Follow-ups done (sent or skipped as past the catch-up cut-off). */
  followUps: number;
  /** Follow-ups not sent because they were missed by more than the catch-up days, or overtaken by a later one. */
  missedFollowUps?: number[];
  /** Set with status skipped. `noticed`: the DPO has been told (queued). */
  skipped?: { reason: SkipReason; noticed?: boolean };
  /** Staff lists that could not be read when the round began: people in them may not have been reminded. */
  directoryProblems?: DirectoryProblem[];
}

/** One round in the index: enough to match a term to it and to find the rounds still running. */
export interface RoundIndexEntry {
  termName: string;
  start?: string;
  end: string;
  status: RoundStatus;
  /** Nothing left to do: summarised, or skipped and the DPO told. */
  closed?: boolean;
}

export interface RoundIndex extends ReminderState {
  kind: 'round-index';
  round: typeof ROUND_INDEX;
  person?: undefined;
  status: 'index';
  /** When the reminders first ran: a term that ended before this is skipped without telling the DPO. */
  since: string;
  rounds: Record<string, RoundIndexEntry>;
}

export interface OptOut extends ReminderState {
  kind: 'opt-out';
  round: 'opt-out';
  person: PersonRef;
  status: 'opted-out';
}

export const roundKey = (round: string) => `round:${round}`;
export const personKey = (round: string, p: { platform: string; id: string }) => `${round}:${p.platform}:${p.id}`;
export const optOutKey = (p: { platform: string; id: string }) => `opt-out:${p.platform}:${p.id}`;
export const OPT_OUT_ROUND = 'opt-out';
export const ROUND_INDEX = 'round-index';

export const isPersonReminder = (r: ReminderState | undefined): r is PersonReminder => r?.kind === 'person';
export const isRoundReminder = (r: ReminderState | undefined): r is RoundReminder => r?.kind === 'round';
export const isRoundIndex = (r: ReminderState | undefined): r is RoundIndex => r?.kind === 'round-index';

/** Settings an admin sets from chat (e.g. the Teams DPO conversation): key → value; SafeCall's own notes (`system`). */
export interface RuntimeSetting {
  value: unknown;
  /** Who set it; SafeCall itself for what it keeps on its own (the failing alert destinations). */
  setBy: { platform: 'slack' | 'teams' | 'system'; id: string };
  setAt: string;
}
