/** What core features are given by the composition root (src/main.ts) or by a test. */
import type { Turn, Reply } from './conversation.js';
import type { Clock, Log, Store } from './ports.js';
import type { Guidance } from './guidance/schema.js';
import type { Strings } from './strings.js';

export interface SchoolInfo {
  /** Unset when the settings name no school: messages then say "your school". */
  name?: string;
  timezone: string;
  /** Who takes the admin-only settings (school.itContact in the settings file). */
  itContact?: ItContact;
}

export interface ItContact {
  name?: string;
  email?: string;
  /** A Slack channel or user id the list is posted to. */
  slack?: string;
  /** A Teams conversation id the list is posted to, once the bot knows that conversation. */
  teams?: string;
}

export interface Deps {
  store: Store;
  clock: Clock;
  log: Log;
  guidance: Guidance;
  strings: Strings;
  school: SchoolInfo;
}

/**
 * A feature owns the action ids and form ids that start with `${prefix}.` (e.g. `setup.done`),
 * so the router can dispatch without a central switch.
 */
export interface Feature {
  prefix: string;
  onAction?(turn: Turn, action: string, value: string): Promise<Reply[]>;
  onForm?(turn: Turn, formId: string, values: Record<string, string>, state?: string): Promise<Reply[]>;
}

export const actionPrefix = (action: string) => action.split('.')[0] ?? '';
