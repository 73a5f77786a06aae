/**
 * What the reports end-to-end tests share: the settings (a DPO and an admin on each platform), a narrative
 * that must never reach a log, and filling in the form the bot really opened (a Slack modal or a Teams card)
 * the way each client would send it back.
 */
import { DateTime } from 'luxon';
import type { Rig } from '../rig/harness.js';
import { FORM, postSlack, sign, slashCommand, triggerId, viewSubmission, type SlackPost } from '../rig/slack-requests.js';
import type { Recorded, RecordingServer } from '../rig/recorder.js';
import { TEAM } from '../rig/fake-slack.js';
import { REPORT_FIELDS as F } from '../../dialogs/incidents/ids.js';

export const SLACK_DPO = 'U0DPO';
export const SLACK_ADMIN = 'U0ADMIN';
export const SLACK_DPO_CHANNEL = 'C0DPO';
export const TEAMS_DPO = 'aad-dpo';

export const SETTINGS = `school:
  name: Hillside
  timezone: Europe/London
slack:
  teamId: ${TEAM}
  admins: [${SLACK_ADMIN}]
  dpo: [${SLACK_DPO}]
  dpoChannel: ${SLACK_DPO_CHANNEL}
teams:
  admins: []
  dpo: [${TEAMS_DPO}]
`;

/** Words typed into the report that no log line may hold. */
export const NARRATIVE = 'Zq81-narrative: a stranger joined 7B maths and shared a picture of a pupil';
export const ACTIONS_TAKEN = 'Zq81-done: removed them and locked the meeting';

/** A complete, valid report, by field id, as ISO times (`occurredAt` an hour before `now`). */
export function answers(now: Date, extra: Record<string, string> = {}): Record<string, string> {
  const occurred = new Date(now.getTime() - 60 * 60_000);
  return {
    [F.category]: 'uninvited',
    [F.occurredAt]: occurred.toISOString(),
    [F.discoveredAt]: new Date(occurred.getTime() + 10 * 60_000).toISOString(),
    [F.narrative]: NARRATIVE,
    [F.platform]: 'zoom',
    [F.subjects]: 'students',
    [F.howMany]: '11-50',
    [F.special]: 'no',
    [F.actionsTaken]: ACTIONS_TAKEN,
    ...extra,
  };
}

/** Every log line of the rig so far that holds any of the typed words. */
export function leaks(rig: Rig, words: string[] = [NARRATIVE, ACTIONS_TAKEN]): string[] {
  const needles = words.flatMap((w) => [w, w.slice(0, 12)]);
  return rig.logs.filter((l) => needles.some((n) => l.includes(n)));
}

/** The first call after index `from` that matches (Slack Web API method or connector path). */
export async function nextCall(server: RecordingServer, from: number, pred: (c: Recorded) => boolean, timeoutMs = 5000): Promise<Recorded> {
  return server.waitFor((c) => server.calls.indexOf(c) >= from && pred(c), timeoutMs);
}

// ---- Slack -----------------------------------------------------------------------------------------

interface SlackOption {
  value: string;
  text: { text: string };
}
interface SlackElement {
  type: string;
  initial_value?: string;
  initial_option?: SlackOption;
  initial_options?: SlackOption[];
  initial_date_time?: number;
  options?: SlackOption[];
  option_groups?: { options: SlackOption[] }[];
}
export interface SlackView {
  callback_id: string;
  private_metadata?: string;
  blocks: { type: string; block_id?: string; element?: SlackElement }[];
}

const optionsOf = (el: SlackElement) => [...(el.options ?? []), ...(el.option_groups ?? []).flatMap((g) => g.options)];

/** The view's current values (what the modal shows), by block id. */
export function slackShown(view: SlackView): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of view.blocks) {
    const el = b.element;
    if (b.type !== 'input' || !el || !b.block_id) continue;
    if (el.initial_value !== undefined) out[b.block_id] = el.initial_value;
    if (el.initial_option) out[b.block_id] = el.initial_option.value;
    if (el.initial_options) out[b.block_id] = el.initial_options.map((o) => o.value).join(',');
    if (el.initial_date_time !== undefined) out[b.block_id] = new Date(el.initial_date_time * 1000).toISOString();
  }
  return out;
}

/**
 * view.state.values as Slack sends them for this view, with `typed` by block id (ISO times for date-time
 * pickers, comma-separated values for multi-selects); what is not typed keeps what the view showed.
 */
export function slackState(view: SlackView, typed: Record<string, string>): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  const shown = slackShown(view);
  for (const b of view.blocks) {
    const el = b.element;
    if (b.type !== 'input' || !el || !b.block_id) continue;
    const v = b.block_id in typed ? typed[b.block_id]! : shown[b.block_id];
    const pick = (value: string) => {
      const o = optionsOf(el).find((x) => x.value === value);
      if (!o) throw new Error(`${b.block_id}: no option ${value}`);
      return o;
    };
    switch (el.type) {
      case 'static_select':
        values[b.block_id] = { type: el.type, selected_option: v ? pick(v) : null };
        break;
      case 'multi_static_select':
        values[b.block_id] = { type: el.type, selected_options: v ? v.split(',').map(pick) : [] };
        break;
      case 'datetimepicker':
        values[b.block_id] = { type: el.type, selected_date_time: v ? Math.floor(Date.parse(v) / 1000) : null };
        break;
      default:
        values[b.block_id] = { type: el.type, value: v ?? null };
    }
  }
  return values;
}

/** A report's reference, as the confirmation says it. */
export const REF = /INC-\d{4}-\d{4}/;

/** Where Slack's fake takes `user`'s response_url answers (one path per person, so many can run at once). */
export const respondUrlOf = (rig: Rig, user: string) => `${rig.slack.url}/respond/${user}`;

/**
 * `/safecall report` as `user`; resolves to the modal it opened, found by the command's own trigger id, so
 * many people can open the form at once.
 */
export async function openReportView(rig: Rig, user: string, patience?: number): Promise<SlackView> {
  const trigger = triggerId(user);
  await admitted(() => postSlack(rig.url, slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrlOf(rig, user), triggerId: trigger }), FORM), patience);
  const call = await rig.slack.waitFor((c) => c.path === '/api/views.open' && c.body.trigger_id === trigger, 10_000);
  return call.body.view as SlackView;
}

/** 503s met by `admitted` so far (SafeCall's work limiter saying "busy, try again in a second"). */
export const busy = { answers: 0 };

/**
 * Sends until the request is not answered 503: a busy server says so with Retry-After (1 s), and Slack
 * retries an event, or the person presses again on a modal that kept what they typed.
 */
export async function admitted(send: () => Promise<SlackPost>, tries = 60): Promise<SlackPost> {
  for (let i = 1; ; i++) {
    const res = await send();
    if (res.status !== 503 || i === tries) return res;
    busy.answers++;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Submits `view` as `user` with these view.state values, signed, as Slack would (with the view's blocks when given). */
export function submitView(rig: Rig, user: string, view: Pick<SlackView, 'callback_id' | 'private_metadata'> & { blocks?: SlackView['blocks'] }, values: Record<string, Record<string, unknown>>): Promise<SlackPost> {
  const body = viewSubmission({ user, callbackId: view.callback_id, values, privateMetadata: view.private_metadata, ...(view.blocks ? { blocks: view.blocks } : {}) });
  return postSlack(rig.url, body, FORM, sign(body));
}

/** A complete report, opened and submitted as `user`; resolves to the reference its confirmation gave. */
export async function submitReport(rig: Rig, user: string, typed: Record<string, string> = {}): Promise<string> {
  const view = await openReportView(rig, user);
  const from = rig.slack.calls.length;
  await submitView(rig, user, view, slackState(view, answers(new Date(), typed)));
  const confirmed = await nextCall(rig.slack, from, (c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)));
  return JSON.stringify(confirmed.body).match(REF)![0];
}

// ---- Teams -----------------------------------------------------------------------------------------

interface CardNode {
  type?: string;
  id?: string;
  value?: unknown;
  data?: { safecall?: Record<string, string> };
  [k: string]: unknown;
}

function walk(node: unknown, visit: (n: CardNode) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== 'object') return;
  visit(node as CardNode);
  Object.values(node).forEach((n) => walk(n, visit));
}

/** The Adaptive Card inside an activity, a task module answer, or a card itself. */
export function cardOf(x: unknown): unknown {
  const a = x as { attachments?: { content: unknown }[]; task?: { value?: { card?: { content: unknown } } }; body?: unknown };
  return a.attachments?.[0]?.content ?? a.task?.value?.card?.content ?? x;
}

/** The card's inputs and what each shows now. */
export function teamsShown(card: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  walk(card, (n) => {
    if (typeof n.type === 'string' && n.type.startsWith('Input.') && n.id) out[n.id] = n.value;
  });
  return out;
}

/**
 * What Teams sends when the form's submit button is pressed: the button's data merged with every input's
 * value; `typed` by field id (ISO times become the card's date and time inputs in the school's zone).
 */
export function teamsSubmitValue(card: unknown, typed: Record<string, string>, zone = 'Europe/London'): Record<string, unknown> {
  let data: Record<string, string> | undefined;
  walk(card, (n) => {
    if (n.type === 'Action.Submit' && n.data?.safecall?.form) data = n.data.safecall;
  });
  if (!data) throw new Error('the card has no form submit button');
  const value: Record<string, unknown> = { safecall: data };
  for (const [id, shown] of Object.entries(teamsShown(card))) if (shown !== undefined) value[id] = shown;
  for (const [id, v] of Object.entries(typed)) {
    if (`${id}__date` in teamsShown(card)) {
      const at = DateTime.fromISO(v, { zone });
      value[`${id}__date`] = v ? at.toISODate() : '';
      value[`${id}__time`] = v ? at.toFormat('HH:mm') : '';
    } else value[id] = v;
  }
  return value;
}

/** The text of every TextBlock in a card. */
export function cardTexts(card: unknown): string[] {
  const out: string[] = [];
  walk(card, (n) => {
    if (n.type === 'TextBlock' && typeof n.text === 'string') out.push(n.text);
  });
  return out;
}
