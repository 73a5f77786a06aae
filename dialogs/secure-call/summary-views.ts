/**
 * The end of the setup: the checklist (done, still open), its plain copy when asked for, posting it to a
 * channel and the "remind me before my next call" form. Pure views over the dialog state.
 */
import type { ChecklistState, FormField, Prompt, Button } from '../../src/core/prompt.js';
import { prompt } from '../../src/core/prompt.js';
import { SETUP_ACTIONS as A, SETUP_FIELDS as F, SETUP_FORMS } from './ids.js';
import { planIds, stepPhase, type SetupState } from './dialog.js';
import { platformName, titleFor, type SetupViewContext } from './views.js';

interface Line {
  label: string;
  state: ChecklistState;
  detail?: string;
}

/** Done first, then everything still open (skipped or not reached); items passed to IT say so. */
function grouped(state: SetupState, ctx: SetupViewContext): { done: Line[]; open: Line[] } {
  const toIt = new Set(state.plan.filter((c) => c.admin).flatMap((c) => c.ids));
  const done: Line[] = [];
  const open: Line[] = [];
  for (const id of planIds(state.plan)) {
    const item = ctx.guidance.byId.get(id);
    if (!item) continue;
    const answer = state.answers[id];
    const label = titleFor(item, state.kind);
    if (answer === 'done') done.push({ label, state: 'done', ...(toIt.has(id) ? { detail: ctx.t('setup.summary.passedToIt') } : {}) });
    else open.push({ label, state: answer === 'skipped' ? 'skipped' : 'open' });
  }
  return { done, open };
}

/** Done, in a line per phase ("Before the call: 11 done"), so the card stays short; the plain copy lists each. */
function doneByPhase(state: SetupState, ctx: SetupViewContext): Line[] {
  const phases = new Map<string, number>();
  const toIt = new Set(state.plan.filter((c) => c.admin).flatMap((c) => c.ids));
  for (const id of planIds(state.plan)) {
    const item = ctx.guidance.byId.get(id);
    if (!item || state.answers[id] !== 'done') continue;
    const phase = toIt.has(id) ? 'it' : stepPhase(item);
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
  }
  return [...phases].map(([phase, n]) => ({ label: ctx.t(phase === 'it' ? 'setup.summary.passedCount' : 'setup.summary.doneCount', { phase: ctx.t(`setup.phases.${phase}`), n }), state: 'done' }));
}

function describeCall(state: SetupState, ctx: SetupViewContext): { platform: string; kind: string } {
  return {
    platform: state.platform ? platformName(ctx, state.platform) : '',
    kind: state.kind ? ctx.t(`setup.kindNames.${state.kind}`) : '',
  };
}

/** A plain list a teacher can paste into a lesson plan; also the summary's fallback text. */
export function plainCopy(state: SetupState, ctx: SetupViewContext): string {
  const { done, open } = grouped(state, ctx);
  const lines = [ctx.t('setup.summary.copyTitle', describeCall(state, ctx))];
  if (done.length) lines.push('', ctx.t('setup.summary.copyDone'), ...done.map((i) => `- ${i.label}${i.detail ? ` (${i.detail})` : ''}`));
  if (open.length) lines.push('', ctx.t('setup.summary.copyOpen'), ...open.map((i) => `- ${i.label}`));
  if (!done.length && !open.length) lines.push('', ctx.t('setup.summary.empty'));
  return lines.join('\n');
}

export function summaryView(state: SetupState, ctx: SetupViewContext): Prompt {
  const { done, open } = grouped(state, ctx);
  const call = describeCall(state, ctx);
  const blocks: Prompt['blocks'] = [
    { kind: 'heading', text: ctx.t('setup.summary.heading') },
    // "0 still open" is noise on a finished checklist: it says all done instead.
    { kind: 'note', text: ctx.t(open.length ? 'setup.summary.call' : 'setup.summary.callAllDone', { platform: call.platform, kind: call.kind, done: done.length, open: open.length }) },
  ];
  if (done.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.done') }, { kind: 'checklist', items: doneByPhase(state, ctx) });
  if (open.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.open') }, { kind: 'checklist', items: open });
  if (!done.length && !open.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.empty') });
  const buttons: Button[] = [];
  if (state.paused && open.length) buttons.push({ action: A.carryOn, label: ctx.t('setup.buttons.carryOn'), value: ctx.token(), style: 'primary' });
  buttons.push({ action: A.copy, label: ctx.t('setup.buttons.copy'), value: ctx.token() });
  if (ctx.offers.post) buttons.push({ action: A.post, label: ctx.t('setup.buttons.post'), value: ctx.token() });
  if (ctx.offers.remind) buttons.push({ action: A.remind, label: ctx.t('setup.buttons.remind'), value: ctx.token() });
  buttons.push({ action: A.startAgain, label: ctx.t('setup.buttons.startAgain'), value: ctx.token() });
  blocks.push({ kind: 'actions', buttons });
  return prompt(blocks, plainCopy(state, ctx));
}

/** The plain copy on its own, as a message the teacher can copy from (only when asked for). */
export function copyView(state: SetupState, ctx: SetupViewContext): Prompt {
  const copy = plainCopy(state, ctx);
  return prompt([{ kind: 'text', text: copy }], copy);
}

/** The checklist as posted to a class or staff channel: no buttons, nothing personal beyond the name. */
export function sharedChecklist(state: SetupState, ctx: SetupViewContext, ownerName?: string): Prompt {
  const { done, open } = grouped(state, ctx);
  const heading = ownerName ? ctx.t('setup.summary.sharedBy', { name: ownerName }) : ctx.t('setup.summary.shared');
  const call = describeCall(state, ctx);
  const blocks: Prompt['blocks'] = [{ kind: 'heading', text: heading }, { kind: 'text', text: `${call.platform}, ${call.kind}` }];
  if (done.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.done') }, { kind: 'checklist', items: done });
  if (open.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.open') }, { kind: 'checklist', items: open });
  return prompt(blocks, `${heading}\n${plainCopy(state, ctx)}`);
}

export function postForm(ctx: SetupViewContext, channels: string[], formState: string, error?: { field: string; value?: string }): Prompt {
  const field: FormField = {
    id: F.channel,
    label: ctx.t('setup.post.field'),
    type: 'select',
    required: true,
    hint: ctx.t('setup.post.hint'),
    options: channels.map((id) => ({ value: id, label: ctx.t('setup.post.channel', { id }) })),
    initial: error?.value && channels.includes(error.value) ? error.value : undefined,
    error: error?.field,
  };
  // The hint is the field's own: not repeated above the form.
  return {
    ...prompt([], ctx.t('setup.post.title')),
    form: { id: SETUP_FORMS.post, title: ctx.t('setup.post.title'), submitLabel: ctx.t('setup.post.submit'), cancelLabel: ctx.t('setup.post.cancel'), fields: [field], state: formState },
  };
}

/** `typed.error` only for the value just refused: a form shown again after an accepted value carries none. */
export function remindForm(ctx: SetupViewContext, formState: string, typed?: { value?: string; error?: string }): Prompt {
  const field: FormField = {
    id: F.when,
    label: ctx.t('setup.remind.field'),
    type: 'datetime',
    required: true,
    hint: ctx.t('setup.remind.hint'),
    initial: typed?.value || undefined,
    error: typed?.error || undefined,
  };
  return {
    ...prompt([], ctx.t('setup.remind.title')),
    form: { id: SETUP_FORMS.remind, title: ctx.t('setup.remind.title'), submitLabel: ctx.t('setup.remind.submit'), cancelLabel: ctx.t('setup.remind.cancel'), fields: [field], state: formState },
  };
}

/** A short message (confirmation or explanation) with nothing to press. */
export function note(text: string, more?: string): Prompt {
  return prompt(more ? [{ kind: 'text', text }, { kind: 'note', text: more }] : [{ kind: 'text', text }]);
}
