/**
 * The reminders' SchedulePolicy. At every tick it looks at the terms (re-read from the settings each time).
 * A term whose end time has passed gets its round once: a round is identified by the term's dates, so a
 * renamed or re-imported term is the round it already had (src/core/reminders/rounds.ts, rounds.ts here).
 * The round reminds everyone once (one DM per person, keyed `<round>:<platform>:<account>`), then the
 * follow-ups fall due every `followUpDays` for those who have not answered, at most `maxFollowUps` times,
 * and then the DPO gets the summary. Every round still running carries on, whatever the settings say now (a
 * term dropped from them while its round runs still gets its follow-ups and summary).
 *
 * Nobody gets two reminders of one round on one day: a follow-up, a snoozed reminder and the first
 * reminder claim the person's record (`last`) before they are queued, so a snooze and a follow-up falling
 * due together (after downtime, or a snooze just before a follow-up), or follow-ups that piled up while the
 * bot was down, give one message. A round (or follow-up) missed by more than `catchUpDays` while the bot was
 * down is not sent late; the DPO is told. The progress is kept in store.reminders, so a restart carries on;
 * every delivery has a stable key, so a tick that runs twice sends nothing twice. The DPIA review reminder
 * goes to the DPO six months after sign-off, then every six months. Snoozes are timers.
 */
import type { Deps } from '../../src/core/deps.js';
import type { Address, OutboxItem, ScheduleContext, SchedulePolicy, Timer } from '../../src/core/schedule/types.js';
import { isPersonReminder, personKey, roundKey, type PersonReminder, type PersonRef, type RoundReminder } from '../../src/core/records/reminder.js';
import { addLocalDays, latestDpiaReview, localDate, nextDpiaReview, pastCatchUp, showDate, showLocal, termInfos, isSummerTerm, type TermInfo } from '../../src/core/reminders/calendar.js';
import { roundIdOf, roundOfTerm } from '../../src/core/reminders/rounds.js';
import { DPIA_REVIEW_TIME, REMIND_KINDS, REMIND_TIMERS } from './ids.js';
import type { ReminderSettings, StaffDirectory, TeamsStaffDirectory } from './settings.js';
import { dpiaPrompt, skippedPrompt, summaryPrompt, termEndPrompt, type ViewContext } from './views.js';
import { dpoTargets, optedOut, personId, staffToRemind, targetId } from './who.js';
import { roundFigures } from './report.js';
import { isOpen, roundBook, spansOf } from './rounds.js';

export const REMINDERS_POLICY = 'reminders';

export interface RemindersOptions {
  /** The settings as they are now (called at every tick). */
  settings(): ReminderSettings;
  /** Slack: the staff channel's members (and, with users:read.email, emails to match Teams accounts). */
  directory?: StaffDirectory;
  /** Teams: the staff team's members. */
  teams?: TeamsStaffDirectory;
}

/** Enqueued in batches, so a round for thousands of people is not one huge write. */
const BATCH = 200;

export const followUpKey = (round: string, n: number, p: { platform: string; id: string }) => `${round}:follow-up-${n}:${p.platform}:${p.id}`;
export const snoozeKey = (round: string, dueAt: string, p: { platform: string; id: string }) => `${round}:snooze-${dueAt}:${p.platform}:${p.id}`;
export const snoozeTimerKey = (round: string, p: { platform: string; id: string }) => `${REMIND_TIMERS.snooze}:${personKey(round, p)}`;

/** The round's term: the summer flag of a round from before it was kept comes from its name and date. */
const summerOf = (r: RoundReminder, zone: string) => r.summer ?? isSummerTerm({ name: r.termName, start: '', end: localDate(new Date(r.dueAt), zone) });

export function remindersPolicy(deps: Deps, o: RemindersOptions): SchedulePolicy {
  const zone = deps.school.timezone;
  const view: ViewContext = { t: (k, v) => deps.strings.t(k, v), guidance: deps.guidance };
  const reminders = deps.store.reminders;
  const book = roundBook(reminders, zone);

  async function enqueueAll(ctx: ScheduleContext, items: OutboxItem[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < items.length; i += BATCH) added += (await ctx.outbox.enqueue(items.slice(i, i + BATCH))).added;
    return added;
  }

  /**
   * Claims reminder `delivery` for the person of record `key`: resolves to their record when it is theirs to
   * send now (`may` holds, and no other reminder of the round went to them today), writing it as their
   * `last` first, so whichever of a follow-up and a snooze claims first is the one that goes. A crash after
   * the claim re-runs the same claim, which finds its own key and goes on to queue it.
   */
  async function claimSend(key: string, delivery: string, now: Date, may: (p: PersonReminder) => boolean, change: (p: PersonReminder) => PersonReminder = (p) => p): Promise<PersonReminder | undefined> {
    const nowIso = now.toISOString();
    const today = localDate(now, zone);
    let mine: PersonReminder | undefined;
    await reminders.update(key, (cur) => {
      mine = undefined;
      if (!isPersonReminder(cur) || !may(cur)) return cur;
      if (cur.last?.key === delivery) return (mine = cur);
      if (cur.last && localDate(new Date(cur.last.at), zone) === today) return cur;
      return (mine = { ...change(cur), last: { key: delivery, at: nowIso }, updatedAt: nowIso });
    });
    return mine;
  }

  const anyOptedOut = (out: Set<string>, p: PersonReminder) => [p.person, ...(p.accounts ?? [])].some((a) => out.has(personId(a)));

  /** Everyone gets the first reminder, one per person; opted-out people (on any of their accounts) are recorded, not sent anything. */
  async function startRound(record: RoundReminder, s: ReminderSettings, ctx: ScheduleContext): Promise<Pick<RoundReminder, 'people' | 'directoryProblems'>> {
    const round = record.round;
    const { staff, problems } = await staffToRemind(deps, s, { slack: o.directory, teams: o.teams });
    const out = await optedOut(deps);
    const now = ctx.now.toISOString();
    const items: OutboxItem[] = [];
    for (const group of staff) {
      let { main, others } = group;
      const all = [main, ...others];
      // A crash-and-retry keeps the account the first attempt chose, so a changed match sends nobody a second one.
      if (others.length) {
        for (const r of all) {
          const before = await reminders.get(personKey(round, r.person));
          if (isPersonReminder(before) && before.status !== 'linked') {
            main = r;
            others = all.filter((x) => x !== r);
            break;
          }
        }
      }
      const off = all.some((r) => out.has(personId(r.person)));
      const key = personKey(round, main.person);
      const state: PersonReminder = {
        kind: 'person',
        round,
        person: main.person,
        status: off ? 'opted-out' : 'sent',
        to: main.to,
        updatedAt: now,
        ...(off ? { notSent: true } : { last: { key, at: now } }),
        ...(others.length ? { accounts: others.map((r) => r.person) } : {}),
      };
      // An answer given before a crash-and-retry of this round is kept. Not fsynced one by one: the round's
      // durable "sent" below flushes them, and a crash before it re-runs the round (status still "starting").
      await reminders.putIf(key, state, 0, { durable: false });
      for (const other of others) {
        const linked: PersonReminder = { kind: 'person', round, person: other.person, status: 'linked', to: other.to, linkedTo: key, updatedAt: now };
        await reminders.putIf(personKey(round, other.person), linked, 0, { durable: false });
      }
      if (off) continue;
      items.push({
        key,
        kind: REMIND_KINDS.termEnd,
        group: round,
        to: main.to,
        prompt: termEndPrompt(view, { round, termName: record.termName, summer: summerOf(record, zone), callPlatform: main.callPlatform ?? others.find((r) => r.callPlatform)?.callPlatform, occasion: 'first' }),
      });
    }
    const added = await enqueueAll(ctx, items);
    const matched = staff.filter((g) => g.others.length > 0).length;
    deps.log.info({ reminders: round, people: staff.length, matched, enqueued: added, optedOut: staff.length - items.length, unreadableLists: problems.length }, 'term-end reminders enqueued');
    return { people: staff.length, ...(problems.length ? { directoryProblems: problems } : {}) };
  }

  /** Those who have not answered (and are not snoozed, and not known unreachable) get follow-up `n`. */
  async function followUp(record: RoundReminder, n: number, ctx: ScheduleContext): Promise<void> {
    const round = record.round;
    const out = await optedOut(deps);
    const states = (await reminders.query({ index: 'round', equals: round })).map((r) => r.value).filter(isPersonReminder);
    const nowIso = ctx.now.toISOString();
    const waiting = (p: PersonReminder) => p.status === 'sent' || (p.status === 'snoozed' && (p.snoozedUntil ?? '') <= nowIso);
    const items: OutboxItem[] = [];
    for (const p of states) {
      const key = followUpKey(round, n, p.person);
      if (p.status === 'linked' || (!waiting(p) && p.last?.key !== key) || anyOptedOut(out, p)) continue;
      const first = await ctx.outbox.get(personKey(round, p.person));
      if (first?.status === 'unreachable') continue;
      // Marked unreachable by any later send (they blocked the bot after the first DM): not tried again.
      const user = await deps.store.users.get(personId(p.person));
      if (user?.unreachable) continue;
      // A snooze that has fallen due is served by this follow-up: one message, not two.
      const mine = await claimSend(personKey(round, p.person), key, ctx.now, (cur) => waiting(cur) || cur.last?.key === key, (cur) => (cur.status === 'snoozed' ? { ...cur, status: 'sent', snoozedUntil: undefined } : cur));
      if (!mine) continue;
      if (p.status === 'snoozed') await ctx.timers.cancel(snoozeTimerKey(round, p.person));
      items.push({
        key,
        kind: REMIND_KINDS.termEnd,
        group: round,
        to: p.to,
        prompt: termEndPrompt(view, { round, termName: record.termName, summer: summerOf(record, zone), callPlatform: user?.prefs?.callPlatform, occasion: 'follow-up' }),
      });
    }
    const added = await enqueueAll(ctx, items);
    deps.log.info({ reminders: round, followUp: n, enqueued: added }, 'term-end follow-ups enqueued');
  }

  /**
   * The DPO's summary of a round, or the notice that it was skipped, to every DPO destination there is now
   * that has not had it. `again`: a later tick (a destination set or changed since it first went, or none
   * then), which says nothing when every destination has it.
   */
  async function toDpo(record: RoundReminder, s: ReminderSettings, ctx: ScheduleContext, what: 'summary' | 'skipped', again = false): Promise<void> {
    const round = record.round;
    const keyOf = (to: Address) => `${round}:${what}:${targetId(to)}`;
    const targets: Address[] = [];
    for (const to of await dpoTargets(deps, s)) if (!(await ctx.outbox.get(keyOf(to)))) targets.push(to);
    if (again && !targets.length) return;
    let p;
    if (what === 'summary') {
      const figures = await roundFigures(deps.store, round, zone);
      if (!figures) return;
      p = summaryPrompt(view, figures);
      deps.log.info({ reminders: round, targets: targets.length, notAnswered: figures.notAnswered.length, unreachable: figures.unreachable.length }, 'term-end summary enqueued');
    } else {
      p = skippedPrompt(view, { termName: record.termName, dueAt: showLocal(new Date(record.dueAt), zone, deps.strings.locale), catchUpDays: s.reminders.catchUpDays });
      deps.log.warn({ reminders: round, dueAt: record.dueAt, targets: targets.length }, 'term-end reminder missed by more than the catch-up days: not sent; the DPO is told');
    }
    const kind = what === 'summary' ? REMIND_KINDS.summary : REMIND_KINDS.skipped;
    await ctx.outbox.enqueue(targets.map((to) => ({ key: keyOf(to), kind, group: `${round}:summary`, to, prompt: p })));
    if (!targets.length) deps.log.warn({ reminders: round, what }, 'no DPO is set in the settings: the DPO message goes once one is, within the catch-up days (npx safecall reminders report shows it now)');
  }

  /**
   * A round already summarised (or told skipped) while no DPO destination was set, or before the current one
   * was: the destination set since gets the message, within the catch-up days of when it went first.
   */
  async function toDpoSince(round: string, s: ReminderSettings, ctx: ScheduleContext): Promise<void> {
    const record = await book.get(round);
    if (!record) return;
    const { catchUpDays, followUpDays, maxFollowUps } = s.reminders;
    if (record.status === 'summarised') {
      const summaryAt = addLocalDays(new Date(record.dueAt), (maxFollowUps + 1) * followUpDays, zone);
      if (!pastCatchUp(summaryAt, ctx.now, catchUpDays, zone)) await toDpo(record, s, ctx, 'summary', true);
    } else if (record.status === 'skipped' && record.skipped?.noticed && !pastCatchUp(new Date(record.updatedAt), ctx.now, catchUpDays, zone)) {
      await toDpo(record, s, ctx, 'skipped', true);
    }
  }

  const setRound = async (round: string, change: (r: RoundReminder) => RoundReminder, now: Date): Promise<RoundReminder | undefined> => {
    const next = (await reminders.update(roundKey(round), (cur) => (cur?.kind === 'round' ? change(cur as RoundReminder) : cur))) as RoundReminder | undefined;
    if (next) await book.note(next, now);
    return next;
  };

  /** The term ended and has no round yet: its round begins (or, far too late, is recorded as skipped). */
  async function createRound(term: TermInfo, since: string, s: ReminderSettings, ctx: ScheduleContext): Promise<void> {
    const round = roundIdOf(term);
    const nowIso = ctx.now.toISOString();
    const late = pastCatchUp(term.remindAt, ctx.now, s.reminders.catchUpDays, zone);
    const fresh: RoundReminder = {
      kind: 'round',
      round,
      status: late ? 'skipped' : 'starting',
      termName: term.name,
      termStart: term.start,
      termEnd: term.end,
      summer: term.summer,
      dueAt: term.remindAt.toISOString(),
      startedAt: nowIso,
      updatedAt: nowIso,
      people: 0,
      followUps: 0,
      // A term that ended before SafeCall first ran is nobody's missed reminder.
      ...(late ? { skipped: { reason: term.remindAt.toISOString() < since ? ('before-start' as const) : ('late' as const) } } : {}),
    };
    await reminders.putIf(roundKey(round), fresh, 0);
    const record = await book.get(round);
    if (record) await book.note(record, ctx.now);
  }

  /** A renamed term keeps its round; the round takes the new name for what it sends next. */
  async function rename(round: string, name: string, now: Date): Promise<void> {
    await setRound(
      round,
      (r) => (r.termName === name ? r : { ...r, termName: name, formerNames: [...new Set([...(r.formerNames ?? []), r.termName])].filter((n) => n !== name), updatedAt: now.toISOString() }),
      now,
    );
    deps.log.info({ reminders: round }, 'a term with a round was renamed in the settings: the round carries on under the new name');
  }

  async function carryOn(round: string, s: ReminderSettings, ctx: ScheduleContext): Promise<void> {
    const { catchUpDays, followUpDays, maxFollowUps } = s.reminders;
    const now = ctx.now;
    const nowIso = now.toISOString();
    let record = await book.get(round);
    if (!record) return;
    if (record.status === 'skipped' && isOpen(record)) {
      await toDpo(record, s, ctx, 'skipped');
      await setRound(round, (r) => ({ ...r, skipped: { reason: r.skipped?.reason ?? 'late', noticed: true }, updatedAt: nowIso }), now);
      return;
    }
    if (!isOpen(record)) return void (await book.note(record, now));
    if (record.status === 'starting') {
      const started = await startRound(record, s, ctx);
      record = (await setRound(round, (r) => ({ ...r, status: 'sent', ...started, updatedAt: nowIso }), now)) ?? record;
    }
    const remindAt = new Date(record.dueAt);
    const dueNow: number[] = [];
    for (let n = record.followUps + 1; n <= maxFollowUps && addLocalDays(remindAt, n * followUpDays, zone) <= now; n++) dueNow.push(n);
    if (dueNow.length) {
      // Follow-ups that piled up while the bot was down: only the latest goes (one message, not several).
      const latest = dueNow[dueNow.length - 1]!;
      const missed = dueNow.slice(0, -1);
      if (pastCatchUp(addLocalDays(remindAt, latest * followUpDays, zone), now, catchUpDays, zone)) missed.push(latest);
      else await followUp(record, latest, ctx);
      if (missed.length) deps.log.info({ reminders: round, followUps: missed }, 'follow-ups missed while the bot was not running: not sent');
      record =
        (await setRound(round, (r) => ({ ...r, followUps: Math.max(r.followUps, latest), ...(missed.length ? { missedFollowUps: [...new Set([...(r.missedFollowUps ?? []), ...missed])] } : {}), updatedAt: nowIso }), now)) ??
        record;
    }
    if (record.followUps < maxFollowUps || now < addLocalDays(remindAt, (maxFollowUps + 1) * followUpDays, zone)) return;
    await toDpo(record, s, ctx, 'summary');
    await setRound(round, (r) => ({ ...r, status: 'summarised', updatedAt: nowIso }), now);
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

  /** "Remind me in 2 days" fell due: the reminder again, unless they answered, opted out, or were reminded today. */
  async function onSnooze(timer: Timer, ctx: ScheduleContext): Promise<void> {
    const round = String(timer.payload.round ?? '');
    const person: PersonRef = { platform: String(timer.payload.platform ?? '') as PersonRef['platform'], id: String(timer.payload.id ?? '') };
    const pkey = personKey(round, person);
    const key = snoozeKey(round, timer.dueAt, person);
    const state = await reminders.get(pkey);
    if (!isPersonReminder(state) || (state.status !== 'snoozed' && state.last?.key !== key)) return;
    if (anyOptedOut(await optedOut(deps), state)) return;
    const served = (p: PersonReminder): PersonReminder => ({ ...p, status: 'sent', snoozedUntil: undefined });
    const mine = await claimSend(pkey, key, ctx.now, (cur) => cur.status === 'snoozed' || cur.last?.key === key, served);
    if (!mine) {
      // A follow-up went to them today: that was the reminder; back to "not answered".
      await reminders.update(pkey, (cur) => (isPersonReminder(cur) && cur.status === 'snoozed' ? { ...served(cur), updatedAt: ctx.now.toISOString() } : cur));
      return;
    }
    const record = await book.get(round);
    const callPlatform = (await deps.store.users.get(personId(person)))?.prefs?.callPlatform;
    await ctx.outbox.enqueue([
      {
        key,
        kind: REMIND_KINDS.termEnd,
        group: round,
        to: state.to,
        prompt: termEndPrompt(view, { round, termName: record?.termName ?? round, summer: record ? summerOf(record, zone) : false, callPlatform, occasion: 'snoozed' }),
      },
    ]);
  }

  return {
    name: REMINDERS_POLICY,
    async due(ctx) {
      const s = o.settings();
      const index = await book.load(ctx.now);
      const spans = spansOf(index);
      for (const term of termInfos(s.terms, s.reminders.termEndTime, zone)) {
        if (ctx.now < term.remindAt) continue;
        const found = roundOfTerm(term, spans);
        if (found) {
          if (index.rounds[found.round]?.termName !== term.name) await rename(found.round, term.name, ctx.now);
          continue;
        }
        await createRound(term, index.since, s, ctx);
        spans.push({ round: roundIdOf(term), start: term.start, end: term.end });
      }
      // Every round with work left, whether or not its term is still in the settings.
      const open = Object.entries((await book.load(ctx.now)).rounds).filter(([, e]) => !e.closed);
      for (const [round] of open) await carryOn(round, s, ctx);
      // Rounds whose DPO message went lately: a DPO destination set since gets it too.
      const recent = localDate(addLocalDays(ctx.now, -((s.reminders.maxFollowUps + 1) * s.reminders.followUpDays + 2 * s.reminders.catchUpDays + 14), zone), zone);
      const closed = Object.entries((await book.load(ctx.now)).rounds).filter(([, e]) => e.closed && (e.status === 'summarised' || e.status === 'skipped') && e.end >= recent);
      for (const [round] of closed) await toDpoSince(round, s, ctx);
      await dpiaReview(s, ctx);
    },
    timerKinds: [REMIND_TIMERS.snooze],
    async onTimer(timer, ctx) {
      if (timer.kind === REMIND_TIMERS.snooze) await onSnooze(timer, ctx);
    },
  };
}
