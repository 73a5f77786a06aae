/**
 * The breach log (UK GDPR Art. 33(5): every breach, reported or not, with the facts, the effects and the
 * remedial action): every report with its latest state and decisions, as CSV for Excel or JSON with the
 * full timelines; either carries only what the DPO and the ICO need (CSV_COLUMNS, exportedReportSchema). Shared by `safecall reports export` and the DPO's chat command "breach log". Opens the
 * sealed fields, so its output is as sensitive as the reports: it is handed only to those allowed.
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { Sealer } from '../sealer.js';
import { CALL_PLATFORMS, CATEGORIES, DECISIONS, HOW_MANY, openFacts, openText, reportState, RISKS, SUBJECTS, YES_NO_UNSURE, type StoredReport, type TimelineEntry } from './report.js';

/** A timeline entry with its sealed text opened. */
export type OpenedEntry = Omit<TimelineEntry, 'text' | 'delayReason'> & { text?: string; delayReason?: string };

/** Opened for export: sealed fields in plain text. */
export interface OpenedReport extends Omit<StoredReport, 'facts' | 'timeline'> {
  facts: ReturnType<typeof openFacts>;
  timeline: OpenedEntry[];
}

export function openReport(r: StoredReport, sealer: Sealer): OpenedReport {
  return {
    ...r,
    facts: openFacts(r, sealer),
    timeline: r.timeline.map(({ text, delayReason, ...e }) => ({
      ...e,
      ...(text !== undefined ? { text: openText(text, sealer) } : {}),
      ...(delayReason !== undefined ? { delayReason: openText(delayReason, sealer) } : {}),
    })),
  };
}

/** The reports reported on or after `since` (ISO), oldest first. */
export function selectReports(reports: StoredReport[], since?: string): StoredReport[] {
  return reports.filter((r) => !since || r.reportedAt >= since).sort((a, b) => (a.reportedAt < b.reportedAt ? -1 : a.reportedAt > b.reportedAt ? 1 : a.ref < b.ref ? -1 : 1));
}

export const CSV_COLUMNS = [
  'reference', 'status', 'category', 'platform', 'meeting', 'reporter_platform', 'reporter_id', 'reporter_name',
  'occurred_at_utc', 'noticed_at_utc', 'reported_at_utc', 'school_aware_at_utc', 'ico_deadline_utc',
  'whose_data', 'how_many_people', 'special_category', 'what_happened', 'action_taken', 'evidence', 'others_told',
  'acknowledged_at_utc', 'acknowledged_by', 'risk', 'likely_consequences', 'risk_assessed_at_utc',
  'ico_decision', 'ico_case_ref', 'not_reported_reason', 'decision_at_utc', 'decision_late', 'delay_reason',
  'individuals_told_at_utc', 'individuals_told_how', 'notes', 'overdue_flagged_at_utc', 'closed_at_utc', 'closed_by',
] as const;

/**
 * A cell a spreadsheet would run as a formula (= + - @, or a tab or carriage return first) gets a leading
 * apostrophe, so text from a report shows as typed and runs nothing (OWASP, "CSV Injection").
 */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

const who = (e: OpenedEntry | undefined) => (e ? `${e.by.platform}:${e.by.id}` : '');

export function csvRow(o: OpenedReport): string[] {
  const s = reportState(o);
  const row: Record<(typeof CSV_COLUMNS)[number], string> = {
    reference: o.ref,
    status: o.status,
    category: o.category,
    platform: o.callPlatform ?? '',
    meeting: o.facts.meeting ?? '',
    reporter_platform: o.reporter.platform,
    reporter_id: o.reporter.id,
    reporter_name: o.facts.reporterName ?? '',
    occurred_at_utc: o.occurredAt,
    noticed_at_utc: o.discoveredAt,
    reported_at_utc: o.reportedAt,
    school_aware_at_utc: o.awareAt,
    ico_deadline_utc: o.deadlineAt,
    whose_data: o.subjects.join('; '),
    how_many_people: o.howMany ?? '',
    special_category: o.specialCategory ?? '',
    what_happened: o.facts.narrative,
    action_taken: o.facts.actionsTaken ?? '',
    evidence: o.facts.evidence ?? '',
    others_told: o.facts.othersTold ?? '',
    acknowledged_at_utc: s.acknowledged?.at ?? '',
    acknowledged_by: who(s.acknowledged),
    risk: s.risk?.risk ?? '',
    likely_consequences: s.risk?.text ?? '',
    risk_assessed_at_utc: s.risk?.at ?? '',
    ico_decision: s.decision?.decision ?? '',
    ico_case_ref: s.decision?.icoRef ?? '',
    not_reported_reason: s.decision?.decision === 'not-reported' ? (s.decision.text ?? '') : '',
    decision_at_utc: s.decision?.at ?? '',
    decision_late: s.decision ? (s.decision.late ? 'yes' : 'no') : '',
    delay_reason: s.decision?.delayReason ?? '',
    individuals_told_at_utc: s.told?.toldAt ?? '',
    individuals_told_how: s.told?.text ?? '',
    notes: s.notes.map((n) => `${n.at} ${n.kind === 'fact' ? '(new fact) ' : ''}${n.text ?? ''}`).join('\n'),
    overdue_flagged_at_utc: s.overdue?.at ?? '',
    closed_at_utc: o.closedAt ?? '',
    closed_by: who(s.closed),
  };
  return CSV_COLUMNS.map((c) => neutralise(row[c]));
}

/** UTF-8 with a byte-order mark (Excel then reads it as UTF-8), every field quoted, CRLF line ends. */
export function breachLogCsv(reports: StoredReport[], sealer: Sealer): string {
  const rows = reports.map((r) => csvRow(openReport(r, sealer)));
  return stringify([[...CSV_COLUMNS], ...rows], { bom: true, quoted: true, record_delimiter: 'windows' });
}

const actor = z.object({ platform: z.enum(['slack', 'teams', 'system']), id: z.string() });

/**
 * One report in the JSON breach log: what the DPO and the ICO need (Art. 33(5): the facts, the effects, the
 * remedial action, the decision and why), and nothing of SafeCall's own bookkeeping (the form submission it
 * came from, where alerts went, entry ids, the shape version). Declared here so the shape is a decision:
 * a field added to the stored report stays out of the export until it is added to this schema.
 */
export const exportedReportSchema = z.object({
  ref: z.string(),
  status: z.enum(['open', 'closed']),
  category: z.enum(CATEGORIES),
  callPlatform: z.enum(CALL_PLATFORMS).optional(),
  reporter: z.object({ platform: z.enum(['slack', 'teams']), id: z.string(), name: z.string().optional() }),
  occurredAt: z.string(),
  discoveredAt: z.string(),
  reportedAt: z.string(),
  awareAt: z.string(),
  deadlineAt: z.string(),
  closedAt: z.string().optional(),
  subjects: z.array(z.enum(SUBJECTS)),
  howMany: z.enum(HOW_MANY).optional(),
  specialCategory: z.enum(YES_NO_UNSURE).optional(),
  facts: z.object({
    meeting: z.string().optional(),
    narrative: z.string(),
    actionsTaken: z.string().optional(),
    evidence: z.string().optional(),
    othersTold: z.string().optional(),
  }),
  timeline: z.array(
    z.object({
      kind: z.string(),
      at: z.string(),
      by: actor,
      risk: z.enum(RISKS).optional(),
      decision: z.enum(DECISIONS).optional(),
      icoRef: z.string().optional(),
      toldAt: z.string().optional(),
      text: z.string().optional(),
      delayReason: z.string().optional(),
      late: z.boolean().optional(),
      /** `aware`: the awareness time the DPO recorded and the one it replaced (the reason is `text`). */
      awareAt: z.string().optional(),
      previousAwareAt: z.string().optional(),
      /** `escalated`: who was brought in (1 deputies, 2 admins) and why. */
      level: z.number().int().optional(),
      reason: z.string().optional(),
    }),
  ),
});
export type ExportedReport = z.infer<typeof exportedReportSchema>;

/** Only the fields named, so an absent one is left out rather than written as undefined. */
const only = <T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Pick<T, K>;

/** A report as the breach log exports it: opened, mapped field by field, and checked against the schema (which drops anything else). */
export function exportReport(r: StoredReport, sealer: Sealer): ExportedReport {
  const o = openReport(r, sealer);
  return exportedReportSchema.parse({
    ...only(o, ['ref', 'status', 'category', 'callPlatform', 'occurredAt', 'discoveredAt', 'reportedAt', 'awareAt', 'deadlineAt', 'closedAt', 'subjects', 'howMany', 'specialCategory']),
    reporter: { platform: o.reporter.platform, id: o.reporter.id, ...(o.facts.reporterName ? { name: o.facts.reporterName } : {}) },
    facts: only(o.facts, ['meeting', 'narrative', 'actionsTaken', 'evidence', 'othersTold']),
    timeline: o.timeline.map((e) => ({ ...only(e, ['kind', 'at', 'risk', 'decision', 'icoRef', 'toldAt', 'text', 'delayReason', 'late', 'awareAt', 'previousAwareAt', 'level', 'reason']), by: { platform: e.by.platform, id: e.by.id } })),
  });
}

export function breachLogJson(reports: StoredReport[], sealer: Sealer, exportedAt: Date): string {
  return `${JSON.stringify({ exportedAt: exportedAt.toISOString(), count: reports.length, reports: reports.map((r) => exportReport(r, sealer)) }, null, 2)}\n`;
}
