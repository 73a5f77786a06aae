/** The reminders feature's ids: button actions (prefix `remind.`), delivery kinds, timer kinds. Defined once. */
export const REMIND_PREFIX = 'remind';

export const REMIND_ACTIONS = {
  done: 'remind.done',
  snooze: 'remind.snooze',
  none: 'remind.none',
  stop: 'remind.stop',
  resume: 'remind.resume',
  /** Show the deletion steps for one call platform (value: zoom | teams | meet). */
  steps: 'remind.steps',
} as const;

export const REMIND_KINDS = {
  termEnd: 'reminder.term-end',
  summary: 'reminder.summary',
  /** The DPO is told a round was not sent (missed by more than the catch-up days). */
  skipped: 'reminder.skipped',
  dpia: 'reminder.dpia-review',
} as const;

export const REMIND_TIMERS = {
  snooze: 'reminder.snooze',
} as const;

/** "Remind me in 2 days". */
export const SNOOZE_DAYS = 2;

/** The DPIA review reminder is sent at this local time on its day. */
export const DPIA_REVIEW_TIME = '09:00';

/** What a round id looks like (`term-end:2026-12-18`, or `term-end:autumn-2026` from before): a button value that does not is not one SafeCall sent. */
export const ROUND_VALUE = /^[a-z0-9][a-z0-9:.-]{0,99}$/;
