/**
 * Per person, per reminder round (e.g. the term-end reminder for Autumn 2026): what they answered.
 * Owned by the reminders feature (dialogs/reminders/), which defines the full shape.
 */
export interface ReminderState {
  /** e.g. `term-end:autumn-2026`. */
  round: string;
  person: { platform: 'slack' | 'teams'; id: string; name?: string };
  status: string;
  updatedAt: string;
  [field: string]: unknown;
}

/** Settings an admin sets from chat (e.g. the Teams DPO conversation): key → value. */
export interface RuntimeSetting {
  value: unknown;
  setBy: { platform: 'slack' | 'teams'; id: string };
  setAt: string;
}
