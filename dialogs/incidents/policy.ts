/**
 * The ICO clock as timers: reminders to the DPO at 24, 48 and 68 hours after the school became aware
 * while no decision is recorded, and the report flagged overdue at 72 hours; and escalation, to the deputies
 * and then the admins, of an alert nobody has answered in time (src/core/records/report-escalation.ts).
 * The timers live in the store (so they survive restarts) and move when the DPO records another awareness
 * time; every send is an outbox item under a key made from the reference, so a timer run twice after a
 * crash sends once.
 *
 * Each tick also brings every open case to the alert route of the moment (alerts.ts `sync`: a destination
 * set or changed since gets the alert, a removed one no longer does), tries failing destinations again
 * (reach.ts), and mends what a kill left half done.
 */
import type { Deps } from '../../src/core/deps.js';
import type { SchedulePolicy, Timer, Timers } from '../../src/core/schedule/types.js';
import { answered, escalationLevel, ICO_HOURS, REMINDER_HOURS, reportState, type EscalationLevel, type StoredReport } from '../../src/core/records/report.js';
import { escalationDue } from '../../src/core/records/report-escalation.js';
import { destinationId, failingDestinations, forgetFailing } from '../../src/core/dpo.js';
import { INCIDENT_KINDS as K } from './ids.js';
import type { IncidentAlerts } from './alerts.js';
import type { IncidentReach } from './reach.js';
import { deadlineTimerKey } from './triage.js';
import { leftText } from './views.js';
import { DEFAULT_RETENTION_DAYS, expiredReports, purgeReport } from '../../src/core/records/report-retention.js';

/** Reports deleted per tick at most, so a first run after years does not hold the store for long. */
const PURGE_BATCH = 20;

export const DEADLINE_HOURS = [...REMINDER_HOURS, ICO_HOURS] as const;
const LEVELS: EscalationLevel[] = [1, 2];

export const escalationTimerKey = (ref: string, level: number) => `${K.escalate}:${ref}:${level}`;

export interface EscalationTiming {
  afterHours: number;
  workingHours: Parameters<typeof escalationDue>[2]['workingHours'];
  zone: string;
}

/**
 * The report's timers: the deadline reminders from its awareness time and, unless escalation is off, its
 * escalation steps. `move`: set again even if set (the awareness time changed); otherwise set once.
 */
export async function setDeadlineTimers(timers: Timers, r: StoredReport, escalation?: EscalationTiming, move = false): Promise<void> {
  const aware = Date.parse(r.awareAt);
  const put = (t: Parameters<Timers['set']>[0]) => (move ? timers.set(t) : timers.setOnce(t));
  for (const hour of DEADLINE_HOURS) await put({ key: deadlineTimerKey(r.ref, hour), kind: K.deadline, dueAt: new Date(aware + hour * 3_600_000), payload: { ref: r.ref, hour } });
  if (!escalation || escalation.afterHours <= 0) return;
  for (const level of LEVELS) {
    if (escalationLevel(r) >= level) continue;
    await put({ key: escalationTimerKey(r.ref, level), kind: K.escalate, dueAt: escalationDue(r, level, escalation), payload: { ref: r.ref, level } });
  }
}

export function incidentPolicy(deps: Deps, alerts: IncidentAlerts, reach: IncidentReach, retention: () => number = () => DEFAULT_RETENTION_DAYS): SchedulePolicy {
  const t = (k: string, vars?: Record<string, string | number>) => deps.strings.t(k, vars);

  /** A report stored by a process that died before queuing its first alerts and timers: both now (idempotent). */
  async function mend(r: StoredReport): Promise<void> {
    const live = r.alerts.filter((a) => !a.retiredAt);
    const queued = await Promise.all(live.map((a) => deps.outbox.get(a.key)));
    // One a kill left uncertain whose repeat was not queued (the kill fell between the two writes).
    for (const d of queued) if (d?.status === 'uncertain') await alerts.again(r, d);
    if (queued.every((d) => d !== undefined)) return;
    await setDeadlineTimers(deps.timers, r, alerts.escalation());
    await alerts.send(r);
    deps.log.warn({ event: 'incident.alert-mended', ref: r.ref }, 'incident: a report was stored without its DPO alert (a crash in between); alerted now');
  }

  /** The escalation settings the open cases' steps were last aligned to (this process): see alignEscalation. */
  let alignedTo: string | undefined;

  /**
   * The escalation steps of an open, unanswered case as the settings are now: set if missing (escalation
   * turned on since the report was made) or brought forward (fewer working hours). A step moved later waits
   * in onEscalate instead. Run for every open case at the first tick and when the settings change (a new
   * report sets its own steps).
   */
  async function alignEscalation(r: StoredReport): Promise<void> {
    const esc = alerts.escalation();
    if (esc.afterHours <= 0 || reportState(r).decision || answered(r)) return;
    for (const level of LEVELS) {
      if (escalationLevel(r) >= level) continue;
      const key = escalationTimerKey(r.ref, level);
      const due = escalationDue(r, level, esc);
      const timer = await deps.timers.get(key);
      if (!timer || Date.parse(timer.dueAt) > due.getTime()) await deps.timers.set({ key, kind: K.escalate, dueAt: due, payload: { ref: r.ref, level } });
    }
  }

  async function onEscalate(timer: Timer, now: Date): Promise<void> {
    const ref = String(timer.payload.ref ?? '');
    const level = Number(timer.payload.level) as EscalationLevel;
    const r = await deps.store.reports.get(ref);
    if (!r || r.status === 'closed' || reportState(r).decision || answered(r) || escalationLevel(r) >= level) return;
    const esc = alerts.escalation();
    if (esc.afterHours <= 0) return;
    // The settings may have changed since the timer was set: it waits for the step's time as they are now.
    const due = escalationDue(r, level, esc);
    if (due.getTime() > now.getTime()) {
      await deps.timers.set({ key: timer.key, kind: K.escalate, dueAt: due, payload: timer.payload });
      return;
    }
    const written = await alerts.escalate(r, level, 'no-answer');
    const synced = await alerts.sync(written);
    await alerts.refresh(synced, `escalated-${level}`);
  }

  return {
    name: 'incidents',
    /**
     * Every open case is brought to the current alert route (a new destination gets one alert per case).
     * A report of the last 72 h whose first alert is not in the outbox (a kill between storing the report
     * and queuing its alert) gets it and its timers now. Failing destinations are tried again. Then
     * retention: closed reports past their period are deleted.
     */
    async due(ctx) {
      let rt = await alerts.route();
      await forgetFailing(deps.store, new Set(rt.destinations.map((d) => destinationId(d.to))), ctx.now);
      rt = { ...rt, failing: await failingDestinations(deps.store) };
      const open = await alerts.syncOpen(rt);
      const recent = ctx.now.getTime() - ICO_HOURS * 3_600_000;
      const esc = alerts.escalation();
      const escalationNow = `${esc.afterHours}|${JSON.stringify(esc.workingHours)}`;
      for (const r of open) {
        if (Date.parse(r.reportedAt) >= recent) await mend(r);
        if (alignedTo !== escalationNow) await alignEscalation(r);
      }
      alignedTo = escalationNow;
      await reach.tick(rt, open.length);
      const days = retention();
      const expired = await expiredReports(deps.store, ctx.now, days, PURGE_BATCH);
      for (const r of expired) await purgeReport(deps.store, r.ref);
      if (expired.length) deps.log.info({ event: 'incident.purged', count: expired.length, retentionDays: days }, 'closed reports past retention deleted');
    },
    deliveryKinds: [K.alert, K.alertAgain],
    /**
     * A first alert a restart left `uncertain` (it may never have arrived) is sent again, saying so; a sent
     * or refused one tells reach.ts whether its destination works.
     */
    async onDelivered(d) {
      if (d.status === 'uncertain' && d.kind === K.alert) {
        const ref = d.group?.startsWith('incident:') ? d.group.slice('incident:'.length) : '';
        const r = ref ? await deps.store.reports.get(ref) : undefined;
        if (!r || r.status === 'closed') return;
        await alerts.again(r, d);
        deps.log.info({ event: 'incident.alert-again', ref, platform: d.to.platform }, 'incident: a DPO alert cut short by a restart is sent again, marked as a possible repeat');
        return;
      }
      await reach.onAlertSettled(d);
    },
    timerKinds: [K.deadline, K.escalate],
    async onTimer(timer: Timer, ctx) {
      if (timer.kind === K.escalate) return onEscalate(timer, ctx.now);
      const ref = String(timer.payload.ref ?? '');
      const hour = Number(timer.payload.hour);
      const r = await deps.store.reports.get(ref);
      if (!r || r.status === 'closed' || reportState(r).decision) return;
      const view = { strings: deps.strings, timezone: deps.school.timezone, now: ctx.now };
      if (hour >= ICO_HOURS) {
        const at = ctx.now.toISOString();
        const written = await deps.store.reports.update(ref, (current) =>
          !current || current.status === 'closed' || current.timeline.some((e) => e.id === 'overdue') ? current : { ...current, timeline: [...current.timeline, { id: 'overdue', kind: 'overdue', at, by: { platform: 'system', id: 'safecall' } }] },
        );
        // Closed between the read above and this write: nothing is added to a closed case, nobody reminded.
        if (!written || written.status === 'closed') return;
        await alerts.notify(written, `h${hour}`, t('reports.reminders.h72', { ref }));
        await alerts.refresh(written, `h${hour}`);
        deps.log.info({ event: 'incident.overdue', ref }, 'incident flagged overdue');
        return;
      }
      // Fired late (the bot was down): a reminder whose next step is already due says nothing the next one won't.
      const next = DEADLINE_HOURS.find((h) => h > hour);
      if (next !== undefined && ctx.now.getTime() >= Date.parse(r.awareAt) + next * 3_600_000) {
        deps.log.info({ event: 'incident.reminder-skipped', ref, hour }, 'incident reminder past its time: the next one stands');
        return;
      }
      // Fired early: the DPO moved the awareness time later since this timer was set (it was moved too; this is the old one).
      if (ctx.now.getTime() < Date.parse(r.awareAt) + hour * 3_600_000 - 60_000) return;
      await alerts.notify(r, `h${hour}:${r.awareAt}`, t(`reports.reminders.h${hour}`, { ref, left: leftText(view, r) }));
      await alerts.refresh(r, `h${hour}`);
      deps.log.info({ event: 'incident.reminder', ref, hour }, 'incident reminder queued');
    },
  };
}
