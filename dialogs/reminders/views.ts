/** The reminders' messages, as pure functions of what they show. Words from content/en-GB/strings/reminders.yaml. */
import type { Block, Prompt } from '../../src/core/prompt.js';
import { prompt } from '../../src/core/prompt.js';
import { CALL_PLATFORMS, type CallPlatform, type Guidance } from '../../src/core/guidance/schema.js';
import type { Vars } from '../../src/core/strings.js';
import { REMIND_ACTIONS as A } from './ids.js';
import type { RoundFigures } from './report.js';

export interface ViewContext {
  t(key: string, vars?: Vars): string;
  guidance: Guidance;
}

/** The guidance item whose steps the term-end reminder shows. */
export const DELETE_RECORDINGS_ITEM = 'delete-recordings-term-end';

export type Occasion = 'first' | 'follow-up' | 'snoozed';

export interface TermEndView {
  round: string;
  termName: string;
  summer: boolean;
  callPlatform?: CallPlatform;
  occasion: Occasion;
}

/**
 * The platform's deletion steps from the guidance, without the "put a reminder in your calendar" step: this
 * message is that reminder.
 */
export function deletionSteps(ctx: ViewContext, platform: CallPlatform): string[] {
  const item = ctx.guidance.byId.get(DELETE_RECORDINGS_ITEM);
  return (item?.platforms[platform].steps ?? []).filter((s) => !/\bcalendar\b/i.test(s));
}

export function stepsBlocks(ctx: ViewContext, platform: CallPlatform): Block[] {
  return [
    { kind: 'text', text: ctx.t('reminders.termEnd.stepsFor', { platform: ctx.t(`reminders.platforms.${platform}`) }) },
    { kind: 'steps', items: deletionSteps(ctx, platform) },
  ];
}

export function termEndPrompt(ctx: ViewContext, v: TermEndView): Prompt {
  const term = v.termName;
  const blocks: Block[] = [];
  if (v.occasion === 'follow-up') blocks.push({ kind: 'text', text: ctx.t('reminders.termEnd.followUp') });
  if (v.occasion === 'snoozed') blocks.push({ kind: 'text', text: ctx.t('reminders.termEnd.snoozed') });
  blocks.push({ kind: 'heading', text: ctx.t('reminders.termEnd.heading', { term }) });
  blocks.push({ kind: 'text', text: ctx.t('reminders.termEnd.lead', { term }) });
  if (v.summer) blocks.push({ kind: 'text', text: ctx.t('reminders.termEnd.summer') });
  if (v.callPlatform) blocks.push(...stepsBlocks(ctx, v.callPlatform));
  else {
    blocks.push({ kind: 'text', text: ctx.t('reminders.termEnd.choosePlatform') });
    blocks.push({
      kind: 'actions',
      buttons: CALL_PLATFORMS.map((p) => ({ action: A.steps, label: ctx.t(`reminders.platforms.${p}`), value: `${p}|${v.round}` })),
    });
  }
  blocks.push({
    kind: 'actions',
    buttons: [
      { action: A.done, label: ctx.t('reminders.termEnd.buttons.done'), value: v.round, style: 'primary' },
      { action: A.snooze, label: ctx.t('reminders.termEnd.buttons.snooze'), value: v.round },
      { action: A.none, label: ctx.t('reminders.termEnd.buttons.none'), value: v.round },
    ],
  });
  blocks.push({ kind: 'actions', buttons: [{ action: A.stop, label: ctx.t('reminders.termEnd.buttons.stop'), value: v.round }] });
  const heading = ctx.t('reminders.termEnd.heading', { term });
  return prompt(blocks, v.occasion === 'first' ? heading : `${ctx.t(v.occasion === 'follow-up' ? 'reminders.termEnd.followUp' : 'reminders.termEnd.snoozed')} ${heading}`);
}

/** What replaces the reminder once it is answered: the answer, and a way back where one makes sense. */
export function answeredPrompt(ctx: ViewContext, key: 'done' | 'none' | 'snooze' | 'stop' | 'resume' | 'unknown' | 'closed', round: string, vars?: Vars): Prompt {
  const blocks: Block[] = [{ kind: 'text', text: ctx.t(`reminders.answered.${key}`, vars) }];
  if (key === 'stop') blocks.push({ kind: 'actions', buttons: [{ action: A.resume, label: ctx.t('reminders.termEnd.buttons.resume'), value: round }] });
  if (key === 'none') blocks.push({ kind: 'actions', buttons: [{ action: A.stop, label: ctx.t('reminders.termEnd.buttons.stop'), value: round }] });
  return prompt(blocks);
}

const MAX_NAMES = 40;

function names(ctx: ViewContext, list: string[]): string {
  if (list.length <= MAX_NAMES) return list.join(', ');
  return `${list.slice(0, MAX_NAMES).join(', ')} ${ctx.t('reminders.summary.more', { count: list.length - MAX_NAMES })}`;
}

export function summaryPrompt(ctx: ViewContext, f: RoundFigures, opts: { allNames?: boolean; catchUpDays?: number } = {}): Prompt {
  if (f.skipped) return skippedPrompt(ctx, { termName: f.termName, dueAt: f.remindedAt, catchUpDays: opts.catchUpDays, reason: f.skipped });
  const list = (xs: string[]) => (opts.allNames ? xs.join(', ') : names(ctx, xs));
  const blocks: Block[] = [
    { kind: 'heading', text: ctx.t('reminders.summary.heading', { term: f.termName }) },
    { kind: 'text', text: ctx.t('reminders.summary.lead', { when: f.remindedAt, followUps: f.followUps }) },
    {
      kind: 'facts',
      facts: [
        { label: ctx.t('reminders.summary.reminded'), value: String(f.reminded) },
        { label: ctx.t('reminders.summary.confirmed'), value: String(f.confirmed) },
        { label: ctx.t('reminders.summary.noRecordings'), value: String(f.noRecordings) },
        { label: ctx.t('reminders.summary.optedOut'), value: String(f.optedOut) },
        { label: ctx.t('reminders.summary.notAnswered'), value: String(f.notAnswered.length) },
        { label: ctx.t('reminders.summary.unreachable'), value: String(f.unreachable.length) },
        { label: ctx.t('reminders.summary.uncertain'), value: String(f.uncertain) },
      ],
    },
  ];
  if (f.notAnswered.length) blocks.push({ kind: 'text', text: ctx.t('reminders.summary.notAnsweredNames', { names: list(f.notAnswered) }) });
  for (const u of f.unreachableBy) blocks.push({ kind: 'text', text: ctx.t(`reminders.summary.why.${u.reason}`, { count: u.names.length, names: list(u.names) }) });
  for (const l of f.lists) blocks.push({ kind: 'note', text: ctx.t(`reminders.summary.lists.${l.source}`, { reason: l.reason }) });
  if (f.missedFollowUps.length) blocks.push({ kind: 'note', text: ctx.t('reminders.summary.missedFollowUps', { count: f.missedFollowUps.length }) });
  if (f.uncertain) blocks.push({ kind: 'note', text: ctx.t('reminders.summary.uncertainNote', { count: f.uncertain }) });
  if (f.matched) blocks.push({ kind: 'note', text: ctx.t('reminders.summary.matched', { count: f.matched }) });
  if (!opts.allNames && f.notAnswered.length + f.unreachable.length > MAX_NAMES) blocks.push({ kind: 'note', text: ctx.t('reminders.summary.cli', { term: f.termName }) });
  return prompt(blocks);
}

/** The DPO is told a round was not sent: when it was due, why, and what to do. */
export function skippedPrompt(ctx: ViewContext, v: { termName: string; dueAt: string; catchUpDays?: number; reason?: 'late' | 'before-start' }): Prompt {
  const why = v.reason === 'before-start' ? ctx.t('reminders.skipped.beforeStart') : ctx.t('reminders.skipped.late', { days: v.catchUpDays ?? '?' });
  return prompt([
    { kind: 'heading', text: ctx.t('reminders.skipped.heading', { term: v.termName }) },
    { kind: 'text', text: ctx.t('reminders.skipped.lead', { when: v.dueAt }) },
    { kind: 'text', text: why },
    { kind: 'text', text: ctx.t('reminders.skipped.todo') },
  ]);
}

export function dpiaPrompt(ctx: ViewContext, v: { signedOff: string; next: string }): Prompt {
  return prompt([
    { kind: 'heading', text: ctx.t('reminders.dpia.heading') },
    { kind: 'text', text: ctx.t('reminders.dpia.lead', { signedOff: v.signedOff }) },
    { kind: 'text', text: ctx.t('reminders.dpia.steps') },
    { kind: 'note', text: ctx.t('reminders.dpia.next', { next: v.next }) },
  ]);
}
