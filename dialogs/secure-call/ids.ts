/**
 * The action and form ids of the guided secure-call setup, defined once. Every id starts with `setup.`,
 * the prefix the setup feature owns, so the router can dispatch without knowing them one by one.
 */
export const SETUP_PREFIX = 'setup';

export const SETUP_ACTIONS = {
  /** Start (or offer to resume) a setup. Value: empty, or a call platform to preselect. */
  start: 'setup.start',
  platform: 'setup.platform',
  changePlatform: 'setup.change-platform',
  kind: 'setup.kind',
  /** Value arg `include` or `leave`: the one-off account steps. */
  account: 'setup.account',
  done: 'setup.done',
  skip: 'setup.skip',
  cantFind: 'setup.cant-find',
  why: 'setup.why',
  /** Jump to the checklist with the remaining steps left open. */
  finish: 'setup.finish',
  carryOn: 'setup.carry-on',
  startAgain: 'setup.start-again',
  /** "It's happening now": the in-call playbook. Never refused as stale. */
  now: 'setup.now',
  report: 'setup.report',
  /** "Back to my setup" from the playbook. */
  back: 'setup.back',
  post: 'setup.post',
  remind: 'setup.remind',
  /** The checklist as plain text, in a message of its own, only when asked for. */
  copy: 'setup.copy',
  /** The list for IT: posted to the IT contact from the settings, or shown as text to copy. Both answer the card. */
  sendToIt: 'setup.send-to-it',
  copyForIt: 'setup.copy-for-it',
} as const;

export const SETUP_FORMS = {
  post: 'setup.post-form',
  remind: 'setup.remind-form',
} as const;

export const SETUP_FIELDS = {
  channel: 'channel',
  when: 'when',
} as const;

export type SetupAction = (typeof SETUP_ACTIONS)[keyof typeof SETUP_ACTIONS];
