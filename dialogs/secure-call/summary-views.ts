/**
 * The end of the setup: the checklist, a plain copy for a lesson plan, posting it to a channel and
 * the "remind me before my next call" form. Pure views over the dialog state.
 */
import type { ChecklistState, FormField, Prompt } from '../../src/core/prompt.js';
import { prompt } from '../../src/core/prompt.js';
import { SETUP_ACTIONS as A, SETUP_FIELDS as F, SETUP_FORMS } from './ids.js';
import { counts, type SetupState } from './dialog.js';
import { platformName, type SetupViewContext } from './views.js';

function checklistItems(state: SetupState, ctx: SetupViewContext): { id: string; label: string; state: ChecklistState }[] {
  return state.plan.flatMap((id) => {
    const item = ctx.guidance.byId.get(id);
    if (!item) return [];
    const answer = state.answers[id];
    return [{ id, label: item.title, state: answer === 'done' ? 'done' : answer === 'skipped' ? 'skipped' : 'open' }];
  });
}

function describeCall(state: SetupState, ctx: SetupViewContext): { platform: string; kind: string } {
  return {
    platform: state.platform ? platformName(ctx, state.platform) : '',
    kind: state.kind ? ctx.t(`setup.kindNames.${state.kind}`) : '',
  };
}

/** A plain list a teacher can paste into a lesson plan; also the summary's fallback text. */
export function plainCopy(state: SetupState, ctx: SetupViewContext): string {
  const items = checklistItems(state, ctx);
  const lines = [ctx.t('setup.summary.copyTitle', describeCall(state, ctx))];
  const groups: [ChecklistState, string][] = [
    ['done', 'setup.summary.done'],
    ['skipped', 'setup.summary.skipped'],
    ['open', 'setup.summary.open'],
  ];
  for (const [which, heading] of groups) {
    const group = items.filter((i) => i.state === which);
    if (!group.length) continue;
    lines.push('', ctx.t(heading), ...group.map((i) => `- ${i.label}`));
  }
  if (!items.length) lines.push('', ctx.t('setup.summary.empty'));
  return lines.join('\n');
}

export function summaryView(state: SetupState, ctx: SetupViewContext): Prompt {
  const items = checklistItems(state, ctx);
  const copy = plainCopy(state, ctx);
  const call = describeCall(state, ctx);
  return prompt(
    [
      { kind: 'heading', text: ctx.t('setup.summary.heading') },
      { kind: 'text', text: `${call.platform}, ${call.kind}` },
      { kind: 'note', text: ctx.t('setup.summary.counts', { ...counts(state) }) },
      items.length ? { kind: 'checklist', items: items.map(({ label, state: s }) => ({ label, state: s })) } : { kind: 'text', text: ctx.t('setup.summary.empty') },
      { kind: 'divider' },
      { kind: 'text', text: `${ctx.t('setup.summary.copyHeading')}\n${copy}` },
      {
        kind: 'actions',
        buttons: [
          { action: A.post, label: ctx.t('setup.buttons.post'), value: ctx.token(), style: 'primary' },
          { action: A.remind, label: ctx.t('setup.buttons.remind'), value: ctx.token() },
          { action: A.startAgain, label: ctx.t('setup.buttons.startAgain'), value: ctx.token() },
        ],
      },
    ],
    copy,
  );
}

/** The checklist as posted to a class or staff channel: no buttons, nothing personal beyond the name. */
export function sharedChecklist(state: SetupState, ctx: SetupViewContext, ownerName?: string): Prompt {
  const items = checklistItems(state, ctx);
  const heading = ownerName ? ctx.t('setup.summary.sharedBy', { name: ownerName }) : ctx.t('setup.summary.shared');
  const call = describeCall(state, ctx);
  return prompt(
    [
      { kind: 'heading', text: heading },
      { kind: 'text', text: `${call.platform}, ${call.kind}` },
      items.length ? { kind: 'checklist', items: items.map(({ label, state: s }) => ({ label, state: s })) } : { kind: 'text', text: ctx.t('setup.summary.empty') },
    ],
    `${heading}\n${plainCopy(state, ctx)}`,
  );
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
  return {
    ...prompt([{ kind: 'text', text: ctx.t('setup.post.hint') }]),
    form: { id: SETUP_FORMS.post, title: ctx.t('setup.post.title'), submitLabel: ctx.t('setup.post.submit'), cancelLabel: ctx.t('setup.post.cancel'), fields: [field], state: formState },
  };
}

export function remindForm(ctx: SetupViewContext, formState: string, typed?: { value?: string; error?: string }): Prompt {
  const field: FormField = {
    id: F.when,
    label: ctx.t('setup.remind.field'),
    type: 'datetime',
    required: true,
    hint: ctx.t('setup.remind.hint'),
    initial: typed?.value || undefined,
    error: typed?.error,
  };
  return {
    ...prompt([{ kind: 'text', text: ctx.t('setup.remind.hint') }]),
    form: { id: SETUP_FORMS.remind, title: ctx.t('setup.remind.title'), submitLabel: ctx.t('setup.remind.submit'), cancelLabel: ctx.t('setup.remind.cancel'), fields: [field], state: formState },
  };
}

/** A short message (confirmation or explanation) with nothing to press. */
export function note(text: string, more?: string): Prompt {
  return prompt(more ? [{ kind: 'text', text }, { kind: 'note', text: more }] : [{ kind: 'text', text }]);
}
