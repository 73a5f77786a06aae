/**
 * Incident reports: anyone opens the form (the command "report", the `report.start` action from the
 * Slack shortcuts, the Teams message action and the "It's happening now" card), the report is stored
 * once and durably before the reporter is told, the DPO is alerted on each platform with the 72-hour
 * deadline, and the DPO takes it to a recorded decision from the alert (triage.ts). Registered by
 * src/app.ts with its schedule policy (policy.ts).
 */
import type { Reply, Turn } from '../../src/core/conversation.js';
import type { CommandName } from '../../src/core/commands.js';
import { isOfficer, type Deps, type Feature } from '../../src/core/deps.js';
import { digest, nonce } from '../../src/core/nonce.js';
import type { Prompt } from '../../src/core/prompt.js';
import { cutText } from '../../src/core/cut-text.js';
import type { SchedulePolicy } from '../../src/core/schedule/types.js';
import { breachLogCsv, selectReports } from '../../src/core/records/report-export.js';
import { reportState } from '../../src/core/records/report.js';
import { REPORT_ACTIONS as A, REPORT_FIELDS as F, REPORT_FORMS, REPORT_PREFIX } from './ids.js';
import { setDpoConversation } from '../../src/core/dpo.js';
import { checkReport, reportForm } from './form.js';
import { reportRecords } from './record.js';
import { incidentAlerts, type IncidentOptions } from './alerts.js';
import { triageHandlers } from './triage.js';
import { incidentPolicy, setDeadlineTimers } from './policy.js';
import { incidentReach } from './reach.js';
import { DEFAULT_RETENTION_DAYS } from '../../src/core/records/report-retention.js';
import { confirmation, MINE_LIMIT, myReports, type ViewContext } from './views.js';

export interface IncidentsFeature extends Feature {
  policy: SchedulePolicy;
}

const DRAFT = /^[A-Za-z0-9-]{8,64}$/;
/** A message link from the Slack message shortcut or the Teams message action, pre-filled as evidence. */
const LINK = /^https:\/\/\S{1,500}$/;

const note = (text: string): Prompt => ({ fallback: text, blocks: [{ kind: 'text', text }] });

export function incidentsFeature(deps: Deps, options: IncidentOptions = {}): IncidentsFeature {
  const t = (k: string, vars?: Record<string, string | number>) => deps.strings.t(k, vars);
  const records = reportRecords(deps);
  const alerts = incidentAlerts(deps, options);
  const reach = incidentReach(deps, alerts);
  const settings = () => options.settings?.() ?? options;
  // A new awareness time moves the deadline: the reminders and escalation steps move with it.
  const triage = triageHandlers(deps, alerts, (r) => setDeadlineTimers(deps.timers, r, alerts.escalation(), true));
  const ctx = (): ViewContext => ({ strings: deps.strings, timezone: deps.school.timezone, now: deps.clock.now() });

  /** "When did it happen?" starts at now (to the minute): most reports are made straight after, so it is one tap less. */
  function open(prefill: Record<string, string> = {}): Reply[] {
    const now = new Date(Math.floor(deps.clock.now().getTime() / 60_000) * 60_000);
    return [{ mode: 'modal', prompt: reportForm(deps.strings, nonce(), { [F.occurredAt]: now.toISOString(), ...prefill }) }];
  }

  /**
   * Said only to the reporter. Slack: in a DM a lasting message, in a channel one nobody else sees. Teams:
   * `private`, which turns the submitted form card into the confirmation (no form left to send twice).
   */
  const toReporter = (turn: Turn, prompt: Prompt): Reply => ({ mode: turn.where.platform === 'slack' && turn.where.kind === 'dm' ? 'post' : 'private', prompt });

  async function submit(turn: Turn, values: Record<string, string>, state?: string): Promise<Reply[]> {
    const now = deps.clock.now();
    const checked = checkReport(values, now, deps.strings);
    // A form without our state (an old card) still gets one report per content: the values name it.
    const draft = state && DRAFT.test(state) ? state : `v-${digest(JSON.stringify(Object.entries(values).sort()))}`;
    if (!checked.ok) {
      deps.log.info({ event: 'incident.form-refused', fields: Object.keys(checked.errors) }, 'report form refused');
      return [{ mode: 'form-errors', errors: checked.errors, prompt: reportForm(deps.strings, draft, values, checked.errors) }];
    }
    // The route is read once for the whole submission (two store reads).
    const route = await alerts.route();
    const { report, created } = await records.create(turn.who, draft, checked.input, (ref) => alerts.plannedAlerts(ref, route));
    // Each step is idempotent (keys from the reference): a duplicate mends what a crash left undone, but
    // does not wind the clock up again on a case already decided.
    if (created || (report.status === 'open' && !reportState(report).decision)) await setDeadlineTimers(deps.timers, report, alerts.escalation());
    await alerts.send(report);
    // Where nothing the report was sent to can be reached, it goes to the deputies and admins now.
    const synced = await alerts.sync(report, route);
    if (synced.status === 'open') await reach.noDpo(route);
    const told = await reach.confirmationReach(synced, route, created);
    deps.log.info({ event: created ? 'incident.reported' : 'incident.duplicate', ref: report.ref, category: report.category, reach: told }, created ? 'incident reported' : 'incident report submitted again: the first one stands');
    return [toReporter(turn, confirmation(ctx(), report, told))];
  }

  async function mine(turn: Turn): Promise<Reply[]> {
    const found = await deps.store.reports.query({ index: 'reporter', equals: `${turn.who.platform}:${turn.who.id}` });
    const newest = found.map((v) => v.value).sort((a, b) => (a.reportedAt < b.reportedAt ? 1 : -1));
    return [toReporter(turn, myReports(ctx(), newest.slice(0, MINE_LIMIT), newest.length))];
  }

  async function setDpo(turn: Turn): Promise<Reply[]> {
    if (!isOfficer(deps.roles, turn.who)) {
      deps.log.warn({ event: 'incident.not-permitted', what: 'setDpoChannel', platform: turn.who.platform, user: turn.who.id }, 'incident: someone not permitted tried to set the DPO channel');
      return [{ mode: 'private', prompt: note(t('reports.triage.notPermitted')) }];
    }
    if (turn.where.platform === 'slack' && settings().slackDpoChannel) return [{ mode: 'private', prompt: note(t('reports.dpo.slackFromSettings')) }];
    await setDpoConversation(deps.store, turn.where.platform, turn.where.id, { platform: turn.who.platform, id: turn.who.id }, deps.clock.now());
    // Every open case comes here now, one alert each, rather than at the next tick.
    const open = (await alerts.syncOpen()).length;
    deps.log.info({ event: 'incident.dpo-destination', platform: turn.where.platform, conversation: turn.where.id, openCases: open }, 'DPO alert destination set');
    const done = t(turn.where.platform === 'teams' ? 'reports.dpo.setTeams' : 'reports.dpo.setSlack');
    return [{ mode: 'post', prompt: note(open ? `${done} ${t('reports.dpo.openCases', { count: open })}` : done) }];
  }

  async function breachLog(turn: Turn): Promise<Reply[]> {
    if (!isOfficer(deps.roles, turn.who)) {
      deps.log.warn({ event: 'incident.not-permitted', what: 'breachLog', platform: turn.who.platform, user: turn.who.id }, 'incident: someone not permitted asked for the breach log');
      return [{ mode: 'private', prompt: note(t('reports.triage.notPermitted')) }];
    }
    const reports = selectReports(await deps.store.reports.list());
    const content = breachLogCsv(reports, deps.sealer);
    const day = deps.clock.now().toISOString().slice(0, 10);
    deps.log.info({ event: 'incident.breach-log', count: reports.length }, 'breach log exported in chat');
    return [{ mode: 'file', file: { name: `breach-log-${day}.csv`, mime: 'text/csv', content }, prompt: note(t('reports.log.file', { count: reports.length })) }];
  }

  const policy = incidentPolicy(deps, alerts, reach, () => settings().retentionDays ?? DEFAULT_RETENTION_DAYS);

  return {
    prefix: REPORT_PREFIX,
    commands: ['report', 'myReports', 'setDpoChannel', 'breachLog'] as const satisfies readonly CommandName[],
    policy,

    async onCommand(turn, name, rest) {
      switch (name) {
        case 'report':
          return open(rest.trim() ? { [F.narrative]: cutText(rest.trim(), 3000) } : {});
        case 'myReports':
          return mine(turn);
        case 'setDpoChannel':
          return setDpo(turn);
        case 'breachLog':
          return breachLog(turn);
        default:
          return [];
      }
    },

    async onAction(turn, action, value) {
      if (action === A.start) return open(LINK.test(value.trim()) ? { [F.evidence]: value.trim() } : {});
      return triage.onAction(turn, action, value);
    },

    async onForm(turn, formId, values, state) {
      if (formId === REPORT_FORMS.report) return submit(turn, values, state);
      if (triage.owns(formId)) return triage.onForm(turn, formId, values, state);
      deps.log.warn({ form: formId }, 'incident: unknown form');
      return [{ mode: 'private', prompt: note(t('reports.triage.unknown')) }];
    },
  };
}
