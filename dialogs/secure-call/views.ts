/**
 * Pure views of the setup dialog: state → Prompt. Every word comes from content/<locale>/strings/setup.yaml
 * through `t`; every button value from `token` (the dialog's instance and revision, see the dialog engine).
 * Cards are read on phones: one progress line, short texts, sources only under Why?.
 */
import { CALL_KINDS, CALL_PLATFORMS, type CallKind, type CallPlatform, type Guidance, type GuidanceItem } from '../../src/core/guidance/schema.js';
import { prompt, type Block, type Button, type Prompt } from '../../src/core/prompt.js';
import type { Vars } from '../../src/core/strings.js';
import { SETUP_ACTIONS as A } from './ids.js';
import { accountStepIds, counts, isLater, stepPhase, type Card, type SetupState } from './dialog.js';

/** What the views may offer, decided by the feature: a button is shown only when what it leads to exists. */
export interface SetupOffers {
  /** The bot knows a channel it can post the checklist to. */
  post: boolean;
  /** Reminders are sent (a scheduler is running). */
  remind: boolean;
  /** The settings name an IT contact SafeCall can post the list for IT to. */
  sendToIt: boolean;
  /** The IT contact's name and email from the settings, for the list's wording. */
  itName?: string;
  itEmail?: string;
}

export interface SetupViewContext {
  /** A text from content/<locale>/strings (keys `setup.…`, `sources.…`). */
  t(key: string, vars?: Vars): string;
  /** Whether the key exists (for optional texts). */
  has(key: string): boolean;
  guidance: Guidance;
  /** The value for a button acting on the dialog as it is now. */
  token(arg?: string): string;
  offers: SetupOffers;
}

/** An expanded part of a card, shown in place by Why? or I can't find it. */
export type StepPanel = 'why' | 'cant-find';

export const platformName = (ctx: Pick<SetupViewContext, 't'>, p: CallPlatform) => ctx.t(`setup.platforms.${p}`);


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
    if (accountCount) blocks.push({ kind: 'note', text: ctx.t('setup.account.firstTime') });
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

/** The title for this kind of call: a recurring class is one meeting, set up once. */
export function titleFor(item: GuidanceItem, kind: CallKind | undefined): string {
  return kind === 'class' && item.recurringTitle ? item.recurringTitle : item.title;
}

/** The steps for this kind of call: a recurring class's own where the guidance gives them. */
function stepsFor(p: GuidanceItem['platforms'][CallPlatform], kind: CallKind | undefined): string[] {
  return kind === 'class' && p.recurringSteps ? p.recurringSteps : p.steps;
}

/**
 * What to do on this platform: where + steps, or plainly that there is no such setting and what to do
 * instead. `alternative: false` leaves the alternative out (the I-can't-find-it panel shows it instead).
 */
export function howTo(item: GuidanceItem, platform: CallPlatform, ctx: SetupViewContext, opts: { alternative?: boolean; kind?: CallKind } = {}): Block[] {
  const p = item.platforms[platform];
  const name = platformName(ctx, platform);
  // A recurring class is one meeting set up once: its steps differ where the guidance says so.
  const steps = stepsFor(p, opts.kind);
  const alternative = opts.alternative !== false && p.alternative ? `\n${p.alternative}` : '';
  const blocks: Block[] = [];
  if (p.support === 'none') {
    // Said once: every alternative for a platform with no such setting opens by saying so in its own words
    // ("There's no setting for this: …"), so the generic line is only for when the alternative is not shown.
    blocks.push({ kind: 'text', text: alternative ? p.alternative! : ctx.t('setup.step.none', { platform: name }) });
    if (steps.length) blocks.push({ kind: 'steps', items: steps, ordered: true });
  } else {
    if (p.where) blocks.push({ kind: 'text', text: ctx.t('setup.step.where', { where: p.where }) });
    blocks.push({ kind: 'steps', items: steps, ordered: true });
    // As for no setting: each alternative says in its own words what the platform can't do, so once is enough.
    if (p.support === 'partial') blocks.push({ kind: 'text', text: alternative ? p.alternative! : ctx.t('setup.step.partial', { platform: name }) });
  }
  if (p.unconfirmed) blocks.push({ kind: 'note', text: ctx.t('setup.step.unconfirmed', { platform: name }) });
  return blocks;
}

/** A source document's one name (content/<locale>/strings/sources.yaml), as the answers name it too. */
const documentName = (ctx: SetupViewContext, doc: string) => (ctx.has(`sources.${doc}`) ? ctx.t(`sources.${doc}`) : doc);

/** "Sources" once, then each source once: the document's one name and the part. */
export function sourcesNote(ctx: SetupViewContext, items: GuidanceItem[]): Block {
  const lines = [...new Set(items.flatMap((i) => i.sources.map((s) => ctx.t('setup.step.source', { doc: documentName(ctx, s.doc), part: s.part }))))];
  return { kind: 'note', text: [ctx.t('setup.step.sources'), ...lines.map((l) => `- ${l}`)].join('\n') };
}

const itemsOf = (card: Card, ctx: SetupViewContext): GuidanceItem[] => card.ids.flatMap((id) => ctx.guidance.byId.get(id) ?? []);

function progress(state: SetupState, ctx: SetupViewContext, first: GuidanceItem, admin: boolean): Block {
  const current = state.index + 1;
  const total = state.plan.length;
  const phase = admin ? ctx.t('setup.phases.it') : ctx.t(`setup.phases.${stepPhase(first)}`);
  return { kind: 'progress', current, total, label: ctx.t('setup.step.progress', { current, total, phase }) };
}

function lastRow(ctx: SetupViewContext, platform: CallPlatform): Block {
  return {
    kind: 'actions',
    buttons: [
      { action: A.now, label: ctx.t('setup.buttons.now'), value: ctx.token(platform), style: 'danger' },
      { action: A.changePlatform, label: ctx.t('setup.buttons.changePlatform'), value: ctx.token() },
      { action: A.finish, label: ctx.t('setup.buttons.finish'), value: ctx.token() },
    ],
  };
}

/** The one card of settings only an admin can change: a short list to pass to IT in one tap. */
function itCard(state: SetupState, ctx: SetupViewContext, items: GuidanceItem[], platform: CallPlatform, panel?: StepPanel): Prompt {
  const who = ctx.offers.itName ?? ctx.t('setup.it.someone');
  const blocks: Block[] = [
    progress(state, ctx, items[0]!, true),
    { kind: 'heading', text: ctx.t('setup.it.heading') },
    { kind: 'text', text: ctx.t('setup.it.lead', { who, platform: platformName(ctx, platform) }) },
    { kind: 'steps', ordered: false, items: items.map((i) => itLine(i, platform, state.kind, ctx)) },
  ];
  if (panel === 'why') blocks.push(...items.map((i): Block => ({ kind: 'text', text: `**${titleFor(i, state.kind)}**\n${i.why}` })), sourcesNote(ctx, items));
  const buttons: Button[] = [];
  if (ctx.offers.sendToIt) buttons.push({ action: A.sendToIt, label: ctx.t('setup.buttons.sendToIt'), value: ctx.token(), style: 'primary' });
  buttons.push(
    { action: A.copyForIt, label: ctx.t('setup.buttons.copyForIt'), value: ctx.token(), style: ctx.offers.sendToIt ? undefined : 'primary' },
    { action: A.skip, label: ctx.t('setup.buttons.skip'), value: ctx.token() },
    { action: A.why, label: ctx.t('setup.buttons.why'), value: ctx.token() },
  );
  blocks.push({ kind: 'actions', buttons }, lastRow(ctx, platform));
  return prompt(blocks);
}

function itLine(item: GuidanceItem, platform: CallPlatform, kind: CallKind | undefined, ctx: SetupViewContext): string {
  const where = item.platforms[platform].where;
  return (where ? `**${titleFor(item, kind)}**: ${where}` : `**${titleFor(item, kind)}**`) + unconfirmedMark(item, platform, ctx);
}

/** The mark after a line for IT whose setting no vendor page confirms (said once, as on the teacher's cards). */
function unconfirmedMark(item: GuidanceItem, platform: CallPlatform, ctx: Pick<SetupViewContext, 't'>): string {
  return item.platforms[platform].unconfirmed ? ` ${ctx.t('setup.it.unconfirmed', { platform: platformName(ctx, platform) })}` : '';
}

/** The list for IT as plain text, to copy into an email or a ticket, or to post to the IT contact. */
export function itListText(state: SetupState, ctx: SetupViewContext, teacher?: string): string {
  const card = state.plan.find((c) => c.admin);
  const platform = state.platform;
  if (!card || !platform) return '';
  const items = itemsOf(card, ctx);
  const lines = [ctx.t('setup.it.copyTitle', { platform: platformName(ctx, platform), teacher: teacher ?? ctx.t('setup.it.aTeacher') })];
  // Plain text for an email or a ticket: the **bold** that marks a setting's name on a card goes.
  for (const i of items) lines.push(`- ${titleFor(i, state.kind)}${i.platforms[platform].where ? `: ${i.platforms[platform].where.replace(/\*\*/g, '')}` : ''}${unconfirmedMark(i, platform, ctx)}`);
  if (ctx.offers.itEmail) lines.push('', ctx.t('setup.it.email', { email: ctx.offers.itEmail }));
  return lines.join('\n');
}

export function stepView(state: SetupState, ctx: SetupViewContext, panel?: StepPanel): Prompt {
  const card = state.plan[state.index];
  const items = card ? itemsOf(card, ctx) : [];
  const platform = state.platform;
  if (!card || !items.length || !platform) return platformQuestion(state, ctx);
  if (card.admin) return itCard(state, ctx, items, platform, panel);
  const blocks: Block[] = [progress(state, ctx, items[0]!, false)];
  const several = items.length > 1;
  for (const item of items) {
    const p = item.platforms[platform];
    blocks.push(several ? { kind: 'text', text: `**${titleFor(item, state.kind)}**` } : { kind: 'heading', text: titleFor(item, state.kind) });
    blocks.push(...howTo(item, platform, ctx, { alternative: panel !== 'cant-find', kind: state.kind }));
    if (panel === 'why') blocks.push({ kind: 'text', text: `${ctx.t('setup.step.why')}\n${item.why}` });
    if (panel === 'cant-find') {
      blocks.push({ kind: 'text', text: `${ctx.t('setup.step.cantFind')}\n${p.ifNotFound}` });
      if (p.support !== 'full' && p.alternative) blocks.push({ kind: 'text', text: `${ctx.t('setup.step.instead')}\n${p.alternative}` });
    }
  }
  if (panel === 'why') blocks.push(sourcesNote(ctx, items));
  const allNone = items.every((i) => i.platforms[platform].support === 'none');
  // A step for when the call opens or after it cannot be done now: it is acknowledged, and remembered.
  const later = items.every(isLater);
  if (later) blocks.splice(1, 0, { kind: 'note', text: ctx.t(`setup.step.later.${items[0]!.phase}`) });
  const label = later ? 'setup.buttons.gotIt' : allNone ? 'setup.buttons.doneAlternative' : several ? 'setup.buttons.doneAll' : 'setup.buttons.done';
  const buttons: Button[] = [
    { action: A.done, label: ctx.t(label), value: ctx.token(), style: 'primary' },
    { action: A.skip, label: ctx.t('setup.buttons.skip'), value: ctx.token() },
  ];
  // Where there is no setting there is nothing to find: no "I can't find it".
  if (!allNone) buttons.push({ action: A.cantFind, label: ctx.t('setup.buttons.cantFind'), value: ctx.token() });
  buttons.push({ action: A.why, label: ctx.t('setup.buttons.why'), value: ctx.token() });
  blocks.push({ kind: 'actions', buttons }, lastRow(ctx, platform));
  return prompt(blocks);
}

/** Offered when the teacher types setup again while a walk is under way or was left with "Finish for now". */
export function resumeQuestion(state: SetupState, ctx: SetupViewContext): Prompt {
  const { open } = counts(state);
  const at = state.stage === 'step' ? state.index + 1 : state.plan.findIndex((c) => c.ids.some((id) => !state.answers[id])) + 1;
  return prompt([
    { kind: 'heading', text: ctx.t('setup.ask.heading') },
    {
      kind: 'text',
      text: ctx.t('setup.resume.step', { platform: platformName(ctx, state.platform ?? 'zoom'), current: at, total: state.plan.length, open }),
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
