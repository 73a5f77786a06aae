/**
 * The report form: built from the strings, and its submission read and checked. Pure. A refused
 * submission comes back as the same form with every typed value kept and an error beside each bad field.
 */
import type { Form, FormField, Option, Prompt } from '../../src/core/prompt.js';
import type { Strings } from '../../src/core/strings.js';
import {
  CALL_PLATFORMS,
  CATEGORIES,
  HOW_MANY,
  SUBJECTS,
  YES_NO_UNSURE,
  type Category,
  type HowMany,
  type ReportPlatform,
  type Subject,
  type YesNoUnsure,
} from '../../src/core/records/report.js';
import { REPORT_FIELDS as F, REPORT_FORMS } from './ids.js';

/** Longest free text accepted (Slack's plain_text_input limit). */
export const MAX_TEXT = 3000;
export const MAX_SHORT = 200;
/** Clocks drift: a time up to this far ahead of the server's is taken as now. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** A time further back than this is a mistyped year (or a forged value), not an incident to report. */
export const MAX_AGE_YEARS = 10;
const MAX_AGE_MS = MAX_AGE_YEARS * 366 * 24 * 3600_000;

const options = (strings: Strings, prefix: string, values: readonly string[]): Option[] => values.map((v) => ({ value: v, label: strings.t(`${prefix}.${v}`) }));

/** The fields in the order a person answers them; only the first few are required. */
export function reportFields(strings: Strings): FormField[] {
  const t = (k: string) => strings.t(k);
  return [
    { id: F.category, label: t('reports.form.category'), type: 'select', required: true, options: options(strings, 'reports.form.categories', CATEGORIES) },
    { id: F.occurredAt, label: t('reports.form.occurred'), type: 'datetime', required: true },
    { id: F.narrative, label: t('reports.form.what'), type: 'multiline', required: true, placeholder: t('reports.form.whatPlaceholder'), maxLength: MAX_TEXT },
    { id: F.discoveredAt, label: t('reports.form.noticed'), type: 'datetime', hint: t('reports.form.noticedHint') },
    { id: F.platform, label: t('reports.form.platform'), type: 'select', options: options(strings, 'reports.form.platforms', CALL_PLATFORMS) },
    { id: F.meeting, label: t('reports.form.meeting'), type: 'text', placeholder: t('reports.form.meetingPlaceholder'), maxLength: MAX_SHORT },
    { id: F.subjects, label: t('reports.form.whose'), type: 'multiselect', options: options(strings, 'reports.form.subjects', SUBJECTS) },
    { id: F.howMany, label: t('reports.form.howMany'), type: 'select', options: options(strings, 'reports.form.howManyOptions', HOW_MANY) },
    { id: F.special, label: t('reports.form.special'), type: 'select', hint: t('reports.form.specialHint'), options: options(strings, 'reports.form.yesNo', YES_NO_UNSURE) },
    { id: F.actionsTaken, label: t('reports.form.done'), type: 'multiline', maxLength: MAX_TEXT },
    { id: F.evidence, label: t('reports.form.evidence'), type: 'multiline', placeholder: t('reports.form.evidencePlaceholder'), maxLength: MAX_TEXT },
    { id: F.othersTold, label: t('reports.form.told'), type: 'text', maxLength: MAX_SHORT },
  ];
}

/** The form, with values kept (a refusal) and errors beside fields. `state`: the submission's draft id. */
export function reportForm(strings: Strings, state: string, kept: Record<string, string> = {}, errors: Record<string, string> = {}): Prompt {
  const fields = reportFields(strings).map((f) => {
    const initial = kept[f.id];
    return { ...f, ...(initial ? { initial } : {}), ...(errors[f.id] ? { error: errors[f.id] } : {}) };
  });
  const form: Form = {
    id: REPORT_FORMS.report,
    title: strings.t('reports.form.title'),
    submitLabel: strings.t('reports.form.submit'),
    cancelLabel: strings.t('reports.form.cancel'),
    fields,
    state,
  };
  const lead = strings.t('reports.form.lead');
  return { fallback: `${strings.t('reports.form.title')}. ${lead}`, blocks: [{ kind: 'text', text: lead }], form };
}

/** A submission that passed the checks. */
export interface ReportInput {
  category: Category;
  callPlatform?: ReportPlatform;
  meeting?: string;
  occurredAt: Date;
  discoveredAt: Date;
  narrative: string;
  subjects: Subject[];
  howMany?: HowMany;
  specialCategory?: YesNoUnsure;
  actionsTaken?: string;
  evidence?: string;
  othersTold?: string;
}

export type Checked = { ok: true; input: ReportInput } | { ok: false; errors: Record<string, string> };

function readTime(raw: string | undefined): Date | undefined | 'bad' {
  const text = raw?.trim() ?? '';
  if (!text) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  // Seconds past the last date JavaScript can hold make an Invalid Date, which nothing can store.
  const at = new Date(ms);
  return Number.isNaN(at.getTime()) ? 'bad' : at;
}

const oneOf = <T extends string>(list: readonly T[], v: string | undefined): T | undefined => (list as readonly string[]).includes(v ?? '') ? (v as T) : undefined;

/** Checks a submission against the server's clock; every problem named by its field. */
export function checkReport(values: Record<string, string>, now: Date, strings: Strings): Checked {
  const errors: Record<string, string> = {};
  const e = (k: string, vars?: Record<string, string | number>) => strings.t(`reports.errors.${k}`, vars);
  const text = (id: string, max: number, required = false): string | undefined => {
    const v = (values[id] ?? '').trim();
    if (!v) {
      if (required) errors[id] = e('required');
      return undefined;
    }
    if (v.length > max) errors[id] = e('tooLong', { max });
    return v;
  };
  const choice = <T extends string>(id: string, list: readonly T[], required = false): T | undefined => {
    const raw = (values[id] ?? '').trim();
    if (!raw) {
      if (required) errors[id] = e('choose');
      return undefined;
    }
    const v = oneOf(list, raw);
    if (!v) errors[id] = e('choose');
    return v;
  };

  const category = choice(F.category, CATEGORIES, true);
  const callPlatform = choice(F.platform, CALL_PLATFORMS);
  const howMany = choice(F.howMany, HOW_MANY);
  const specialCategory = choice(F.special, YES_NO_UNSURE);
  const subjectsRaw = (values[F.subjects] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const subjects = subjectsRaw.map((s) => oneOf(SUBJECTS, s)).filter((s): s is Subject => !!s);
  if (subjects.length !== subjectsRaw.length) errors[F.subjects] = e('choose');

  const latest = now.getTime() + CLOCK_SKEW_MS;
  const earliest = now.getTime() - MAX_AGE_MS;
  const occurred = readTime(values[F.occurredAt]);
  if (occurred === undefined || occurred === 'bad') errors[F.occurredAt] = e('time');
  else if (occurred.getTime() > latest) errors[F.occurredAt] = e('future');
  else if (occurred.getTime() < earliest) errors[F.occurredAt] = e('tooOld', { years: MAX_AGE_YEARS });
  const noticed = readTime(values[F.discoveredAt]);
  if (noticed === 'bad') errors[F.discoveredAt] = e('time');
  else if (noticed && noticed.getTime() > latest) errors[F.discoveredAt] = e('future');
  else if (noticed && noticed.getTime() < earliest) errors[F.discoveredAt] = e('tooOld', { years: MAX_AGE_YEARS });
  else if (noticed && occurred instanceof Date && noticed.getTime() < occurred.getTime()) errors[F.discoveredAt] = e('beforeHappened');

  const narrative = text(F.narrative, MAX_TEXT, true);
  const meeting = text(F.meeting, MAX_SHORT);
  const actionsTaken = text(F.actionsTaken, MAX_TEXT);
  const evidence = text(F.evidence, MAX_TEXT);
  const othersTold = text(F.othersTold, MAX_SHORT);

  if (Object.keys(errors).length || !category || !(occurred instanceof Date) || !narrative) return { ok: false, errors };
  const discoveredAt = noticed instanceof Date ? noticed : occurred;
  // A time a little ahead (clock drift) is taken as now, so nothing is stored in the future.
  const clamp = (d: Date) => (d.getTime() > now.getTime() ? now : d);
  return {
    ok: true,
    input: {
      category,
      ...(callPlatform ? { callPlatform } : {}),
      ...(meeting ? { meeting } : {}),
      occurredAt: clamp(occurred),
      discoveredAt: clamp(discoveredAt),
      narrative,
      subjects,
      ...(howMany ? { howMany } : {}),
      ...(specialCategory ? { specialCategory } : {}),
      ...(actionsTaken ? { actionsTaken } : {}),
      ...(evidence ? { evidence } : {}),
      ...(othersTold ? { othersTold } : {}),
    },
  };
}
