/**
 * A neutral Form → Adaptive Card 1.5 inputs (Teams shows forms inside the card). Pure.
 * A datetime field becomes two inputs, `<id>__date` and `<id>__time`, read in the given time zone.
 */
import { DateTime } from 'luxon';
import { stripMarkup, type Form, type FormField } from '../core/prompt.js';
import { DEFAULT_TIME_ZONE, type CardAction, type CardElement, type RenderCardOptions } from './card-types.js';

export const DATE_SUFFIX = '__date';
export const TIME_SUFFIX = '__time';

/** The input ids a field produces (for avoiding collisions with other inputs). */
export function inputIds(f: FormField): string[] {
  return f.type === 'datetime' ? [f.id + DATE_SUFFIX, f.id + TIME_SUFFIX] : [f.id];
}

function common(f: FormField, opts: RenderCardOptions, id = f.id, label = f.label): CardElement {
  const el: CardElement = { type: '', id, label: stripMarkup(label).trim() || f.id };
  if (f.required) {
    el.isRequired = true;
    el.errorMessage = f.error?.trim() || opts.requiredMessage || 'This field is required.';
  }
  return el;
}

function inputs(f: FormField, opts: RenderCardOptions): CardElement[] {
  const initial = f.initial ?? '';
  const placeholder = f.placeholder ? { placeholder: f.placeholder } : {};
  const choices = (f.options ?? []).map((o) => ({ title: stripMarkup(o.label), value: o.value }));
  switch (f.type) {
    case 'text':
    case 'multiline':
      return [{
        ...common(f, opts),
        type: 'Input.Text',
        ...(f.type === 'multiline' ? { isMultiline: true } : {}),
        ...placeholder,
        ...(initial ? { value: initial } : {}),
        ...(f.maxLength === undefined ? {} : { maxLength: f.maxLength }),
      }];
    case 'select':
    case 'multiselect':
      return [{
        ...common(f, opts),
        type: 'Input.ChoiceSet',
        style: 'compact',
        choices,
        ...(f.type === 'multiselect' ? { isMultiSelect: true } : {}),
        ...placeholder,
        ...(initial ? { value: initial } : {}),
      }];
    case 'datetime': {
      const at = initial ? DateTime.fromISO(initial, { zone: opts.timeZone ?? DEFAULT_TIME_ZONE }) : undefined;
      const ok = at?.isValid === true;
      return [
        { ...common(f, opts, f.id + DATE_SUFFIX), type: 'Input.Date', ...(ok ? { value: at.toISODate() } : {}) },
        { ...common(f, opts, f.id + TIME_SUFFIX, opts.timeLabel ?? 'Time'), type: 'Input.Time', spacing: 'Small', ...(ok ? { value: at.toFormat('HH:mm') } : {}) },
      ];
    }
    case 'date':
      return [{ ...common(f, opts), type: 'Input.Date', ...(/^\d{4}-\d{2}-\d{2}$/.test(initial) ? { value: initial } : {}) }];
    case 'number': {
      const n = initial.trim() === '' ? NaN : Number(initial);
      return [{ ...common(f, opts), type: 'Input.Number', ...placeholder, ...(Number.isFinite(n) ? { value: n } : {}) }];
    }
    case 'toggle':
      return [{
        ...common(f, opts),
        type: 'Input.Toggle',
        title: stripMarkup(f.placeholder ?? f.label),
        value: initial === 'true' ? 'true' : 'false',
        valueOn: 'true',
        valueOff: 'false',
      }];
  }
}

/** The inputs of one field, then its hint (subtle) and its error (attention colour). */
function field(f: FormField, opts: RenderCardOptions): CardElement[] {
  const out = inputs(f, opts);
  if (f.hint?.trim()) out.push({ type: 'TextBlock', text: f.hint, wrap: true, isSubtle: true, size: 'Small', spacing: 'Small' });
  if (f.error?.trim()) out.push({ type: 'TextBlock', text: f.error, wrap: true, color: 'Attention', size: 'Small', spacing: 'Small' });
  return out;
}

/** The form's title, its fields and the submit button carrying `{ safecall: { form, state } }`. */
export function formElements(form: Form, opts: RenderCardOptions): CardElement[] {
  const submit: CardAction = {
    type: 'Action.Submit',
    title: stripMarkup(form.submitLabel),
    style: 'positive',
    data: { safecall: form.state === undefined ? { form: form.id } : { form: form.id, state: form.state } },
  };
  const title: CardElement[] = form.title.trim() ? [{ type: 'TextBlock', text: form.title, wrap: true, size: 'Medium', weight: 'Bolder', style: 'heading', separator: true }] : [];
  return [
    ...title,
    ...form.fields.flatMap((f) => field(f, opts)),
    { type: 'ActionSet', actions: [submit] },
  ];
}

/**
 * A refused form shown again: each field keeps what was typed (the submitted `values`, which override the
 * form's initial values) and carries its error beside it, so nothing typed is lost. Pure.
 */
export function refusedForm<P extends { form?: Form }>(prompt: P, errors: Record<string, string>, values: Record<string, string> | undefined): P {
  if (!prompt.form) return prompt;
  const fields = prompt.form.fields.map((f) => {
    const typed = values && Object.hasOwn(values, f.id) ? { initial: values[f.id] } : {};
    const error = errors[f.id] ?? f.error;
    return { ...f, ...typed, ...(error ? { error } : {}) };
  });
  return { ...prompt, form: { ...prompt.form, fields } };
}
