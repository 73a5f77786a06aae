/**
 * What the "every report reaches a DPO who can act" end-to-end tests share: a real server on a clock the
 * test moves, a report made on Slack as a person would, the scheduler driven by hand, and readers of what
 * reached each Slack conversation and Teams chat.
 */
import { startRig, type Rig, type RigOptions } from '../rig/harness.js';
import { dmOf } from '../rig/fake-slack.js';
import type { Recorded } from '../rig/recorder.js';
import { FORM, blockAction, postSlack, slashCommand, viewSubmission } from '../rig/slack-requests.js';
import { cardSubmit, message, postTeams } from '../rig/teams-requests.js';
import { answers, cardOf, nextCall, slackState, teamsSubmitValue, type SlackView } from './reports.rig.js';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** A Monday, 09:00 in London (GMT). */
export const MONDAY_9 = new Date('2027-03-01T09:00:00Z');

export class TestClock {
  constructor(public at: Date) {}
  now(): Date {
    return this.at;
  }
}

export interface Reach {
  rig: Rig;
  clock: TestClock;
}

export async function startReach(settingsYaml: string, opts: Partial<RigOptions> = {}): Promise<Reach> {
  const clock = new TestClock(MONDAY_9);
  const rig = await startRig({ settingsYaml, clock, settingsFile: true, ...opts });
  return { rig, clock };
}

const scheduler = (rig: Rig) => rig.running!.scheduler;

/** Lets the scheduler send what is queued (a cron tick may be running too: waits for it first). */
export async function flush(rig: Rig): Promise<void> {
  await scheduler(rig).idle();
  await scheduler(rig).flush();
  await scheduler(rig).idle();
}

/** Moves the clock to `at` and runs one tick (policies, timers, the outbox) to the end. */
export async function tickAt(x: Reach, at: Date | number): Promise<void> {
  x.clock.at = new Date(at);
  await scheduler(x.rig).idle();
  await scheduler(x.rig).tick();
  await scheduler(x.rig).idle();
  await flush(x.rig);
}

export const respondUrl = (rig: Rig, user: string) => `${rig.slack.url}/respond/${user}`;
const REF = /INC-\d{4}-\d{4}/;

/** A report made on Slack by `user` in a class channel; resolves to its reference and what the reporter was told. */
export async function reportOnSlack(x: Reach, user: string, typed: Record<string, string> = {}): Promise<{ ref: string; told: string }> {
  const { rig } = x;
  let from = rig.slack.calls.length;
  await postSlack(rig.url, slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrl(rig, user) }), FORM);
  const view = (await nextCall(rig.slack, from, (c) => c.path === '/api/views.open')).body.view as SlackView;
  from = rig.slack.calls.length;
  await postSlack(rig.url, viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, answers(x.clock.now(), typed)), privateMetadata: view.private_metadata }), FORM);
  const confirmed = await nextCall(rig.slack, from, (c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)));
  return { ref: JSON.stringify(confirmed.body).match(REF)![0], told: JSON.stringify(confirmed.body) };
}

/** New messages posted to a Slack conversation (a channel id, or a user's DM) that mention `text`. */
export function postedTo(rig: Rig, where: string, text: string | RegExp = ''): Recorded[] {
  const channel = /^U/.test(where) ? dmOf(where) : where;
  return rig.slack.callsOf('chat.postMessage').filter((c) => c.body.channel === channel && c.reply?.ok === true && (typeof text === 'string' ? JSON.stringify(c.body).includes(text) : text.test(JSON.stringify(c.body))));
}

/** Messages replaced in place in a Slack conversation that mention `text`. */
export function updatedIn(rig: Rig, where: string, text: string | RegExp = ''): Recorded[] {
  const channel = /^U/.test(where) ? dmOf(where) : where;
  return rig.slack.callsOf('chat.update').filter((c) => c.body.channel === channel && (typeof text === 'string' ? JSON.stringify(c.body).includes(text) : text.test(JSON.stringify(c.body))));
}

/** The first alert (with buttons) for `ref` posted to `where`. */
export const alertsIn = (rig: Rig, where: string, ref: string) => postedTo(rig, where, ref).filter((c) => JSON.stringify(c.body).includes('report.acknowledge'));

/** Presses a button on a Slack message as `user`; resolves to what came back (an update, a modal, or a private answer). */
export async function pressOnSlack(rig: Rig, user: string, where: string, ts: string, action: string, value: string): Promise<Recorded> {
  const channel = /^U/.test(where) ? dmOf(where) : where;
  const from = rig.slack.calls.length;
  await postSlack(rig.url, blockAction({ user, channel, actionId: action, value, messageTs: ts, responseUrl: respondUrl(rig, user) }), FORM);
  return nextCall(rig.slack, from, (c) => c.path === '/api/chat.update' || c.path === '/api/views.open' || c.path === `/respond/${user}`);
}

/** What /healthz says about incident alerts. */
export async function alertHealth(rig: Rig): Promise<{ ok: boolean; problems: { problem: string; fix: string; destination?: string }[] }> {
  const health = (await (await fetch(`${rig.url}/healthz`)).json()) as { incidentAlerts: { ok: boolean; problems: { problem: string; fix: string }[] } };
  return health.incidentAlerts;
}

/** A person's 1:1 chat with the bot on Teams, as the rig names it. */
export const teamsChat = (who: string) => `a:chat-${who}`;

/** `who` writes `text` to the bot in their Teams chat; resolves when the bot has answered. */
export async function sayOnTeams(x: Reach, who: string, text: string): Promise<Recorded> {
  const from = x.rig.connector.calls.length;
  await postTeams(x.rig.url, message(x.rig.connector.url, teamsChat(who), { id: who }, text));
  return nextCall(x.rig.connector, from, (c) => c.path.includes(encodeURIComponent(teamsChat(who))));
}

/** A report made on Teams by `who` in their chat with the bot; resolves to its reference and what they were told. */
export async function reportOnTeams(x: Reach, who: string, typed: Record<string, string> = {}): Promise<{ ref: string; told: string }> {
  const { rig } = x;
  const form = await sayOnTeams(x, who, 'report');
  const from = rig.connector.calls.length;
  await postTeams(rig.url, cardSubmit(rig.connector.url, teamsChat(who), { id: who }, teamsSubmitValue(cardOf(form.body), answers(x.clock.now(), typed)), String(form.reply?.id)));
  const confirmed = await nextCall(rig.connector, from, (c) => REF.test(JSON.stringify(c.body)));
  return { ref: JSON.stringify(confirmed.body).match(REF)![0], told: JSON.stringify(confirmed.body) };
}

/** New messages the bot sent to a Teams conversation that mention `text`. */
export const sentOnTeams = (rig: Rig, conversation: string, text: string | RegExp = '') =>
  rig.connector.sentTo(conversation).filter((a) => (typeof text === 'string' ? JSON.stringify(a.body).includes(text) : text.test(JSON.stringify(a.body))));
