/**
 * Whether incident alerts can reach someone who can act on them, said where an operator looks: the start-up
 * lines and a warning in the log, `/healthz` (`incidentAlerts`), and `npx safecall status`. The officers are
 * also told in chat (dialogs/incidents/reach.ts). The problems come from the settings as they are now and
 * what the last alert to each destination met (src/core/dpo.ts).
 */
import type { Settings } from './config.js';
import type { IncidentSettings } from '../dialogs/incidents/alerts.js';
import { describeProblem, destinationId, routeProblems, type AlertSettings } from './core/dpo.js';
import type { Log, Store } from './core/ports.js';
import type { Strings } from './core/strings.js';

/** The incidents feature's settings, from the settings file. */
export const incidentSettingsOf = (s: Settings): IncidentSettings => ({
  slackDpoChannel: s.slack.dpoChannel,
  retentionDays: s.reports.retentionDays,
  escalateAfterHours: s.reports.escalateAfterHours,
  workingHours: s.reports.workingHours,
});

/** Everyone the settings name for incident alerts. */
export const alertSettingsOf = (s: Settings): AlertSettings => ({
  slackChannel: s.slack.dpoChannel,
  dpo: { slack: s.slack.dpo, teams: s.teams.dpo },
  deputies: { slack: s.slack.dpoDeputies, teams: s.teams.dpoDeputies },
  admins: { slack: s.slack.admins, teams: s.teams.admins },
});

export interface AlertRouteHealth {
  ok: boolean;
  problems: { destination?: string; since?: string; waiting?: number; problem: string; fix: string }[];
}

export async function alertRouteHealth(store: Pick<Store, 'runtime'>, settings: Settings, strings: Strings): Promise<AlertRouteHealth> {
  const problems = (await routeProblems(store, alertSettingsOf(settings))).map((p) => ({
    ...(p.kind === 'failing' ? { destination: destinationId(p.to), since: p.since, waiting: p.waiting } : {}),
    ...describeProblem(strings, p),
  }));
  return { ok: problems.length === 0, problems };
}

/** Each problem as a warning in the log and a line under the start-up banner. */
export async function warnAboutAlertRoute(health: AlertRouteHealth, log: Log, print: (line: string) => void): Promise<void> {
  if (health.ok) {
    print('  Incident alerts: the route to the DPO has no known problem');
    return;
  }
  for (const p of health.problems) {
    log.warn({ event: 'incident.route-problem', destination: p.destination, since: p.since, waiting: p.waiting }, `incident alerts: ${p.problem} ${p.fix}`);
    print(`  Incident alerts: PROBLEM: ${p.problem} ${p.fix}`);
  }
}
