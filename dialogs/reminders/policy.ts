/**
 * The reminders' SchedulePolicy. At every tick it looks at the terms (re-read from the settings each time):
 * a term whose end time has passed starts its round once (everyone the bot knows gets one DM, keyed
 * `term-end:<term>:<platform>:<person>`), then the follow-ups fall due every `followUpDays` for those who
 * have not answered, at most `maxFollowUps` times, and then the DPO gets the summary. The round's progress
 * is kept in store.reminders, so a restart carries on; every delivery has a stable key, so a tick that runs
 * twice sends nothing twice. A round (or follow-up) missed by more than `catchUpDays` while the bot was down
 * is skipped, not sent late. The DPIA review reminder goes to the DPO six months after sign-off, then every
 * six months. Snoozes are timers.
 */
import type { Deps } from '../../src/core/deps.js';
import type { OutboxItem, ScheduleContext, SchedulePolicy, Timer } from '../../src/core/schedule/types.js';
import {
  isPersonReminder,
  isRoundReminder,
  personKey,
  roundKey,
  type PersonReminder,
  type RoundReminder,
} from '../../src/core/records/reminder.js';
import { addLocalDays, latestDpiaReview, nextDpiaReview, pastCatchUp, showDate, termInfos, type TermInfo } from '../../src/core/reminders/calendar.js';
import { DPIA_REVIEW_TIME, REMIND_KINDS, REMIND_TIMERS, termRound } from './ids.js';
import type { ReminderSettings, StaffDirectory } from './settings.js';
import { dpiaPrompt, summaryPrompt, termEndPrompt, type ViewContext } from './views.js';
import { dpoTargets, knownPeople, optedOut, personId, targetId } from './who.js';
import { roundFigures } from './report.js';

export const REMINDERS_POLICY = 'reminders';

export interface RemindersOptions {
  /** The settings as they are now (called at every tick). */
  settings(): ReminderSettings;
  /** Slack: the staff channel's members. */
  directory?: StaffDirectory;
}

/** Enqueued in batches, so a round for thousands of people is not one huge write. */
const BATCH = 200;

export const followUpKey = (round: string, n: number, p: { platform: string; id: string }) => `${round}:follow-up-${n}:${p.platform}:${p.id}`;
export const snoozeKey = (round: string, dueAt: string, p: { platform: string; id: string }) => `${round}:snooze-${dueAt}:${p.platform}:${p.id}`;
export const snoozeTimerKey = (round: string, p: { platform: string; id: string }) => `${REMIND_TIMERS.snooze}:${personKey(round, p)}`;

export function remindersPolicy(deps: Deps, o: RemindersOptions): SchedulePolicy {
  const zone = deps.school.timezone;
  const view: ViewContext = { t: (k, v) => deps.strings.t(k, v), guidance: deps.guidance };
  const reminders = deps.store.reminders;

  async function enqueueAll(ctx: ScheduleContext, items: OutboxItem[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < items.length; i += BATCH) added += (await ctx.outbox.enqueue(items.slice(i, i + BATCH))).added;
    return added;
  }

  /** Everyone the bot knows gets the first reminder; opted-out people are recorded, not sent anything. */
  async function startRound(term: TermInfo, round: string, s: ReminderSettings, ctx: ScheduleContext): Promise<number> {
    const people = await knownPeople(deps, s, o.directory);
    const out = await optedOut(deps);
    const now = ctx.now.toISOString();
    const items: OutboxItem[] = [];
    for (const r of people) {
      const off = out.has(personId(r.person));
      const state: PersonReminder = { kind: 'person', round, person: r.person, status: off ? 'opted-out' : 'sent', to: r.to, updatedAt: now, ...(off ? { notSent: true } : {}) };
      // An answer given before a crash-and-retry of this round is kept. Not fsynced one by one: the round's
      // durable "sent" below flushes them, and a crash before it re-runs the round (status still "starting").
      await reminders.putIf(personKey(round, r.person), state, 0, { durable: false });
      if (off) continue;
      items.push({
        key: personKey(round, r.person),
        kind: REMIND_KINDS.termEnd,
        group: round,
        to: r.to,
        prompt: termEndPrompt(view, { round, termName: term.name, summer: term.summer, callPlatform: r.callPlatform, occasion: 'first' }),
      });
    }
    const added = await enqueueAll(ctx, items);
    deps.log.info({ reminders: round, people: people.length, enqueued: added, optedOut: people.length - items.length }, 'term-end reminders enqueued');
    return people.length;
  }

  /** Those who have not answered (and are not snoozed, and not known unreachable) get follow-up `n`. */
  async function followUp(term: TermInfo, round: string, n: number, ctx: ScheduleContext): Promise<void> {
    const out = await optedOut(deps);
    const states = (await reminders.query({ index: 'round', equals: round })).map((r) => r.value).filter(isPersonReminder);
    const nowIso = ctx.now.toISOString();
    const items: OutboxItem[] = [];
    for (const p of states) {
      const waiting = p.status === 'sent' || (p.status === 'snoozed' && (p.snoozedUntil ?? '') <= nowIso);
      if (!waiting || out.has(personId(p.person))) continue;
      const first = await ctx.outbox.get(personKey(round, p.person));
      if (first?.status === 'unreachable') continue;
      // Marked unreachable by any later send (they blocked the bot after the first DM): not tried again.
      const user = await deps.store.users.get(personId(p.person));
      if (user?.unreachable) continue;
      const callPlatform = user?.prefs?.callPlatform;
      items.push({
        key: followUpKey(round, n, p.person),
        kind: REMIND_KINDS.termEnd,
        group: round,
        to: p.to,
        prompt: termEndPrompt(view, { round, termName: term.name, summer: term.summer, callPlatform, occasion: 'follow-up' }),
      });
    }
    const added = await enqueueAll(ctx, items);
    deps.log.info({ reminders: round, followUp: n, enqueued: added }, 'term-end follow-ups enqueued');
  }

  /**
   * The DPO's summary, to every DPO destination there is now that has not had it. `again`: a later tick
   * (a destination set or changed since it first went, or none then), which says nothing when all have it.
   */
  async function summarise(round: string, s: ReminderSettings, ctx: ScheduleContext, again = false): Promise<void> {
    const targets = await dpoTargets(deps, s);
    const key = (to: (typeof targets)[number]) => `${round}:summary:${targetId(to)}`;
    const missing = [];
    for (const to of targets) if (!(await ctx.outbox.get(key(to)))) missing.push(to);
    if (again && !missing.length) return;
    if (!targets.length) {
      if (!again) deps.log.warn({ reminders: round }, 'no DPO is set in the settings: the summary goes once one is, within the catch-up days (npx safecall reminders report shows it now)');
      return;
    }
    const figures = await roundFigures(deps.store, round, zone);
    if (!figures) return;
    const p = summaryPrompt(view, figures);
    await ctx.outbox.enqueue(missing.map((to) => ({ key: key(to), kind: REMIND_KINDS.summary, group: `${round}:summary`, to, prompt: p })));
    deps.log.info({ reminders: round, targets: missing.length, notAnswered: figures.notAnswered.length, unreachable: figures.unreachable.length }, again ? 'term-end summary enqueued for a DPO destination set since' : 'term-end summary enqueued');
  }

  const setRound = (round: string, change: (r: RoundReminder) => RoundReminder) =>
    reminders.update(roundKey(round), (cur) => (isRoundReminder(cur) ? change(cur) : cur)) as Promise<RoundReminder | undefined>;

  async function runRound(term: TermInfo, s: ReminderSettings, ctx: ScheduleContext): Promise<void> {
    const round = termRound(term.id);
    const { catchUpDays } = s.reminders;
    const now = ctx.now;
    const nowIso = now.toISOString();
    let record = await reminders.get(roundKey(round));
    if (!record) {
      const skipped = pastCatchUp(term.remindAt, now, catchUpDays, zone);
      const fresh: RoundReminder = {
        kind: 'round',
        round,
        status: skipped ? 'skipped' : 'starting',
        termName: term.name,
        dueAt: term.remindAt.toISOString(),
        startedAt: nowIso,
        updatedAt: nowIso,
        people: 0,
        followUps: 0,
      };
      await reminders.putIf(roundKey(round), fresh, 0);
      record = await reminders.get(roundKey(round));
      if (skipped) deps.log.info({ reminders: round, dueAt: fresh.dueAt }, 'term-end reminder missed by more than the catch-up days: not sent');
    }
    if (!isRoundReminder(record)) return;
    await carryOn(term, round, record, s, ctx);
  }

  async function carryOn(term: TermInfo, round: string, from: RoundReminder, s: ReminderSettings, ctx: ScheduleContext): Promise<void> {
    const { catchUpDays, followUpDays, maxFollowUps } = s.reminders;
    const now = ctx.now;
    const nowIso = now.toISOString();
    let record: RoundReminder = from;
    if (record.status === 'skipped') return;
    const summaryAt = addLocalDays(new Date(record.dueAt), (maxFollowUps + 1) * followUpDays, zone);
    if (record.status === 'summarised') {
      // Where the DPO's messages go is looked up now: one set or changed since (or none then) gets it, within the catch-up days.
      if (!pastCatchUp(summaryAt, now, catchUpDays, zone)) await summarise(round, s, ctx, true);
      return;
    }
    if (record.status === 'starting') {
      const people = await startRound(term, round, s, ctx);
      record = (await setRound(round, (r) => ({ ...r, status: 'sent', people, updatedAt: nowIso }))) ?? record;
    }
    const remindAt = new Date(record.dueAt);
    while (record.followUps < maxFollowUps) {
      const n = record.followUps + 1;
      const dueAt = addLocalDays(remindAt, n * followUpDays, zone);
      if (now < dueAt) return;
      if (!pastCatchUp(dueAt, now, catchUpDays, zone)) await followUp(term, round, n, ctx);
      else deps.log.info({ reminders: round, followUp: n }, 'follow-up missed by more than the catch-up days: skipped');
      record = (await setRound(round, (r) => ({ ...r, followUps: Math.max(r.followUps, n), updatedAt: nowIso }))) ?? record;
    }
    if (now < summaryAt) return;
    await summarise(round, s, ctx);
    await setRound(round, (r) => ({ ...r, status: 'summarised', updatedAt: nowIso }));
  }

  async function dpiaReview(s: ReminderSettings, ctx: ScheduleContext): Promise<void> {
    if (!s.dpiaSignedOff) return;
    const latest = latestDpiaReview(s.dpiaSignedOff, ctx.now, DPIA_REVIEW_TIME, zone);
    if (!latest || pastCatchUp(latest.at, ctx.now, s.reminders.catchUpDays, zone)) return;
    const next = nextDpiaReview(s.dpiaSignedOff, ctx.now, DPIA_REVIEW_TIME, zone);
    const p = dpiaPrompt(view, { signedOff: showDate(s.dpiaSignedOff, zone), next: showDate(next.date, zone) });
    const targets = await dpoTargets(deps, s);
    const { added } = await ctx.outbox.enqueue(targets.map((to) => ({ key: `dpia-review:${latest.date}:${targetId(to)}`, kind: REMIND_KINDS.dpia, group: `dpia-review:${latest.date}`, to, prompt: p })));
    if (added) deps.log.info({ reminders: 'dpia-review', date: latest.date, targets: added }, 'DPIA review reminder enqueued');
  }

  /** "Remind me in 2 days" fell due: the reminder again, unless they answered or opted out meanwhile. */
  async function onSnooze(timer: Timer, ctx: ScheduleContext): Promise<void> {
    const round = String(timer.payload.round ?? '');
    const person = { platform: String(timer.payload.platform ?? ''), id: String(timer.payload.id ?? '') };
    const state = await reminders.get(personKey(round, person));
    if (!isPersonReminder(state) || state.status !== 'snoozed') return;
    if ((await optedOut(deps)).has(personId(person))) return;
    const s = o.settings();
    const term = termInfos(s.terms, s.reminders.termEndTime, zone).find((t) => termRound(t.id) === round);
    const roundRecord = await reminders.get(roundKey(round));
    const termName = term?.name ?? (isRoundReminder(roundRecord) ? roundRecord.termName : round);
    const callPlatform = (await deps.store.users.get(personId(person)))?.prefs?.callPlatform;
    await ctx.outbox.enqueue([
      {
        key: snoozeKey(round, timer.dueAt, person),
        kind: REMIND_KINDS.termEnd,
        group: round,
        to: state.to,
        prompt: termEndPrompt(view, { round, termName, summer: term?.summer ?? false, callPlatform, occasion: 'snoozed' }),
      },
    ]);
    // Back to "not answered", so a later follow-up or the summary counts them as waiting.
    await reminders.update(personKey(round, person), (cur) => (isPersonReminder(cur) && cur.status === 'snoozed' ? { ...cur, status: 'sent', snoozedUntil: undefined, updatedAt: ctx.now.toISOString() } : cur));
  }

  return {
    name: REMINDERS_POLICY,
    async due(ctx) {
      const s = o.settings();
      for (const term of termInfos(s.terms, s.reminders.termEndTime, zone)) {
        if (ctx.now < term.remindAt) continue;
        await runRound(term, s, ctx);
      }
      await dpiaReview(s, ctx);
    },
    timerKinds: [REMIND_TIMERS.snooze],
    async onTimer(timer, ctx) {
      if (timer.kind === REMIND_TIMERS.snooze) await onSnooze(timer, ctx);
    },
  };
}
