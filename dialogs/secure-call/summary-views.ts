/**
 * The end of the setup: the checklist (done, still open), its plain copy when asked for, posting it to a
 * channel and the "remind me before my next call" form. Pure views over the dialog state.
 */
import type { ChecklistState, FormField, Prompt, Button } from '../../src/core/prompt.js';
import { prompt, stripMarkup } from '../../src/core/prompt.js';
import { SETUP_ACTIONS as A, SETUP_FIELDS as F, SETUP_FORMS } from './ids.js';
import { inLessonItems, planIds, stepPhase, type SetupState } from './dialog.js';
import type { CallPlatform, GuidanceItem } from '../../src/core/guidance/schema.js';
import { platformName, titleFor, type SetupViewContext } from './views.js';

interface Line {
  label: string;
  state: ChecklistState;
  detail?: string;
}

/** The checklist's parts: what was done, what to remember in the call, the list for IT, what is still open. */
interface Groups {
  done: Line[];
  /** Acknowledged steps for when the call opens or after it, each led by its phase. */
  remember: Line[];
  it: { how?: 'sent' | 'copied'; lines: Line[] };
  open: Line[];
  /** What to do during the lesson if needed: a pointer each, not a step. */
  inLesson: { label: string; value: string }[];
}

function grouped(state: SetupState, ctx: SetupViewContext): Groups {
  const toIt = new Set(state.plan.filter((c) => c.admin).flatMap((c) => c.ids));
  const g: Groups = { done: [], remember: [], it: { lines: [] }, open: [], inLesson: [] };
  for (const id of planIds(state.plan)) {
    const item = ctx.guidance.byId.get(id);
    if (!item) continue;
    const answer = state.answers[id];
    const label = titleFor(item, state.kind);
    if (toIt.has(id) && (answer === 'sent' || answer === 'copied')) {
      g.it.how = answer;
      g.it.lines.push({ label, state: answer === 'sent' ? 'done' : 'open' });
    } else if (answer === 'done') g.done.push({ label, state: 'done' });
    else if (answer === 'noted') g.remember.push({ label: ctx.t('setup.summary.rememberLine', { phase: ctx.t(`setup.phases.${stepPhase(item)}`), title: label }), state: 'open' });
    else g.open.push({ label, state: answer === 'skipped' ? 'skipped' : 'open' });
  }
  // In the order of the measures (content/measures.yaml), as the walk's steps are.
  const rank = new Map(ctx.guidance.measures.map((m, i) => [m.id, i]));
  const at = (item: GuidanceItem) => Math.min(...item.measures.map((m) => rank.get(m) ?? Number.MAX_SAFE_INTEGER));
  const inLesson = inLessonItems(ctx.guidance.items, state.kind).sort((a, b) => at(a) - at(b));
  if (state.platform) g.inLesson = inLesson.map((item) => pointer(item, state.platform!));
  return g;
}

/** One line for something done during a lesson: where it is on the platform, or what to do where there is no such setting. */
function pointer(item: GuidanceItem, platform: CallPlatform): { label: string; value: string } {
  const p = item.platforms[platform];
  const value = p.support === 'none' || !p.where ? (p.alternative ?? p.steps[0] ?? '') : p.where;
  return { label: item.shortTitle ?? item.title, value };
}

/** The list for IT in a line: sent by SafeCall (to whom), or only copied. */
function itSummary(state: SetupState, g: Groups, ctx: SetupViewContext): string {
  const n = g.it.lines.length;
  return g.it.how === 'sent' ? ctx.t('setup.summary.sentCount', { n, who: state.itSentTo ?? ctx.t('setup.it.someone') }) : ctx.t('setup.summary.copiedCount', { n });
}

/** Done, in a line per phase ("Before the call: 11 done"), so the card stays short; the plain copy lists each. */
function doneByPhase(state: SetupState, ctx: SetupViewContext): Line[] {
  const phases = new Map<string, number>();
  for (const id of planIds(state.plan)) {
    const item = ctx.guidance.byId.get(id);
    if (!item || state.answers[id] !== 'done') continue;
    const phase = stepPhase(item);
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
  }
  return [...phases].map(([phase, n]) => ({ label: ctx.t('setup.summary.doneCount', { phase: ctx.t(`setup.phases.${phase}`), n }), state: 'done' }));
}

function describeCall(state: SetupState, ctx: SetupViewContext): { platform: string; kind: string } {
  return {
    platform: state.platform ? platformName(ctx, state.platform) : '',
    kind: state.kind ? ctx.t(`setup.kindNames.${state.kind}`) : '',
  };
}

/** "Zoom, recurring class · 14 done · 3 to remember · 3 copied for IT · 2 still open", or "… · all 23 done". */
function headline(state: SetupState, g: Groups, ctx: SetupViewContext): string {
  const call = describeCall(state, ctx);
  const parts: string[] = [];
  if (g.done.length) parts.push(ctx.t('setup.summary.count.done', { n: g.done.length }));
  if (g.remember.length) parts.push(ctx.t('setup.summary.count.remember', { n: g.remember.length }));
  if (g.it.lines.length) parts.push(itSummary(state, g, ctx));
  if (g.open.length) parts.push(ctx.t('setup.summary.count.open', { n: g.open.length }));
  const onlyDone = g.done.length > 0 && parts.length === 1;
  return ctx.t('setup.summary.call', { platform: call.platform, kind: call.kind, counts: onlyDone ? ctx.t('setup.summary.count.allDone', { n: g.done.length }) : parts.join(' · ') });
}

/** A plain list a teacher can paste into a lesson plan; also the summary's fallback text. */
export function plainCopy(state: SetupState, ctx: SetupViewContext): string {
  const g = grouped(state, ctx);
  const lines = [ctx.t('setup.summary.copyTitle', describeCall(state, ctx))];
  const section = (heading: string, items: string[]) => (items.length ? lines.push('', heading, ...items.map((i) => `- ${i}`)) : 0);
  section(ctx.t('setup.summary.copyDone'), g.done.map((l) => l.label));
  section(ctx.t('setup.summary.copyRemember'), g.remember.map((l) => l.label));
  if (g.it.how) section(ctx.t(g.it.how === 'sent' ? 'setup.summary.copyItSent' : 'setup.summary.copyItCopied', { who: state.itSentTo ?? ctx.t('setup.it.someone') }), g.it.lines.map((l) => l.label));
  section(ctx.t('setup.summary.copyOpen'), g.open.map((l) => l.label));
  section(ctx.t('setup.summary.copyInLesson'), g.inLesson.map((p) => `${p.label}: ${stripMarkup(p.value)}`));
  if (!g.done.length && !g.remember.length && !g.it.lines.length && !g.open.length) lines.push('', ctx.t('setup.summary.empty'));
  return lines.join('\n');
}

/** The parts of the checklist shared by the summary card and the copy posted to a channel. */
function checklistBlocks(state: SetupState, g: Groups, ctx: SetupViewContext, done: Line[]): Prompt['blocks'] {
  const blocks: Prompt['blocks'] = [];
  if (done.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.done') }, { kind: 'checklist', items: done });
  if (g.remember.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.remember') }, { kind: 'checklist', items: g.remember });
  if (g.it.lines.length) {
    const label = g.it.how === 'sent' ? itSummary(state, g, ctx) : ctx.t('setup.summary.copiedLine', { n: g.it.lines.length });
    blocks.push({ kind: 'text', text: ctx.t('setup.summary.forIt') }, { kind: 'checklist', items: [{ label, state: g.it.how === 'sent' ? 'done' : 'open' }] });
  }
  if (g.open.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.open') }, { kind: 'checklist', items: g.open });
  if (g.inLesson.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.inLesson') }, { kind: 'facts', facts: g.inLesson });
  return blocks;
}

export function summaryView(state: SetupState, ctx: SetupViewContext): Prompt {
  const g = grouped(state, ctx);
  const blocks: Prompt['blocks'] = [
    { kind: 'heading', text: ctx.t('setup.summary.heading') },
    { kind: 'note', text: headline(state, g, ctx) },
    ...checklistBlocks(state, g, ctx, doneByPhase(state, ctx)),
  ];
  if (!g.done.length && !g.remember.length && !g.it.lines.length && !g.open.length) blocks.push({ kind: 'text', text: ctx.t('setup.summary.empty') });
  const buttons: Button[] = [];
  if (state.paused && g.open.length) buttons.push({ action: A.carryOn, label: ctx.t('setup.buttons.carryOn'), value: ctx.token(), style: 'primary' });
  buttons.push({ action: A.copy, label: ctx.t('setup.buttons.copy'), value: ctx.token() });
  if (ctx.offers.post) buttons.push({ action: A.post, label: ctx.t('setup.buttons.post'), value: ctx.token() });
  if (ctx.offers.remind) buttons.push({ action: A.remind, label: ctx.t('setup.buttons.remind'), value: ctx.token() });
  buttons.push({ action: A.startAgain, label: ctx.t('setup.buttons.startAgain'), value: ctx.token() });
  blocks.push({ kind: 'actions', buttons });
  // What to do if something goes wrong in the lesson: the playbook, one tap away.
  if (state.platform) blocks.push({ kind: 'actions', buttons: [{ action: A.now, label: ctx.t('setup.buttons.now'), value: ctx.token(state.platform), style: 'danger' }] });
  return prompt(blocks, plainCopy(state, ctx));
}

/** The plain copy on its own, as a message the teacher can copy from (only when asked for). */
export function copyView(state: SetupState, ctx: SetupViewContext): Prompt {
  const copy = plainCopy(state, ctx);
  return prompt([{ kind: 'text', text: copy }], copy);
}

/** The checklist as posted to a class or staff channel: no buttons, nothing personal beyond the name. */
export function sharedChecklist(state: SetupState, ctx: SetupViewContext, ownerName?: string): Prompt {
  const g = grouped(state, ctx);
  const heading = ownerName ? ctx.t('setup.summary.sharedBy', { name: ownerName }) : ctx.t('setup.summary.shared');
  const call = describeCall(state, ctx);
  const blocks: Prompt['blocks'] = [{ kind: 'heading', text: heading }, { kind: 'text', text: `${call.platform}, ${call.kind}` }, ...checklistBlocks(state, g, ctx, g.done)];
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
