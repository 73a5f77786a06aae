/**
 * Pure views of the setup dialog: state → Prompt. Every word comes from content/<locale>/strings/setup.yaml
 * through `t`; every button value from `token` (the dialog's instance and revision, see the dialog engine).
 */
import { CALL_KINDS, CALL_PLATFORMS, type CallPlatform, type Guidance, type GuidanceItem } from '../../src/core/guidance/schema.js';
import { prompt, type Block, type Button, type Prompt } from '../../src/core/prompt.js';
import type { Vars } from '../../src/core/strings.js';
import { SETUP_ACTIONS as A } from './ids.js';
import { accountStepIds, stepPhase, type SetupState } from './dialog.js';

export interface SetupViewContext {
  /** A text from content/<locale>/strings/setup.yaml (keys `setup.…`). */
  t(key: string, vars?: Vars): string;
  /** Whether the key exists (for optional texts such as short document names). */
  has(key: string): boolean;
  guidance: Guidance;
  /** The value for a button acting on the dialog as it is now. */
  token(arg?: string): string;
}

/** An expanded part of a step, shown in place by Why? or I can't find it. */
export type StepPanel = 'why' | 'cant-find';

export const platformName = (ctx: SetupViewContext, p: CallPlatform) => ctx.t(`setup.platforms.${p}`);

export function platformQuestion(state: SetupState, ctx: SetupViewContext): Prompt {
  return prompt([
    { kind: 'heading', text: ctx.t('setup.ask.heading') },
    { kind: 'text', text: ctx.t(state.switching ? 'setup.ask.switching' : 'setup.ask.platform') },
    {
      kind: 'actions',
      buttons: CALL_PLATFORMS.map((p) => ({ action: A.platform, label: ctx.t(`setup.buttons.${p}`), value: ctx.token(p), style: p === state.platform ? ('primary' as const) : undefined })),
    },
  ]);
}

export function kindQuestion(state: SetupState, ctx: SetupViewContext): Prompt {
  const blocks: Block[] = [{ kind: 'heading', text: ctx.t('setup.ask.heading') }];
  if (state.platform) blocks.push({ kind: 'text', text: ctx.t('setup.ask.chosen', { platform: platformName(ctx, state.platform) }) });
  blocks.push(
    { kind: 'text', text: ctx.t('setup.ask.kind') },
    { kind: 'actions', buttons: CALL_KINDS.map((k) => ({ action: A.kind, label: ctx.t(`setup.kinds.${k}`), value: ctx.token(k) })) },
  );
  const accountCount = accountStepIds(ctx.guidance.items).length;
  const extra: Button[] = [{ action: A.changePlatform, label: ctx.t('setup.buttons.changePlatform'), value: ctx.token() }];
  if (!state.accountSeenBefore) {
    if (accountCount) blocks.push({ kind: 'note', text: ctx.t('setup.account.firstTime', { count: accountCount }) });
  } else if (state.includeAccount) {
    blocks.push({ kind: 'note', text: ctx.t('setup.account.again') });
    extra.push({ action: A.account, label: ctx.t('setup.buttons.leaveAccount'), value: ctx.token('leave') });
  } else {
    blocks.push({ kind: 'note', text: ctx.t('setup.account.seen') });
    extra.push({ action: A.account, label: ctx.t('setup.buttons.includeAccount'), value: ctx.token('include') });
  }
  blocks.push({ kind: 'actions', buttons: extra });
  return prompt(blocks);
}

function sourceNote(ctx: SetupViewContext, source: GuidanceItem['sources'][number]): string {
  return ctx.t('setup.step.source', { doc: documentName(ctx, source.doc), part: source.part });
}

function documentName(ctx: SetupViewContext, doc: string): string {
  if (ctx.has(`setup.docs.${doc}`)) return ctx.t(`setup.docs.${doc}`);
  return ctx.guidance.sources.documents.find((d) => d.id === doc)?.title ?? doc;
}

/**
 * What to do on this platform: where + steps, or plainly that there is no such setting and what to do
 * instead. `alternative: false` leaves the alternative out (the I-can't-find-it panel shows it instead).
 */
export function howTo(item: GuidanceItem, platform: CallPlatform, ctx: SetupViewContext, opts: { alternative?: boolean } = {}): Block[] {
  const p = item.platforms[platform];
  const name = platformName(ctx, platform);
  const alternative = opts.alternative !== false && p.alternative ? `\n${p.alternative}` : '';
  const blocks: Block[] = [];
  if (p.support === 'none') {
    blocks.push({ kind: 'text', text: `${ctx.t('setup.step.none', { platform: name })}${alternative}` });
    if (p.steps.length) blocks.push({ kind: 'steps', items: p.steps, ordered: true });
  } else {
    if (p.where) blocks.push({ kind: 'text', text: ctx.t('setup.step.where', { where: p.where }) });
    blocks.push({ kind: 'steps', items: p.steps, ordered: true });
    if (p.support === 'partial') blocks.push({ kind: 'text', text: `${ctx.t('setup.step.partial', { platform: name })}${alternative}` });
  }
  if (p.unconfirmed) blocks.push({ kind: 'note', text: ctx.t('setup.step.unconfirmed', { platform: name }) });
  return blocks;
}

export function stepView(state: SetupState, ctx: SetupViewContext, panel?: StepPanel): Prompt {
  const id = state.plan[state.index];
  const item = id ? ctx.guidance.byId.get(id) : undefined;
  const platform = state.platform;
  if (!item || !platform) return platformQuestion(state, ctx);
  const p = item.platforms[platform];
  const blocks: Block[] = [
    {
      kind: 'progress',
      current: state.index + 1,
      total: state.plan.length,
      label: ctx.t('setup.step.progress', { current: state.index + 1, total: state.plan.length, phase: ctx.t(`setup.phases.${stepPhase(item)}`) }),
    },
    { kind: 'heading', text: item.title },
    ...howTo(item, platform, ctx, { alternative: panel !== 'cant-find' }),
  ];
  if (panel === 'why') {
    blocks.push({ kind: 'text', text: `${ctx.t('setup.step.why')}\n${item.why}` });
    blocks.push({ kind: 'note', text: [ctx.t('setup.step.sources'), ...item.sources.map((s) => sourceNote(ctx, s))].join('\n') });
  } else {
    if (panel === 'cant-find') {
      blocks.push({ kind: 'text', text: `${ctx.t('setup.step.cantFind')}\n${p.ifNotFound}` });
      if (p.support !== 'full' && p.alternative) blocks.push({ kind: 'text', text: `${ctx.t('setup.step.instead')}\n${p.alternative}` });
    }
    const first = item.sources[0];
    if (first) blocks.push({ kind: 'note', text: sourceNote(ctx, first) });
  }
  blocks.push(
    {
      kind: 'actions',
      buttons: [
        { action: A.done, label: ctx.t(p.support === 'none' ? 'setup.buttons.doneAlternative' : 'setup.buttons.done'), value: ctx.token(), style: 'primary' },
        { action: A.skip, label: ctx.t('setup.buttons.skip'), value: ctx.token() },
        { action: A.cantFind, label: ctx.t('setup.buttons.cantFind'), value: ctx.token() },
        { action: A.why, label: ctx.t('setup.buttons.why'), value: ctx.token() },
      ],
    },
    {
      kind: 'actions',
      buttons: [
        { action: A.now, label: ctx.t('setup.buttons.now'), value: ctx.token(platform), style: 'danger' },
        { action: A.changePlatform, label: ctx.t('setup.buttons.changePlatform'), value: ctx.token() },
        { action: A.finish, label: ctx.t('setup.buttons.finish'), value: ctx.token() },
      ],
    },
  );
  return prompt(blocks);
}

/** Offered when the teacher starts again while a walk is under way. */
export function resumeQuestion(state: SetupState, ctx: SetupViewContext): Prompt {
  return prompt([
    { kind: 'heading', text: ctx.t('setup.ask.heading') },
    {
      kind: 'text',
      text: ctx.t('setup.resume.step', { platform: platformName(ctx, state.platform ?? 'zoom'), current: state.index + 1, total: state.plan.length }),
    },
    {
      kind: 'actions',
      buttons: [
        { action: A.carryOn, label: ctx.t('setup.buttons.carryOn'), value: ctx.token(), style: 'primary' },
        { action: A.startAgain, label: ctx.t('setup.buttons.startAgain'), value: ctx.token() },
      ],
    },
  ]);
}

/** Puts a line above a prompt (e.g. "That step has moved on — here's where you are now."). */
export function withLead(lead: string, p: Prompt): Prompt {
  return prompt([{ kind: 'text', text: lead }, ...p.blocks]);
}

/** A short note with a button to start a setup (no dialog attached). */
export function startOffer(text: string, ctx: Pick<SetupViewContext, 't'>): Prompt {
  return prompt([
    { kind: 'text', text },
    { kind: 'actions', buttons: [{ action: A.start, label: ctx.t('setup.buttons.start'), style: 'primary' }] },
  ]);
}
