/**
 * Builds the platform-neutral bot from content, a store and a clock. Shared by main.ts, the CLI and the
 * end-to-end tests, so they all run the same wiring.
 */
import type { Bot } from './core/bot.js';
import { createBot } from './core/bot.js';
import { makeDeps, type Deps, type Roles, type SchoolInfo } from './core/deps.js';
import type { Sealer } from './core/sealer.js';
import type { SchedulePolicy } from './core/schedule/types.js';
import type { Clock, Log, Store } from './core/ports.js';
import { GuidanceSearch } from './core/guidance/search.js';
import { guideFeature } from './core/guidance/feature.js';
import { GUIDE_ACTIONS } from './core/guidance/ids.js';
import { setupFeature } from '../dialogs/secure-call/feature.js';
import { SETUP_ACTIONS } from '../dialogs/secure-call/ids.js';
import { loadContent, type Content } from './content/load.js';
import { incidentsFeature } from '../dialogs/incidents/feature.js';
import { REPORT_ACTIONS } from '../dialogs/incidents/ids.js';
import type { IncidentOptions } from '../dialogs/incidents/alerts.js';
import type { SetupOptions } from '../dialogs/secure-call/runtime.js';
import type { EmergencyOptions } from '../dialogs/secure-call/emergency.js';
import { settingsSchema } from './config.js';
import { remindersFeature } from '../dialogs/reminders/feature.js';
import { remindersPolicy } from '../dialogs/reminders/policy.js';
import type { ReminderSettings, StaffDirectory, TeamsStaffDirectory } from '../dialogs/reminders/settings.js';
import { beforeCallPolicy } from '../dialogs/secure-call/before-call.js';

/** What the bot is built from: the infrastructure the composition root picked, and the content. */
export interface BuildBotOptions {
  store: Store;
  clock: Clock;
  log: Log;
  school: SchoolInfo;
  content?: Content;
  contentDir?: string;
  sealer?: Sealer;
  roles?: Roles;
  /** Incident reports: where the Slack DPO alerts go (settings slack.dpoChannel). */
  incidents?: IncidentOptions;
  /** The reminders' settings as they are now (re-read each tick: src/settings-reload.ts); default: the settings' defaults. */
  reminders?: { settings(): ReminderSettings; directory?: StaffDirectory; teams?: TeamsStaffDirectory };
}

export interface Built {
  bot: Bot;
  deps: Deps;
  search: GuidanceSearch;
  /** The features' scheduled behaviour (reminders, incident deadlines), run by one scheduler (src/core/schedule/). */
  policies: SchedulePolicy[];
}

export function buildBot(p: BuildBotOptions): Built {
  const content = p.content ?? loadContent(p.contentDir);
  const deps: Deps = makeDeps({ store: p.store, clock: p.clock, log: p.log, guidance: content.guidance, strings: content.strings, school: p.school, sealer: p.sealer, roles: p.roles });
  const search = new GuidanceSearch(content.guidance, content.vocabulary);
  // Cross-feature ids are passed in here, so no feature imports another.
  const guide = guideFeature(deps, search, { setupStart: SETUP_ACTIONS.start });
  // "Report what happened" on the emergency card leads into the incident form.
  const setupOptions: SetupOptions & EmergencyOptions = { reminders: true, reportStart: REPORT_ACTIONS.start };
  const setup = setupFeature(deps, setupOptions);
  const incidents = incidentsFeature(deps, p.incidents);
  const defaults = p.reminders ? undefined : settingsSchema.parse({});
  const reminderOptions = p.reminders ?? { settings: () => defaults! };
  const reminders = remindersFeature(deps, reminderOptions);
  const bot = createBot(deps, {
    guide,
    setup,
    intent: (text) => search.detectIntent(text),
    platformIn: (text) => search.detectPlatform(text),
    commands: content.commands,
    helpButtons: { setup: SETUP_ACTIONS.start, topics: GUIDE_ACTIONS.topics, emergency: SETUP_ACTIONS.now, report: REPORT_ACTIONS.start },
    extra: [incidents, reminders],
  });
  const policies: SchedulePolicy[] = [incidents.policy, remindersPolicy(deps, reminderOptions), beforeCallPolicy(deps)];
  return { bot, deps, search, policies };
}
