/**
 * Modals and App Home views, and the inverse for submissions. Pure.
 * A form field becomes an input block with block_id = action_id = field.id.
 */
import type { ViewStateValue } from '@slack/bolt';
import type { ContextBlock, HomeView, InputBlock, InputBlockElement, KnownBlock, ModalView } from '@slack/types';
import type { FormField, Prompt } from '../core/prompt.js';
import * as L from './limits.js';
import { makeActionIds, plainText, renderBlocks, selectOptions } from './render-blocks.js';

/** Keeps a view under `max` blocks; when content must go, the last kept block says so visibly. */
function fit(blocks: KnownBlock[], max: number): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  const more: ContextBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: '…' }] };
  return [...blocks.slice(0, Math.max(0, max - 1)), more];
}

function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function element(f: FormField): InputBlockElement {
  const action_id = f.id;
  const placeholder = f.placeholder ? { placeholder: plainText(f.placeholder, L.MAX_PLACEHOLDER) } : {};
  const initial = f.initial ?? '';
  switch (f.type) {
    case 'text':
    case 'multiline': {
      const max = f.maxLength === undefined ? undefined : Math.min(f.maxLength, L.MAX_PLAIN_TEXT_INPUT_LENGTH);
      return {
        type: 'plain_text_input',
        action_id,
        ...(f.type === 'multiline' ? { multiline: true } : {}),
        ...placeholder,
        ...(initial ? { initial_value: initial } : {}),
        ...(max === undefined ? {} : { max_length: max }),
      };
    }
    case 'select':
    case 'multiselect': {
      if (!f.options?.length) throw new Error(`Slack render: field "${f.id}" (${f.type}) has no options`);
      const { chosen, ...opts } = selectOptions(f.options, f.type === 'select' ? [initial] : splitList(initial));
      if (f.type === 'select') return { type: 'static_select', action_id, ...placeholder, ...opts, ...(chosen[0] ? { initial_option: chosen[0] } : {}) };
      return { type: 'multi_static_select', action_id, ...placeholder, ...opts, ...(chosen.length ? { initial_options: chosen } : {}) };
    }
    case 'datetime': {
      const ms = Date.parse(initial);
      return { type: 'datetimepicker', action_id, ...(initial && Number.isFinite(ms) ? { initial_date_time: Math.floor(ms / 1000) } : {}) };
    }
    case 'date':
      return { type: 'datepicker', action_id, ...placeholder, ...(/^\d{4}-\d{2}-\d{2}$/.test(initial) ? { initial_date: initial } : {}) };
    case 'number': {
      const numeric = initial.trim() !== '' && Number.isFinite(Number(initial));
      // No decimal flag in the neutral model: whole numbers unless the initial value has a fraction.
      return { type: 'number_input', action_id, is_decimal_allowed: numeric && !Number.isInteger(Number(initial)), ...placeholder, ...(numeric ? { initial_value: initial.trim() } : {}) };
    }
    case 'toggle': {
      const opt = { text: plainText(f.placeholder ?? f.label, L.MAX_OPTION_TEXT), value: 'true' };
      return { type: 'checkboxes', action_id, options: [opt], ...(initial === 'true' ? { initial_options: [opt] } : {}) };
    }
  }
}

function inputBlock(f: FormField): InputBlock {
  if (f.id.length > L.MAX_BLOCK_ID) throw new Error(`Slack render: field id "${f.id.slice(0, 40)}…" is over ${L.MAX_BLOCK_ID} characters`);
  const hint = [f.error ? `⚠️ ${f.error}` : '', f.hint ?? ''].filter(Boolean).join(' — ');
  return {
    type: 'input',
    block_id: f.id,
    optional: !f.required,
    label: plainText(f.label, L.MAX_INPUT_LABEL),
    element: element(f),
    ...(hint ? { hint: plainText(hint, L.MAX_INPUT_HINT) } : {}),
  };
}

/** A prompt with a form → a modal view: the prompt's blocks above one input block per field. */
export function renderModal(prompt: Prompt): ModalView {
  const form = prompt.form;
  if (!form) throw new Error('Slack renderModal: the prompt has no form');
  if (form.id.length > L.MAX_CALLBACK_ID) throw new Error(`Slack render: form id is over ${L.MAX_CALLBACK_ID} characters`);
  if ((form.state?.length ?? 0) > L.MAX_PRIVATE_METADATA) throw new Error(`Slack render: form state of "${form.id}" is over ${L.MAX_PRIVATE_METADATA} characters`);
  const fieldIds = form.fields.map((f) => f.id);
  const dup = fieldIds.find((id, i) => fieldIds.indexOf(id) !== i);
  if (dup !== undefined) throw new Error(`Slack render: form "${form.id}" has two fields with id "${dup}"`);
  if (form.fields.length > L.MAX_VIEW_BLOCKS) throw new Error(`Slack render: form "${form.id}" has more than ${L.MAX_VIEW_BLOCKS} fields`);

  const inputs = form.fields.map(inputBlock);
  const content = fit(renderBlocks(prompt.blocks, makeActionIds(fieldIds)), L.MAX_VIEW_BLOCKS - inputs.length);
  const view: ModalView = {
    type: 'modal',
    callback_id: form.id,
    title: plainText(form.title, L.MAX_MODAL_TITLE),
    blocks: [...content, ...inputs],
  };
  if (inputs.length) view.submit = plainText(form.submitLabel, L.MAX_MODAL_BUTTON);
  if (form.cancelLabel) view.close = plainText(form.cancelLabel, L.MAX_MODAL_BUTTON);
  if (form.state !== undefined) view.private_metadata = form.state;
  return view;
}

/** A prompt → the App Home view (the form, if any, is not shown: a home tab has no submit). */
export function renderHome(prompt: Prompt): HomeView {
  return { type: 'home', blocks: fit(renderBlocks(prompt.blocks, makeActionIds()), L.MAX_VIEW_BLOCKS) };
}

type StateValues = Record<string, Record<string, ViewStateValue>>;

function valueOf(v: ViewStateValue): string {
  switch (v.type) {
    case 'static_select':
      return v.selected_option?.value ?? '';
    case 'multi_static_select':
      return (v.selected_options ?? []).map((o) => o.value).join(',');
    case 'checkboxes':
      return (v.selected_options ?? []).length > 0 ? 'true' : 'false';
    case 'datetimepicker': {
      if (typeof v.selected_date_time !== 'number') return '';
      // A number past any date (a forged payload) is passed on as typed, for the form to refuse by name.
      const at = new Date(v.selected_date_time * 1000);
      return Number.isNaN(at.getTime()) ? String(v.selected_date_time) : at.toISOString();
    }
    case 'datepicker':
      return v.selected_date ?? '';
    case 'timepicker':
      return v.selected_time ?? '';
    default:
      return v.value ?? '';
  }
}

/** view.state.values → field values by field id (the block_id), the inverse of renderModal's inputs. */
export function formValuesFromView(values: StateValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [blockId, actions] of Object.entries(values)) {
    const v = actions[blockId] ?? Object.values(actions)[0];
    if (v) out[blockId] = valueOf(v);
  }
  return out;
}

/** The view_submission response that shows field errors in the open modal (keys are block_ids = field ids). */
export function formErrors(errors: Record<string, string>): { response_action: 'errors'; errors: Record<string, string> } {
  return { response_action: 'errors', errors: { ...errors } };
}

/**
 * Whether a refused submission's errors can be shown in the modal that is open: only when every field of
 * the form as it stands now is in that modal. A form whose fields changed since it opened (the ICO decision
 * form asks for the reason for the delay once the 72 hours have passed) must be redrawn instead, with what
 * was typed kept: Slack refuses errors for a block the open view lacks, and the person could never save.
 */
export function fitsOpenModal(openBlocks: readonly { block_id?: string }[], prompt: Prompt, errors: Record<string, string>): boolean {
  const open = new Set(openBlocks.map((b) => b.block_id).filter((id): id is string => id !== undefined));
  return (prompt.form?.fields ?? []).every((f) => open.has(f.id)) && Object.keys(errors).every((id) => open.has(id));
}

