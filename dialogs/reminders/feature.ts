/**
 * The reminders' buttons and commands: Done · Remind me in 2 days · I don't record lessons · Stop these
 * reminders (and Start them again), the platform steps, and the `terms` and `stop reminders` commands.
 * Answers are written to store.reminders, where the policy's follow-ups and the DPO summary read them.
 */
import type { Reply, Turn } from '../../src/core/conversation.js';
import { isOfficer, type Deps, type Feature } from '../../src/core/deps.js';
import { prompt, type Block } from '../../src/core/prompt.js';
import { CALL_PLATFORMS, type CallPlatform } from '../../src/core/guidance/schema.js';
import { upsertUser } from '../../src/core/people.js';
import {
  OPT_OUT_ROUND,
  isPersonReminder,
  isRoundReminder,
  optOutKey,
  personKey,
  roundKey,
  type OptOut,
  type PersonReminder,
  type PersonStatus,
} from '../../src/core/records/reminder.js';
import { addLocalDays, showDate, showLocal, termInfos, weekendDay } from '../../src/core/reminders/calendar.js';
import { REMIND_ACTIONS as A, REMIND_PREFIX, REMIND_TIMERS, ROUND_VALUE, SNOOZE_DAYS } from './ids.js';
import type { ReminderSettings } from './settings.js';
import { answeredPrompt, stepsBlocks, type ViewContext } from './views.js';
import { snoozeTimerKey } from './policy.js';
import { personId } from './who.js';

const isPlatform = (v: string | undefined): v is CallPlatform => (CALL_PLATFORMS as readonly string[]).includes(v ?? '');

/** Answers a snooze does not undo, and how they are shown again. */
const FINAL = { done: 'done', 'no-recordings': 'none', 'opted-out': 'stop' } as const;

export function remindersFeature(deps: Deps, o: { settings(): ReminderSettings }): Feature {
  const view: ViewContext = { t: (k, v) => deps.strings.t(k, v), guidance: deps.guidance };
  const zone = deps.school.timezone;
  const reminders = deps.store.reminders;
  const personOf = (turn: Turn) => ({ platform: turn.who.platform, id: turn.who.id, ...(turn.who.name ? { name: turn.who.name } : {}) });

  /**
   * The record holding this person's reminder in `round`: their own, or, for an account matched to
   * another (Slack and Teams), that one's. Undefined when the round did not remind them.
   */
  async function recordOf(round: string, who: { platform: string; id: string }): Promise<{ key: string; record: PersonReminder } | undefined> {
    const own = await reminders.get(personKey(round, who));
    if (!isPersonReminder(own)) return undefined;
    if (own.status !== 'linked' || !own.linkedTo) return { key: personKey(round, who), record: own };
    const main = await reminders.get(own.linkedTo);
    return isPersonReminder(main) ? { key: own.linkedTo, record: main } : undefined;
  }

  /** Records an answer in the round; undefined when there is no such round or it did not remind them. */
  async function answer(turn: Turn, round: string, status: PersonStatus, extra: Partial<PersonReminder> = {}): Promise<PersonReminder | undefined> {
    // A round that was skipped (missed by more than the catch-up days) sent nothing: there is nothing to answer.
    const record = await reminders.get(roundKey(round));
    if (!isRoundReminder(record) || record.status === 'skipped') return undefined;
    const now = deps.clock.now().toISOString();
    // Only someone the round reminded has an answer to give: a forged button from anyone else writes nothing
    // (it would count them as reminded and confirmed in the DPO's summary).
    const target = await recordOf(round, turn.who);
    if (!target) return undefined;
    let found: PersonReminder | undefined;
    await reminders.update(target.key, (cur) => {
      found = undefined;
      if (!isPersonReminder(cur)) return cur;
      const next: PersonReminder = { ...cur, status, answeredAt: now, updatedAt: now, ...extra };
      if (status !== 'snoozed') delete next.snoozedUntil;
      return (found = next);
    });
    return found;
  }

  async function optOut(turn: Turn): Promise<boolean> {
    const person = personOf(turn);
    const now = deps.clock.now().toISOString();
    let added = false;
    await reminders.update(optOutKey(person), (cur) => {
      if (cur) return cur;
      added = true;
      const record: OptOut = { kind: 'opt-out', round: OPT_OUT_ROUND, person, status: 'opted-out', updatedAt: now };
      return record;
    });
    return added;
  }

  /** "Start them again" on one account starts them on every account of the person that rounds have matched. */
  async function optIn(who: { platform: string; id: string }): Promise<void> {
    const accounts = new Map([[personId(who), who]]);
    for (const { value } of await reminders.query({ index: 'person', equals: personId(who) })) {
      if (!isPersonReminder(value)) continue;
      const main = value.linkedTo ? await reminders.get(value.linkedTo) : value;
      if (!isPersonReminder(main)) continue;
      for (const a of [main.person, ...(main.accounts ?? [])]) accounts.set(personId(a), a);
    }
    for (const a of accounts.values()) await reminders.delete(optOutKey(a));
  }

  async function onButton(turn: Turn, action: string, value: string): Promise<Reply[]> {
    const who = { platform: turn.who.platform, id: turn.who.id };
    if (action === A.steps) {
      const [platform, round = ''] = value.split('|');
      if (!isPlatform(platform)) return [{ mode: 'private', prompt: answeredPrompt(view, 'unknown', round) }];
      // Remembered, so the next reminder shows this platform's steps straight away.
      await upsertUser(deps.store, turn.who, deps.clock.now(), { change: (u) => ({ ...u, prefs: { ...u.prefs, callPlatform: platform } }) });
      return [{ mode: 'private', prompt: prompt(stepsBlocks(view, platform)) }];
    }
    // A forged or garbled value is not echoed into logs or into the buttons of the answer.
    const round = ROUND_VALUE.test(value) ? value : '';
    switch (action) {
      case A.done:
      case A.none: {
        const answered = await answer(turn, round, action === A.done ? 'done' : 'no-recordings');
        if (answered) await deps.timers.cancel(snoozeTimerKey(round, answered.person));
        deps.log.info({ reminders: round, answer: action, platform: who.platform, ok: !!answered }, 'reminder answered');
        return [{ mode: 'update', prompt: answeredPrompt(view, answered ? (action === A.done ? 'done' : 'none') : 'unknown', round) }];
      }
      case A.snooze: {
        // "Remind me in 2 days" from an older message does not reopen an answer already given.
        const current = await recordOf(round, who);
        const given = current ? FINAL[current.record.status as keyof typeof FINAL] : undefined;
        if (given) return [{ mode: 'update', prompt: answeredPrompt(view, given, round) }];
        // Nor does it bring back a round that is over (its summary has gone to the DPO).
        const roundRecord = await reminders.get(roundKey(round));
        if (current && isRoundReminder(roundRecord) && roundRecord.status === 'summarised') return [{ mode: 'update', prompt: answeredPrompt(view, 'closed', round) }];
        const until = addLocalDays(deps.clock.now(), SNOOZE_DAYS, zone);
        const answered = await answer(turn, round, 'snoozed', { snoozedUntil: until.toISOString() });
        if (!answered) return [{ mode: 'update', prompt: answeredPrompt(view, 'unknown', round) }];
        const person = answered.person;
        await deps.timers.set({ key: snoozeTimerKey(round, person), kind: REMIND_TIMERS.snooze, dueAt: until, payload: { round, platform: person.platform, id: person.id } });
        deps.log.info({ reminders: round, answer: 'snooze', platform: who.platform }, 'reminder snoozed');
        return [{ mode: 'update', prompt: answeredPrompt(view, 'snooze', round, { when: showLocal(until, zone, deps.strings.locale) }) }];
      }
      case A.stop: {
        await optOut(turn);
        const answered = (await reminders.get(roundKey(round))) ? await answer(turn, round, 'opted-out') : undefined;
        await deps.timers.cancel(snoozeTimerKey(round, answered?.person ?? who));
        deps.log.info({ reminders: 'opt-out', platform: who.platform }, 'reminders stopped');
        return [{ mode: 'update', prompt: answeredPrompt(view, 'stop', round) }];
      }
      case A.resume: {
        await optIn(who);
        const target = await recordOf(round, who);
        if (target) await reminders.update(target.key, (cur) => (isPersonReminder(cur) && cur.status === 'opted-out' ? { ...cur, status: 'sent', updatedAt: deps.clock.now().toISOString() } : cur));
        deps.log.info({ reminders: 'opt-in', platform: who.platform }, 'reminders started again');
        return [{ mode: 'update', prompt: answeredPrompt(view, 'resume', round) }];
      }
    }
    deps.log.warn({ reminders: 'unknown-action', action }, 'unknown reminders action');
    return [{ mode: 'private', prompt: answeredPrompt(view, 'unknown', round) }];
  }

  function termsList(turn: Turn): Reply[] {
    if (!isOfficer(deps.roles, turn.who)) return [{ mode: 'private', prompt: prompt([{ kind: 'text', text: deps.strings.t('reminders.terms.adminsOnly') }]) }];
    const s = o.settings();
    const terms = termInfos(s.terms, s.reminders.termEndTime, zone);
    const t = view.t;
    if (!terms.length) return [{ mode: 'private', prompt: prompt([{ kind: 'text', text: t('reminders.terms.none') }]) }];
    const blocks: Block[] = [
      { kind: 'heading', text: t('reminders.terms.heading') },
      {
        kind: 'steps',
        ordered: false,
        items: terms.map(
          (x) =>
            `${t('reminders.terms.line', { name: x.name, start: showDate(x.start, zone), end: showDate(x.end, zone), remindAt: showLocal(x.remindAt, zone) })}${x.summer ? ` ${t('reminders.terms.summer')}` : ''}${weekendDay(x.end, zone) ? ` ${t('reminders.terms.weekend', { day: weekendDay(x.end, zone)! })}` : ''}`,
        ),
      },
      { kind: 'note', text: t('reminders.terms.note') },
    ];
    return [{ mode: 'private', prompt: prompt(blocks) }];
  }

  return {
    prefix: REMIND_PREFIX,
    commands: ['terms', 'stopReminders'],
    async onCommand(turn, name) {
      if (name === 'terms') return termsList(turn);
      const added = await optOut(turn);
      deps.log.info({ reminders: 'opt-out', platform: turn.who.platform, via: 'command', added }, 'reminders stopped');
      return [{ mode: 'post', prompt: prompt([{ kind: 'text', text: deps.strings.t(added ? 'reminders.stop.done' : 'reminders.stop.already') }]) }];
    },
    onAction: (turn, action, value) => onButton(turn, action, value),
  };
}

