/**
 * What people see of a report: the reporter's confirmation and list, and the DPO's alert, which is
 * redrawn from the record whenever the case moves. Pure: the record comes in opened (facts decrypted).
 */
import type { Block, Button, Prompt } from '../../src/core/prompt.js';
import { prompt } from '../../src/core/prompt.js';
import { shorten } from '../../src/core/cut-text.js';
import type { Strings } from '../../src/core/strings.js';
import { closeRefusal, icoDeadline, reportState, type ReportFacts, type StoredReport } from '../../src/core/records/report.js';
import { REPORT_ACTIONS as A } from './ids.js';
import { hoursMinutes, showTime } from './time.js';

export interface ViewContext {
  strings: Strings;
  timezone: string;
  now: Date;
}

const t = (ctx: ViewContext, key: string, vars?: Record<string, string | number>) => ctx.strings.t(key, vars);
const when = (ctx: ViewContext, iso: string) => showTime(iso, ctx.timezone, ctx.strings.locale);

/** Text a person typed, shown as typed: the markup that would make a link or bold is broken up. */
export function quoted(text: string, max = 600): string {
  return shorten(text, max).replace(/\]\(/g, '] (').replace(/\*\*/g, '*\u200B*');
}

/**
 * The reporter's confirmation: stored, with its reference, and no more than is true about who has it
 * (reach.ts `Reach`): "has been told" only once an alert was delivered; otherwise on its way, or who it goes
 * to instead, or that they should tell the DPO themselves. A message follows when it has reached someone.
 */
export function confirmation(ctx: ViewContext, r: StoredReport, reach: 'reached' | 'sending' | 'admins' | 'deputies' | 'nobody'): Prompt {
  return prompt([
    { kind: 'heading', text: t(ctx, 'reports.confirm.heading') },
    { kind: 'text', text: t(ctx, 'reports.confirm.body', { ref: r.ref, time: when(ctx, r.reportedAt) }) },
    { kind: reach === 'reached' || reach === 'sending' ? 'note' : 'text', text: t(ctx, `reports.confirm.${reach}`, { ref: r.ref }) },
  ]);
}

/** Why the 72 hours start when they do: when it was noticed, when it was reported, or the DPO's recorded time. */
function awareness(ctx: ViewContext, r: StoredReport, name: (by: { id: string }) => string): string {
  const set = reportState(r).aware;
  const time = when(ctx, r.awareAt);
  if (set && set.by.platform !== 'system') return t(ctx, 'reports.alert.awareFrom.set', { time, name: name(set.by) });
  return t(ctx, r.awareAt === r.discoveredAt || Date.parse(r.awareAt) < Date.parse(r.reportedAt) ? 'reports.alert.awareFrom.noticed' : 'reports.alert.awareFrom.reported', { time });
}

/** The one-word status a reporter sees. */
export function statusOf(ctx: ViewContext, r: StoredReport): string {
  const s = reportState(r);
  if (r.status === 'closed') return t(ctx, 'reports.status.closed');
  if (s.decision) return t(ctx, 'reports.status.decided');
  if (s.risk) return t(ctx, 'reports.status.assessed');
  if (s.acknowledged) return t(ctx, 'reports.status.acknowledged');
  return t(ctx, 'reports.status.open');
}

export const MINE_LIMIT = 10;

export function myReports(ctx: ViewContext, reports: StoredReport[], total: number): Prompt {
  if (!reports.length) return prompt([{ kind: 'text', text: t(ctx, 'reports.mine.none') }]);
  const blocks: Block[] = [
    { kind: 'heading', text: t(ctx, 'reports.mine.heading') },
    {
      kind: 'steps',
      ordered: false,
      items: reports.map((r) =>
        t(ctx, 'reports.mine.line', { ref: r.ref, category: t(ctx, `reports.form.categories.${r.category}`), time: when(ctx, r.reportedAt), status: statusOf(ctx, r) }),
      ),
    },
  ];
  if (total > reports.length) blocks.push({ kind: 'note', text: t(ctx, 'reports.mine.more', { count: reports.length }) });
  return prompt(blocks);
}

function timeLeft(ctx: ViewContext, r: StoredReport): string {
  const ms = icoDeadline(r).getTime() - ctx.now.getTime();
  const hm = hoursMinutes(ms);
  return ms > 0 ? t(ctx, 'reports.alert.left', hm) : t(ctx, 'reports.alert.overdue', hm);
}

export function leftText(ctx: ViewContext, r: StoredReport): string {
  return timeLeft(ctx, r);
}

/** The DPO alert: who, what, when, the deadline and time left, the latest state, and the buttons still useful. */
export function alertView(ctx: ViewContext, r: StoredReport, given: ReportFacts, opts: { fresh?: boolean; names?: Record<string, string> } = {}): Prompt {
  const s = reportState(r);
  const name = (by: { id: string }) => opts.names?.[by.id] ?? by.id;
  // What the DPO must act on leads: the deadline and the time left, then what was reported; the rest is one
  // fact list (two lists side by side in Teams do not line their columns up).
  const deadline = t(ctx, 'reports.alert.deadlineLine', { deadline: when(ctx, r.deadlineAt), left: s.decision ? t(ctx, 'reports.alert.decided') : timeLeft(ctx, r) });
  const status = r.status === 'closed' ? t(ctx, 'reports.status.closed') : s.overdue && !s.decision ? t(ctx, 'reports.status.overdue') : statusOf(ctx, r);
  const facts: { label: string; value: string }[] = [
    { label: t(ctx, 'reports.alert.category'), value: t(ctx, `reports.form.categories.${r.category}`) },
    { label: t(ctx, 'reports.alert.state'), value: status },
    ...(r.callPlatform ? [{ label: t(ctx, 'reports.alert.platform'), value: t(ctx, `reports.form.platforms.${r.callPlatform}`) + (given.meeting ? ` · ${quoted(given.meeting, 100)}` : '') }] : []),
    { label: t(ctx, 'reports.alert.reporter'), value: t(ctx, 'reports.alert.reporterOn', { name: quoted(given.reporterName ?? r.reporter.id, 80), platform: t(ctx, `reports.alert.chat.${r.reporter.platform}`) }) },
    { label: t(ctx, 'reports.alert.occurred'), value: when(ctx, r.occurredAt) },
    { label: t(ctx, 'reports.alert.noticed'), value: when(ctx, r.discoveredAt) },
    { label: t(ctx, 'reports.alert.reported'), value: when(ctx, r.reportedAt) },
    { label: t(ctx, 'reports.alert.aware'), value: awareness(ctx, r, name) },
  ];
  if (r.subjects.length) facts.push({ label: t(ctx, 'reports.alert.subjects'), value: r.subjects.map((x) => t(ctx, `reports.form.subjects.${x}`)).join(', ') + (r.howMany ? ` · ${t(ctx, `reports.form.howManyOptions.${r.howMany}`)}` : '') });
  if (r.specialCategory) facts.push({ label: t(ctx, 'reports.alert.special'), value: t(ctx, `reports.form.yesNo.${r.specialCategory}`) });
  if (s.acknowledged) facts.push({ label: t(ctx, 'reports.alert.kinds.acknowledged'), value: `${name(s.acknowledged.by)} · ${when(ctx, s.acknowledged.at)}` });
  if (s.risk?.risk) facts.push({ label: t(ctx, 'reports.alert.risk'), value: t(ctx, `reports.alert.risks.${s.risk.risk}`) });
  if (s.decision?.decision) facts.push({ label: t(ctx, 'reports.alert.decision'), value: t(ctx, `reports.alert.decisions.${s.decision.decision}`, { icoRef: quoted(s.decision.icoRef ?? '', 40) }) });
  if (s.told) facts.push({ label: t(ctx, 'reports.alert.told'), value: when(ctx, s.told.toldAt ?? s.told.at) });
  if (s.notes.length) facts.push({ label: t(ctx, 'reports.alert.notes'), value: String(s.notes.length) });
  if (s.escalated) facts.push({ label: t(ctx, 'reports.alert.escalated'), value: t(ctx, `reports.alert.escalatedTo.${s.escalated.reason === 'no-route' ? 'noRoute' : s.escalated.level === 2 ? 'admins' : 'deputies'}`, { time: when(ctx, s.escalated.at) }) });

  const heading = opts.fresh ? t(ctx, 'reports.alert.heading', { ref: r.ref }) : t(ctx, 'reports.alert.updated', { ref: r.ref });
  const blocks: Block[] = [
    { kind: 'heading', text: heading },
    { kind: 'text', text: deadline },
    { kind: 'text', text: quoted(given.narrative) },
    { kind: 'facts', facts },
  ];
  const last = r.timeline[r.timeline.length - 1];
  if (last) blocks.push({ kind: 'note', text: t(ctx, 'reports.alert.lastEntry', { what: t(ctx, `reports.alert.kinds.${last.kind}`), who: last.by.platform === 'system' ? 'SafeCall' : name(last.by), time: when(ctx, last.at) }) });
  if (s.risk?.risk === 'high' && !s.told && r.status !== 'closed') blocks.push({ kind: 'note', text: t(ctx, 'reports.alert.mustTell') });
  const buttons = alertButtons(ctx, r);
  if (buttons.length) blocks.push({ kind: 'actions', buttons });
  return prompt(blocks, `${heading}: ${t(ctx, `reports.form.categories.${r.category}`)}. ${t(ctx, 'reports.alert.deadline')} ${when(ctx, r.deadlineAt)}.`);
}

export function alertButtons(ctx: ViewContext, r: StoredReport): Button[] {
  if (r.status === 'closed') return [];
  const s = reportState(r);
  const b = (action: string, key: string, style?: 'primary' | 'danger'): Button => ({ action, label: t(ctx, `reports.buttons.${key}`), value: r.ref, ...(style ? { style } : {}) });
  const out: Button[] = [];
  if (!s.acknowledged) out.push(b(A.acknowledge, 'acknowledge', 'primary'));
  out.push(b(A.risk, 'risk'), b(A.decision, 'decision'), b(A.told, 'told'), b(A.note, 'note'));
  // The awareness time moves the deadline, which matters until the decision is recorded.
  if (!s.decision) out.push(b(A.aware, 'aware'));
  if (closeRefusal(r) === undefined) out.push(b(A.close, 'close'));
  return out;
}
