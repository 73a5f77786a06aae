/** What core features are given by the composition root (src/main.ts) or by a test. */
import type { Turn, Reply } from './conversation.js';
import type { CommandName } from './commands.js';
import type { Clock, Log, Store } from './ports.js';
import type { Guidance } from './guidance/schema.js';
import type { Strings } from './strings.js';
import type { Platform } from './conversation.js';
import type { Outbox, Timers } from './schedule/types.js';
import { storeOutbox, storeTimers } from './schedule/store-ports.js';
import { plainSealer, type Sealer } from './sealer.js';

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

/**
 * The school as the settings say now: its name and IT contact are read at each use (like `liveRoles`), so a
 * new IT contact gets the next "Send to IT" without a restart. The time zone is the one read at start:
 * schedules already set were computed in it.
 */
export function liveSchool(read: () => SchoolInfo): SchoolInfo {
  const timezone = read().timezone;
  return {
    get name() {
      return read().name;
    },
    timezone,
    get itContact() {
      return read().itContact;
    },
  };
}

/**
 * Who may see others' reports, act on them, export, and change settings from chat (the settings file). The
 * running server's roles are `liveRoles`: read from the settings as they are at each use.
 */
export interface Roles {
  admins: Record<Platform, string[]>;
  dpo: Record<Platform, string[]>;
  /** The DPO's deputies (`slack.dpoDeputies`, `teams.dpoDeputies`): officers too, and the first escalation. */
  deputies?: Record<Platform, string[]>;
}

/** The admins, DPO and deputies named in the settings: they may see others' reports, act on them, export, and list terms. */
export const isOfficer = (roles: Roles, who: { platform: Platform; id: string }): boolean =>
  roles.admins[who.platform].includes(who.id) || roles.dpo[who.platform].includes(who.id) || (roles.deputies?.[who.platform].includes(who.id) ?? false);

/**
 * Roles that are looked up whenever they are read, from `read()` (the settings file, reloaded when it
 * changes: src/settings-reload.ts), so an officer added or replaced in the settings counts from the next
 * press, without a restart.
 */
export function liveRoles(read: () => Roles): Roles {
  return {
    get admins() {
      return read().admins;
    },
    get dpo() {
      return read().dpo;
    },
    get deputies() {
      return read().deputies;
    },
  };
}

export const NO_ROLES: Roles = { admins: { slack: [], teams: [] }, dpo: { slack: [], teams: [] } };

export interface Deps {
  store: Store;
  clock: Clock;
  log: Log;
  guidance: Guidance;
  strings: Strings;
  school: SchoolInfo;
  /** Proactive messages go through the durable outbox, never straight to a platform. */
  outbox: Outbox;
  timers: Timers;
  /** Encrypts report content and queued messages at rest when a data key is set. */
  sealer: Sealer;
  roles: Roles;
}

/** Deps from the infrastructure: the outbox and timers are built on the store. */
export function makeDeps(p: Omit<Deps, 'outbox' | 'timers' | 'sealer' | 'roles'> & { sealer?: Sealer; roles?: Roles }): Deps {
  const sealer = p.sealer ?? plainSealer;
  return {
    ...p,
    sealer,
    roles: p.roles ?? NO_ROLES,
    outbox: storeOutbox(p.store, p.clock, sealer),
    timers: storeTimers(p.store, p.clock),
  };
}

/**
 * A feature owns the action ids and form ids that start with `${prefix}.` (e.g. `setup.done`),
 * so the router can dispatch without a central switch.
 */
export interface Feature {
  prefix: string;
  /**
   * The commands (names from content/<locale>/commands.yaml, src/core/commands.ts) this feature answers,
   * e.g. `report` and `myReports` for the incidents feature. The router hands them to `onCommand`.
   */
  commands?: readonly CommandName[];
  onCommand?(turn: Turn, name: CommandName, rest: string): Promise<Reply[]>;
  onAction?(turn: Turn, action: string, value: string): Promise<Reply[]>;
  onForm?(turn: Turn, formId: string, values: Record<string, string>, state?: string): Promise<Reply[]>;
}

export const actionPrefix = (action: string) => action.split('.')[0] ?? '';
