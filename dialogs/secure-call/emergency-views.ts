/**
 * "It's happening now": the in-call playbook in a single card, and "Report what happened". Pure views;
 * the buttons' values are given by the caller. The first card is useful with no tap at all: what to do
 * on any platform comes first, and the platform buttons only add the exact clicks.
 */
import { CALL_PLATFORMS, type CallPlatform } from '../../src/core/guidance/schema.js';
import { prompt, type Block, type Button, type Prompt } from '../../src/core/prompt.js';
import { SETUP_ACTIONS as A } from './ids.js';
import { platformName, type SetupViewContext } from './views.js';

/** The guidance items the playbook is drawn from: only what is done during the call, no before-the-call settings. */
export const PLAYBOOK_ITEM = 'zoombombing-response';
export const PLAYBOOK_EXTRAS = ['lock-meeting', 'remove-participant', 'disable-annotation', 'stop-participant-video'] as const;
export const REPORT_ITEM = 'breach-procedure';

export interface EmergencyButtons {
  /** Value for a button that names the platform (owner-stamped by the caller). */
  value(platform: CallPlatform): string;
  /** Value for "Back to my setup" when a setup is in progress. */
  back?: string;
  /** The incident form's start action (passed in by src/app.ts): the report advice then offers the form. */
  reportStart?: string;
}

function backButton(ctx: SetupViewContext, buttons: EmergencyButtons): Button[] {
  return buttons.back ? [{ action: A.back, label: ctx.t('setup.buttons.back'), value: buttons.back }] : [];
}

/** What to do on any platform, then one tap for the exact clicks on yours. */
export function emergencyPlatformQuestion(ctx: SetupViewContext, buttons: EmergencyButtons): Prompt {
  return prompt([
    { kind: 'heading', text: ctx.t('setup.now.heading') },
    { kind: 'steps', ordered: true, items: [ctx.t('setup.now.any.lock'), ctx.t('setup.now.any.remove'), ctx.t('setup.now.any.annotate'), ctx.t('setup.now.any.stop'), ctx.t('setup.now.any.after')] },
    { kind: 'text', text: ctx.t('setup.now.askPlatform') },
    {
      kind: 'actions',
      buttons: CALL_PLATFORMS.map((p) => ({ action: A.now, label: ctx.t(`setup.buttons.${p}`), value: buttons.value(p), style: 'danger' as const })),
    },
    ...(buttons.back ? [{ kind: 'actions' as const, buttons: backButton(ctx, buttons) }] : []),
  ]);
}

/** A short line for a related control: where it is, or plainly that the platform has none. */
function brief(ctx: SetupViewContext, id: string, platform: CallPlatform): { label: string; value: string } | undefined {
  const item = ctx.guidance.byId.get(id);
  if (!item) return undefined;
  const p = item.platforms[platform];
  const text = p.support === 'none' ? ctx.t('setup.now.noControl', { alternative: p.alternative ?? '' }) : (p.where ?? p.steps[0] ?? '');
  // Each related control carries its own mark, once, where no vendor page confirms all of it.
  const value = p.unconfirmed ? ctx.t('setup.now.unconfirmedShort', { text, platform: platformName(ctx, platform) }) : text;
  // The short title where there is one: a fact's label column is a third of a phone-width card.
  return { label: item.shortTitle ?? item.title, value };
}

export function playbook(platform: CallPlatform, ctx: SetupViewContext, buttons: EmergencyButtons): Prompt {
  const item = ctx.guidance.byId.get(PLAYBOOK_ITEM);
  const blocks: Block[] = [{ kind: 'heading', text: ctx.t('setup.now.heading') }, { kind: 'text', text: ctx.t('setup.now.on', { platform: platformName(ctx, platform) }) }];
  if (item) {
    const p = item.platforms[platform];
    if (p.steps.length) blocks.push({ kind: 'steps', items: p.steps, ordered: true });
    if (p.support !== 'full' && p.alternative) blocks.push({ kind: 'text', text: p.alternative });
    // Said once, as on every other card: a step no vendor page confirms says what to look for in plain words.
    if (p.unconfirmed) blocks.push({ kind: 'note', text: ctx.t('setup.step.unconfirmed', { platform: platformName(ctx, platform) }) });
  }
  const facts = PLAYBOOK_EXTRAS.map((id) => brief(ctx, id, platform)).filter((f): f is { label: string; value: string } => !!f);
  if (facts.length) blocks.push({ kind: 'text', text: ctx.t('setup.now.also') }, { kind: 'facts', facts });
  blocks.push({
    kind: 'actions',
    buttons: [{ action: A.report, label: ctx.t('setup.buttons.report'), value: buttons.value(platform) }, ...backButton(ctx, buttons)],
  });
  return prompt(blocks);
}

/** What to do after the call (the breach procedure: tell the DPO, write it down, 72 hours), in a message of its own. */
export function reportAdvice(platform: CallPlatform, ctx: SetupViewContext, buttons: EmergencyButtons): Prompt {
  const item = ctx.guidance.byId.get(REPORT_ITEM);
  const blocks: Block[] = [{ kind: 'heading', text: ctx.t('setup.report.heading') }, { kind: 'text', text: ctx.t('setup.report.lead') }];
  if (item) {
    const p = item.platforms[platform];
    if (p.steps.length) blocks.push({ kind: 'steps', items: p.steps, ordered: true });
    else if (p.alternative) blocks.push({ kind: 'text', text: p.alternative });
    blocks.push({ kind: 'note', text: p.ifNotFound });
  }
  const form: Button[] = buttons.reportStart ? [{ action: buttons.reportStart, label: ctx.t('reports.buttons.fromEmergency'), value: '', style: 'primary' }] : [];
  const row = [...form, ...backButton(ctx, buttons)];
  if (row.length) blocks.push({ kind: 'actions', buttons: row });
  return prompt(blocks);
}
