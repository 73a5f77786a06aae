/**
 * What the reminders feature (dialogs/reminders/) remembers in store.reminders, one record per key:
 * - a round (`round:term-end:autumn-2026`): when it started, how many follow-ups went, whether the DPO
 *   has had the summary, so a restart carries on where it stopped;
 * - a person in a round (`term-end:autumn-2026:slack:U123`): what they answered;
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

/** sent: reminded, no answer yet. */
export type PersonStatus = 'sent' | 'done' | 'no-recordings' | 'snoozed' | 'opted-out';

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
}

/** starting: people are being enqueued (a crash here is finished by the next tick); sent; summarised. */
export type RoundStatus = 'starting' | 'sent' | 'summarised' | 'skipped';

export interface RoundReminder extends ReminderState {
  kind: 'round';
  person?: undefined;
  status: RoundStatus;
  termName: string;
  /** When the first reminder was due (the term's end at termEndTime). */
  dueAt: string;
  startedAt: string;
  people: number;
  /** Follow-ups done (sent or skipped as past the catch-up cut-off). */
  followUps: number;
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

export const isPersonReminder = (r: ReminderState | undefined): r is PersonReminder => r?.kind === 'person';
export const isRoundReminder = (r: ReminderState | undefined): r is RoundReminder => r?.kind === 'round';

/** Settings an admin sets from chat (e.g. the Teams DPO conversation): key → value; SafeCall's own notes (`system`). */
export interface RuntimeSetting {
  value: unknown;
  /** Who set it; SafeCall itself for what it keeps on its own (the failing alert destinations). */
  setBy: { platform: 'slack' | 'teams' | 'system'; id: string };
  setAt: string;
}
