/**
 * The DPO's forms (assess risk, ICO decision, individuals told, add a note): built, and their submissions
 * checked. Pure. Each form's state is `<ref>|<nonce>`: the nonce becomes the timeline entry's id, so a
 * double submit or a retry appends one entry.
 */
import type { FormField, Option, Prompt } from '../../src/core/prompt.js';
import type { Strings } from '../../src/core/strings.js';
import { DECISIONS, isDecisionLate, RISKS, type Decision, type Risk, type StoredReport } from '../../src/core/records/report.js';
import { REPORT_FORMS, TRIAGE_FIELDS as F } from './ids.js';
import { CLOCK_SKEW_MS, MAX_TEXT } from './form.js';

export type TriageForm = 'risk' | 'decision' | 'told' | 'note';
export const NOTE_KINDS = ['note', 'fact'] as const;

export const formState = (ref: string, id: string) => `${ref}|${id}`;
export function readState(state: string | undefined): { ref: string; id: string } | undefined {
  const m = /^(INC-\d{4}-\d{4,})\|([A-Za-z0-9-]{8,64})$/.exec(state ?? '');
  return m ? { ref: m[1]!, id: m[2]! } : undefined;
}

const opts = (strings: Strings, prefix: string, values: readonly string[]): Option[] => values.map((v) => ({ value: v, label: strings.t(`${prefix}.${v}`) }));

function fieldsFor(which: TriageForm, strings: Strings, late: boolean): FormField[] {
  const t = (k: string) => strings.t(k);
  switch (which) {
    case 'risk':
      return [
        { id: F.risk, label: t('reports.triage.risk'), type: 'select', required: true, options: opts(strings, 'reports.alert.risks', RISKS) },
        { id: F.consequences, label: t('reports.triage.consequences'), type: 'multiline', placeholder: t('reports.triage.consequencesPlaceholder'), maxLength: MAX_TEXT },
      ];
    case 'decision':
      return [
        { id: F.decision, label: t('reports.triage.decision'), type: 'select', required: true, options: opts(strings, 'reports.triage.decisions', DECISIONS) },
        { id: F.icoRef, label: t('reports.triage.icoRef'), type: 'text', hint: t('reports.triage.icoRefHint'), maxLength: 60 },
        { id: F.reason, label: t('reports.triage.reason'), type: 'multiline', hint: t('reports.triage.reasonHint'), maxLength: MAX_TEXT },
        ...(late ? [{ id: F.delayReason, label: t('reports.triage.delayReason'), type: 'multiline' as const, required: true, hint: t('reports.triage.delayHint'), maxLength: MAX_TEXT }] : []),
      ];
    case 'told':
      return [
        { id: F.toldAt, label: t('reports.triage.toldAt'), type: 'datetime', required: true },
        { id: F.how, label: t('reports.triage.how'), type: 'multiline', required: true, maxLength: MAX_TEXT },
      ];
    case 'note':
      return [
        { id: F.kind, label: t('reports.triage.kind'), type: 'select', required: true, options: opts(strings, 'reports.triage.kinds', NOTE_KINDS), initial: 'note' },
        { id: F.note, label: t('reports.triage.note'), type: 'multiline', required: true, maxLength: MAX_TEXT },
      ];
  }
}

const FORM_IDS: Record<TriageForm, string> = { risk: REPORT_FORMS.risk, decision: REPORT_FORMS.decision, told: REPORT_FORMS.told, note: REPORT_FORMS.note };
const TITLES: Record<TriageForm, string> = { risk: 'riskTitle', decision: 'decisionTitle', told: 'toldTitle', note: 'noteTitle' };

export const triageFormOf = (formId: string): TriageForm | undefined => (Object.keys(FORM_IDS) as TriageForm[]).find((k) => FORM_IDS[k] === formId);

export function triageForm(which: TriageForm, strings: Strings, r: StoredReport, state: string, now: Date, kept: Record<string, string> = {}, errors: Record<string, string> = {}): Prompt {
  const late = isDecisionLate(r, now);
  const fields = fieldsFor(which, strings, late).map((f) => ({ ...f, ...(kept[f.id] ? { initial: kept[f.id] } : {}), ...(errors[f.id] ? { error: errors[f.id] } : {}) }));
  const title = strings.t(`reports.triage.${TITLES[which]}`);
  return {
    fallback: `${title}: ${r.ref}`,
    blocks: [{ kind: 'text', text: `**${r.ref}**` }],
    form: { id: FORM_IDS[which], title, submitLabel: strings.t('reports.triage.save'), cancelLabel: strings.t('reports.triage.cancel'), fields, state },
  };
}

export type TriageInput =
  | { which: 'risk'; risk: Risk; text?: string }
  | { which: 'decision'; decision: Decision; icoRef?: string; text?: string; delayReason?: string; late: boolean }
  | { which: 'told'; toldAt: Date; text: string }
  | { which: 'note'; kind: 'note' | 'fact'; text: string };

export function checkTriage(which: TriageForm, values: Record<string, string>, r: StoredReport, now: Date, strings: Strings): { ok: true; input: TriageInput } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const e = (k: string, vars?: Record<string, string | number>) => strings.t(k, vars);
  const text = (id: string, max: number, required = false, missing = 'reports.errors.required') => {
    const v = (values[id] ?? '').trim();
    if (!v) {
      if (required) errors[id] = e(missing);
      return undefined;
    }
    if (v.length > max) errors[id] = e('reports.errors.tooLong', { max });
    return v;
  };
  const one = <T extends string>(id: string, list: readonly T[]): T | undefined => {
    const v = (values[id] ?? '').trim();
    if ((list as readonly string[]).includes(v)) return v as T;
    errors[id] = e('reports.errors.choose');
    return undefined;
  };
  const done = <T extends TriageInput>(input: T) => (Object.keys(errors).length ? { ok: false as const, errors } : { ok: true as const, input });
  switch (which) {
    case 'risk': {
      const risk = one(F.risk, RISKS);
      const consequences = text(F.consequences, MAX_TEXT);
      return done({ which, risk: risk ?? 'none', ...(consequences ? { text: consequences } : {}) });
    }
    case 'decision': {
      const decision = one(F.decision, DECISIONS);
      const icoRef = text(F.icoRef, 60, decision === 'reported', 'reports.triage.needIcoRef');
      const reason = text(F.reason, MAX_TEXT, decision === 'not-reported', 'reports.triage.needReason');
      const late = isDecisionLate(r, now);
      const delayReason = text(F.delayReason, MAX_TEXT, late, 'reports.triage.needDelay');
      return done({ which, decision: decision ?? 'reported', ...(icoRef && decision === 'reported' ? { icoRef } : {}), ...(reason ? { text: reason } : {}), ...(delayReason && late ? { delayReason } : {}), late });
    }
    case 'told': {
      const raw = (values[F.toldAt] ?? '').trim();
      const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
      if (!raw || Number.isNaN(ms)) errors[F.toldAt] = e('reports.errors.time');
      else if (ms > now.getTime() + CLOCK_SKEW_MS) errors[F.toldAt] = e('reports.errors.future');
      else if (ms < Date.parse(r.occurredAt)) errors[F.toldAt] = e('reports.triage.tooEarly');
      const how = text(F.how, MAX_TEXT, true);
      return done({ which, toldAt: new Date(Math.min(ms, now.getTime())), text: how ?? '' });
    }
    case 'note': {
      const kind = one(F.kind, NOTE_KINDS);
      const note = text(F.note, MAX_TEXT, true);
      return done({ which, kind: kind ?? 'note', text: note ?? '' });
    }
  }
}

