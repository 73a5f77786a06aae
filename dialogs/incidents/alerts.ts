/**
 * The DPO's side of delivery: where a report's alerts go, the alert itself, and the alert redrawn in place
 * (through the outbox, by `updateOf`) as the case moves. Everything goes through the durable outbox under
 * keys made from the reference and the destination, so a retry or a restart never sends twice, and a
 * destination that appears later gets one alert per open case, not a flood.
 *
 * Where alerts go is decided from the settings as they are now (ARCHITECTURE.md, "Where a school's changes
 * go"): the DPO destinations (src/core/dpo.ts), then, once the case is escalated, the deputies and the
 * admins. The report keeps where its alerts went (`alerts`, history); `sync` brings it to the route of the
 * moment: a new destination gets the alert, and one the settings no longer name has its alert replaced by a
 * note without the case's details. When no destination of the case can be reached at all (none is set, or
 * every one refuses), the case goes straight to the deputies and admins (`no-route`).
 */
import type { Deps } from '../../src/core/deps.js';
import { userKey } from '../../src/core/ports.js';
import type { Prompt } from '../../src/core/prompt.js';
import type { Address, Delivery, OutboxItem } from '../../src/core/schedule/types.js';
import { escalationLevel, openFacts, reportState, type AlertRef, type EscalationLevel, type EscalationReason, type StoredReport } from '../../src/core/records/report.js';
import { DEFAULT_ESCALATE_AFTER_HOURS, DEFAULT_WORKING_HOURS, describeWorkingHours, type WorkingHours } from '../../src/core/records/report-escalation.js';
import { alertDestinations, destinationId, failingDestinations, type AlertSettings, type DestinationRole, type FailingDestinations } from '../../src/core/dpo.js';
import { INCIDENT_KINDS as K } from './ids.js';
import { alertView, leftText, type ViewContext } from './views.js';
import { showTime } from './time.js';

/** The settings the incidents feature reads (src/config.ts `reports`, `slack.dpoChannel`). */
export interface IncidentSettings {
  /** settings slack.dpoChannel. */
  slackDpoChannel?: string;
  /** settings reports.retentionDays: closed reports are deleted this long after closing. */
  retentionDays?: number;
  /** settings reports.escalateAfterHours: working hours unanswered before the deputies are alerted; 0: never. */
  escalateAfterHours?: number;
  workingHours?: WorkingHours;
}

export interface IncidentOptions extends IncidentSettings {
  /** The settings as they are now (the running server: the settings file, reloaded when it changes); default: the fields above. */
  settings?: () => IncidentSettings;
}

/** Where a report's alerts may go now: every destination the settings name, and those that do not work. */
export interface Route {
  destinations: { to: Address; role: DestinationRole }[];
  failing: FailingDestinations;
}

export const alertKey = (ref: string, a: Address) => `${K.alert}:${ref}:${destinationId(a)}`;
const againKey = (firstKey: string) => `${K.alertAgain}:${firstKey}`;
const addressOf = (a: AlertRef): Address => ({ platform: a.platform, ...(a.conversationId ? { conversationId: a.conversationId } : {}), ...(a.userId ? { userId: a.userId } : {}) });
const NOBODY = { slack: [], teams: [] };

/** `p` led by a line (sent again, escalated to you): the line first, in the fallback text too. */
export const withLead = (p: Prompt, lead: string): Prompt => ({ ...p, fallback: `${lead} ${p.fallback}`, blocks: [{ kind: 'text', text: lead }, ...p.blocks] });

/**
 * Who gets this case's alerts on `route`: the DPO destinations; from escalation level 1 the deputies (and
 * the admins when there are none); from level 2 the admins. Pure.
 */
export function recipients(r: Pick<StoredReport, 'ref' | 'timeline'>, route: Route): AlertRef[] {
  const level = escalationLevel(r);
  const of = (role: DestinationRole) => route.destinations.filter((d) => d.role === role);
  const chosen = [...of('dpo')];
  if (level >= 1) chosen.push(...of('deputy'));
  if (level >= 2 || (level >= 1 && of('deputy').length === 0)) chosen.push(...of('admin'));
  return chosen.map(({ to, role }) => ({
    key: alertKey(r.ref, to),
    platform: to.platform,
    ...(to.conversationId ? { conversationId: to.conversationId } : {}),
    ...(to.userId ? { userId: to.userId } : {}),
    ...(role !== 'dpo' ? { role } : {}),
  }));
}

export const working = (a: Pick<AlertRef, 'platform' | 'conversationId' | 'userId'>, route: Route) => !route.failing[destinationId(a)];

export function incidentAlerts(deps: Deps, options: IncidentOptions) {
  const ctx = (): ViewContext => ({ strings: deps.strings, timezone: deps.school.timezone, now: deps.clock.now() });
  const settings = (): IncidentSettings => options.settings?.() ?? options;
  const t = (k: string, vars?: Record<string, string | number>) => deps.strings.t(k, vars);
  const when = (iso: string) => showTime(iso, deps.school.timezone, deps.strings.locale);

  const alertSettings = (): AlertSettings => ({ slackChannel: settings().slackDpoChannel, dpo: deps.roles.dpo, deputies: deps.roles.deputies ?? NOBODY, admins: deps.roles.admins });

  /** The route now (two store reads: the DPO conversations set in chat, the failing list). */
  async function route(): Promise<Route> {
    return { destinations: await alertDestinations(deps.store, alertSettings()), failing: await failingDestinations(deps.store) };
  }

  /** The escalation settings now. */
  function escalation() {
    const s = settings();
    return { afterHours: s.escalateAfterHours ?? DEFAULT_ESCALATE_AFTER_HOURS, workingHours: s.workingHours ?? DEFAULT_WORKING_HOURS, zone: deps.school.timezone };
  }

  /** The names of the people on the timeline, as the bot last saw them (ids where it never did). */
  async function names(r: StoredReport): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const e of r.timeline) {
      if (e.by.platform === 'system' || out[e.by.id]) continue;
      const known = await deps.store.users.get(userKey(e.by.platform, e.by.id));
      if (known?.name) out[e.by.id] = known.name;
    }
    return out;
  }

  const view = async (r: StoredReport, fresh = false) => alertView(ctx(), r, openFacts(r, deps.sealer), { fresh, names: await names(r) });

  /** The line leading a deputy's or admin's first alert: why it came to them. */
  function leadFor(r: StoredReport, a: AlertRef): string | undefined {
    if (!a.role || a.role === 'dpo') return undefined;
    const e = reportState(r).escalated;
    const esc = escalation();
    const vars = { sent: when(r.reportedAt), hours: esc.afterHours * (e?.level ?? 1), workingHours: describeWorkingHours(esc.workingHours), deadline: when(r.deadlineAt), left: leftText(ctx(), r) };
    return t(e?.reason === 'no-answer' ? 'reports.escalate.noAnswer' : 'reports.escalate.noRoute', vars);
  }

  /** The first alert to `a` as the case stands now. */
  async function firstPrompt(r: StoredReport, a: AlertRef): Promise<Prompt> {
    const p = await view(r, true);
    const lead = leadFor(r, a);
    return lead ? withLead(p, lead) : p;
  }

  const firstItem = async (r: StoredReport, a: AlertRef): Promise<OutboxItem> => ({ key: a.key, kind: K.alert, group: `incident:${r.ref}`, to: addressOf(a), prompt: await firstPrompt(r, a) });

  /** The alerts recorded on the report that are still where they should go now. */
  function live(r: StoredReport, rt: Route): AlertRef[] {
    const now = new Set(recipients(r, rt).map((a) => a.key));
    return r.alerts.filter((a) => !a.retiredAt && now.has(a.key));
  }

  /** Appends an escalation (once per level); resolves to the report as written. */
  async function escalate(r: StoredReport, level: EscalationLevel, reason: EscalationReason): Promise<StoredReport> {
    const at = deps.clock.now().toISOString();
    const written = await deps.store.reports.update(r.ref, (current) => {
      if (!current || escalationLevel(current) >= level || current.status === 'closed') return current;
      return { ...current, timeline: [...current.timeline, { id: `escalated-${level}`, kind: 'escalated', at, by: { platform: 'system', id: 'safecall' }, level, reason }] };
    });
    if (!written) return r;
    if (escalationLevel(written) >= level && escalationLevel(r) < level) deps.log.warn({ event: 'incident.escalated', ref: r.ref, level, reason }, reason === 'no-route' ? 'incident: no DPO destination can be reached; sent to the deputies and admins' : 'incident: nobody answered the DPO alert in time; escalated');
    return written;
  }

  /** The alert at a destination the settings no longer name: cancelled if not sent, else replaced by a note. */
  async function retire(r: StoredReport, a: AlertRef): Promise<void> {
    const first = await deps.outbox.get(a.key);
    if (!first) return;
    if (first.status === 'queued') {
      await deps.outbox.cancel(a.key);
      return;
    }
    if (first.status !== 'sent' && first.status !== 'uncertain') return;
    const repeat = first.status === 'uncertain' ? await deps.outbox.get(againKey(a.key)) : undefined;
    const text = t('reports.alert.moved', { ref: r.ref });
    await deps.outbox.enqueue([{ key: `${K.alertMoved}:${a.key}:${a.retiredAt ?? ''}`, kind: K.alertMoved, group: `incident:${r.ref}`, to: addressOf(a), prompt: { fallback: text, blocks: [{ kind: 'text', text }] }, updateOf: repeat ? againKey(a.key) : a.key }]);
  }

  /** A destination named again after it was retired: its alert is redrawn in place, or sent if it never went. */
  async function restore(r: StoredReport, a: AlertRef, since: string): Promise<void> {
    const first = await deps.outbox.get(a.key);
    if (!first || first.status === 'cancelled' || first.status === 'unreachable' || first.status === 'failed') {
      if (!first) await deps.outbox.enqueue([await firstItem(r, a)]);
      else await deps.outbox.retry(a.key, await firstPrompt(r, a));
      return;
    }
    const repeat = first.status === 'uncertain' ? await deps.outbox.get(againKey(a.key)) : undefined;
    await deps.outbox.enqueue([{ key: `${K.alertUpdate}:${r.ref}:restored-${since}:${a.key}`, kind: K.alertUpdate, group: `incident:${r.ref}`, to: addressOf(a), prompt: await view(r), updateOf: repeat ? againKey(a.key) : a.key }]);
  }

  const alerts = {
    route,
    view,
    escalation,
    escalate,
    firstPrompt,

    /** Where a new report's first alerts go (before any escalation): recorded on the report as it is made. */
    async plannedAlerts(ref: string, rt?: Route): Promise<AlertRef[]> {
      return recipients({ ref, timeline: [] }, rt ?? (await route()));
    },

    /** The first alert to every destination recorded on the report (idempotent: the key is the destination's). */
    async send(r: StoredReport): Promise<void> {
      const items: OutboxItem[] = [];
      for (const a of r.alerts) if (!a.retiredAt) items.push(await firstItem(r, a));
      if (items.length) await deps.outbox.enqueue(items);
    },

    /**
     * Brings the report to the route of the moment: escalates when no destination of the case can be
     * reached; the alert to every destination the case should reach and has not (one each, by key); the
     * alert at a destination no longer named replaced by a note. Resolves to the report as written.
     */
    async sync(report: StoredReport, rt?: Route): Promise<StoredReport> {
      if (report.status === 'closed') return report;
      const now = rt ?? (await route());
      let r = report;
      // Nobody the case would reach can be reached: straight to everyone who can act (deputies and admins).
      if (escalationLevel(r) < 2 && !recipients(r, now).some((a) => working(a, now))) {
        const wider = recipients({ ref: r.ref, timeline: [{ id: 'x', kind: 'escalated', at: '', by: { platform: 'system', id: 'safecall' }, level: 2 }] }, now);
        if (wider.some((a) => working(a, now))) r = await escalate(r, 2, 'no-route');
      }
      const want = recipients(r, now);
      const recorded = new Map(r.alerts.map((a) => [a.key, a]));
      const added = want.filter((a) => !recorded.has(a.key) || recorded.get(a.key)!.retiredAt);
      const wanted = new Set(want.map((a) => a.key));
      const gone = r.alerts.filter((a) => !a.retiredAt && !wanted.has(a.key));
      if (!added.length && !gone.length) return r;
      const at = deps.clock.now().toISOString();
      // The messages first, then the record: a kill in between is mended by the next tick, which finds the
      // same difference and whose enqueues are no-ops.
      for (const a of added) {
        const before = recorded.get(a.key);
        if (before?.retiredAt) await restore(r, a, before.retiredAt);
        else await deps.outbox.enqueue([await firstItem(r, a)]);
      }
      for (const a of gone) await retire(r, { ...a, retiredAt: at });
      const written = await deps.store.reports.update(r.ref, (current) => {
        if (!current) return current;
        const byKey = new Map(current.alerts.map((a) => [a.key, a]));
        for (const a of added) byKey.set(a.key, a);
        for (const a of gone) if (byKey.get(a.key) && !byKey.get(a.key)!.retiredAt) byKey.set(a.key, { ...byKey.get(a.key)!, retiredAt: at });
        return { ...current, alerts: [...byKey.values()] };
      });
      deps.log.info({ event: 'incident.route-changed', ref: r.ref, added: added.length, retired: gone.length }, 'incident: alerts brought to the current DPO destinations');
      return written ?? r;
    },

    /** Every open case brought to the route of the moment; resolves to them as written. */
    async syncOpen(rt?: Route): Promise<StoredReport[]> {
      const now = rt ?? (await route());
      // Reports are few (a school's breach log: tens a year), and only open ones are worked on.
      const open = (await deps.store.reports.list()).filter((r) => r.status !== 'closed');
      const out: StoredReport[] = [];
      for (const r of open) out.push(await alerts.sync(r, now));
      return out;
    },

    /**
     * The first alert once more, to the one destination whose first alert a restart cut short where the
     * platform cannot be asked whether it arrived (`uncertain`: a Slack channel, which SafeCall has no scope
     * to read, or Teams). A repeat that says so is better than an ICO clock running unseen until the 24-hour
     * reminder. Idempotent (its key is the first's); later redraws go to it (`refresh`).
     */
    async again(r: StoredReport, first: Delivery): Promise<void> {
      if (await deps.outbox.get(againKey(first.key))) return;
      const a = r.alerts.find((x) => x.key === first.key);
      const p = a ? await firstPrompt(r, a) : await view(r, true);
      await deps.outbox.enqueue([{ key: againKey(first.key), kind: K.alertAgain, group: `incident:${r.ref}`, to: first.to, prompt: withLead(p, t('reports.alert.again')) }]);
    },

    /**
     * Redraws the alerts in place where the case's alerts go now, except the one the DPO is looking at (its
     * `update` reply does that). `version` makes each redraw's key unique (the timeline's length, or a
     * timer's hour). An alert not delivered yet is left to its retry, which carries the case as it is then.
     */
    async refresh(r: StoredReport, version: string, skip?: { platform: string; conversationId: string }, rt?: Route): Promise<void> {
      const p = await view(r);
      const items: OutboxItem[] = [];
      for (const a of live(r, rt ?? (await route()))) {
        // The alert sent again (above) is the one on screen when the first was cut short.
        const first = await deps.outbox.get(a.key);
        if (!first || first.status === 'unreachable' || first.status === 'failed' || first.status === 'cancelled') continue;
        const repeat = first.status === 'uncertain' ? await deps.outbox.get(againKey(a.key)) : undefined;
        const shown = repeat ?? first;
        if (skip) {
          const where = shown.ref?.conversationId ?? a.conversationId;
          if (a.platform === skip.platform && where === skip.conversationId) continue;
        }
        items.push({ key: `${K.alertUpdate}:${r.ref}:${version}:${a.key}`, kind: K.alertUpdate, group: `incident:${r.ref}`, to: addressOf(a), prompt: p, updateOf: repeat ? againKey(a.key) : a.key });
      }
      if (items.length) await deps.outbox.enqueue(items);
    },

    /** A new message to every destination the case's alerts go to now (a reminder, the overdue notice). */
    async notify(r: StoredReport, what: string, text: string): Promise<void> {
      const items: OutboxItem[] = live(r, await route()).map((a) => ({
        key: `${K.reminder}:${r.ref}:${what}:${a.key}`,
        kind: K.reminder,
        group: `incident:${r.ref}`,
        to: addressOf(a),
        prompt: { fallback: text, blocks: [{ kind: 'text', text }] },
      }));
      if (items.length) await deps.outbox.enqueue(items);
    },
  };
  return alerts;
}

export type IncidentAlerts = ReturnType<typeof incidentAlerts>;
