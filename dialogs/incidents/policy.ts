/**
 * The ICO clock as timers: reminders to the DPO at 24, 48 and 68 hours after the school became aware
 * while no decision is recorded, and the report flagged overdue at 72 hours. The timers are set once per
 * report (setOnce), live in the store (so they survive restarts), and every send is an outbox item under a
 * key made from the reference and the hour, so a timer run twice after a crash sends once.
 */
import type { Deps } from '../../src/core/deps.js';
import type { SchedulePolicy, Timer, Timers } from '../../src/core/schedule/types.js';
import { ICO_HOURS, REMINDER_HOURS, reportState, type StoredReport } from '../../src/core/records/report.js';
import { INCIDENT_KINDS as K } from './ids.js';
import type { IncidentAlerts } from './alerts.js';
import { deadlineTimerKey } from './triage.js';
import { leftText } from './views.js';
import { DEFAULT_RETENTION_DAYS, expiredReports, purgeReport } from '../../src/core/records/report-retention.js';

/** Reports deleted per tick at most, so a first run after years does not hold the store for long. */
const PURGE_BATCH = 20;

export const DEADLINE_HOURS = [...REMINDER_HOURS, ICO_HOURS] as const;

export async function setDeadlineTimers(timers: Timers, r: StoredReport): Promise<void> {
  const aware = Date.parse(r.awareAt);
  for (const hour of DEADLINE_HOURS) {
    await timers.setOnce({ key: deadlineTimerKey(r.ref, hour), kind: K.deadline, dueAt: new Date(aware + hour * 3_600_000), payload: { ref: r.ref, hour } });
  }
}

export function incidentPolicy(deps: Deps, alerts: IncidentAlerts, retentionDays = DEFAULT_RETENTION_DAYS): SchedulePolicy {
  const t = (k: string, vars?: Record<string, string | number>) => deps.strings.t(k, vars);
  return {
    name: 'incidents',
    /**
     * A report stored by a process that died before queuing its DPO alert and deadline timers (they are
     * separate writes, after the report's) would sit unannounced while its ICO clock runs: any report of the
     * last 72 hours with an alert not in the outbox gets both now (idempotent: keys from the reference), and
     * one whose first alert is uncertain gets its repeat (onDelivered below) if a kill came before it.
     * Then retention: closed reports past their period are deleted.
     */
    async due(ctx) {
      const recent = await deps.store.reports.query({ index: 'reportedAt', from: new Date(ctx.now.getTime() - ICO_HOURS * 3_600_000).toISOString() });
      for (const { value: r } of recent) {
        if (r.status === 'closed' || r.alerts.length === 0) continue;
        const queued = await Promise.all(r.alerts.map((a) => deps.outbox.get(a.key)));
        // One a kill left uncertain whose repeat was not queued (the kill fell between the two writes).
        for (const d of queued) if (d?.status === 'uncertain') await alerts.again(r, d);
        if (queued.every((d) => d !== undefined)) continue;
        await setDeadlineTimers(deps.timers, r);
        await alerts.send(r);
        deps.log.warn({ event: 'incident.alert-mended', ref: r.ref }, 'incident: a report was stored without its DPO alert (a crash in between); alerted now');
      }
      const expired = await expiredReports(deps.store, ctx.now, retentionDays, PURGE_BATCH);
      for (const r of expired) await purgeReport(deps.store, r.ref);
      if (expired.length) deps.log.info({ event: 'incident.purged', count: expired.length, retentionDays }, 'closed reports past retention deleted');
    },
    deliveryKinds: [K.alert],
    /** A first alert a restart left `uncertain` (it may never have arrived) is sent again, saying so. */
    async onDelivered(d) {
      if (d.status !== 'uncertain') return;
      const ref = d.group?.startsWith('incident:') ? d.group.slice('incident:'.length) : '';
      const r = ref ? await deps.store.reports.get(ref) : undefined;
      if (!r || r.status === 'closed') return;
      await alerts.again(r, d);
      deps.log.info({ event: 'incident.alert-again', ref, platform: d.to.platform }, 'incident: a DPO alert cut short by a restart is sent again, marked as a possible repeat');
    },
    timerKinds: [K.deadline],
    async onTimer(timer: Timer, ctx) {
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
      await alerts.notify(r, `h${hour}`, t(`reports.reminders.h${hour}`, { ref, left: leftText(view, r) }));
      await alerts.refresh(r, `h${hour}`);
      deps.log.info({ event: 'incident.reminder', ref, hour }, 'incident reminder queued');
    },
  };
}
