/**
 * Whatever the ticks (irregular, repeated, with the bot down for days) and the answers, a term-end round
 * sends each person at most one first reminder and at most one of each follow-up, never a follow-up to
 * someone who answered before it fell due, and the DPO exactly one summary once the follow-ups are done.
 */
import fc from 'fast-check';
import { school } from './reminders.harness.js';
import { catchUpUntil } from '../../src/core/reminders/calendar.js';

const TERM = { name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' };
const END = Date.parse('2026-12-18T15:00:00Z');
const HOUR = 3_600_000;
const PEOPLE = ['U1', 'U2', 'U3', 'U4'];
/** The last hour after the term's end a first reminder may still go: the end of the school's day 7 days on (catchUpDays 7). */
const CATCH_UP_HOURS = (catchUpUntil(new Date(END), 7, 'Europe/London').getTime() - END) / HOUR;

test('each person gets each message at most once; answers stop follow-ups; one summary', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: -24, max: 24 * 16 }), { minLength: 1, maxLength: 25 }),
      fc.array(fc.record({ who: fc.constantFrom(...PEOPLE), at: fc.integer({ min: 0, max: 24 * 12 }), answer: fc.constantFrom('remind.done', 'remind.none', 'remind.stop', 'remind.snooze') }), { maxLength: 6 }),
      async (tickHours, answers) => {
        const s = school({ now: new Date(END - 48 * HOUR).toISOString(), settings: { terms: [TERM], reminders: { followUpDays: 3, maxFollowUps: 2, catchUpDays: 7 }, slack: { dpo: ['U-DPO'] } } });
        for (const id of PEOPLE) await s.meet({ platform: 'slack', id, name: id });
        const events = [...tickHours.map((h) => ({ at: h, kind: 'tick' as const })), ...answers.map((a) => ({ at: a.at, kind: 'answer' as const, a }))].sort((x, y) => x.at - y.at);
        const answeredAt = new Map<string, number>();
        for (const e of events) {
          s.clock.set(new Date(END + e.at * HOUR).toISOString());
          if (e.kind === 'tick') await s.tick();
          else if (await s.store.reminders.get('round:term-end:2026-12-18')) {
            await s.press({ platform: 'slack', id: e.a.who }, e.a.answer, 'term-end:2026-12-18');
            // Done, none and stop are final for the round (a later snooze does not reopen them).
            if (e.a.answer !== 'remind.snooze' && !answeredAt.has(e.a.who)) answeredAt.set(e.a.who, e.at);
          }
        }
        const ds = await s.deliveries();
        const keys = ds.map((d) => d.key);
        expect(new Set(keys).size).toBe(keys.length);
        for (const id of PEOPLE) {
          const first = ds.filter((d) => d.key === `term-end:2026-12-18:slack:${id}`);
          expect(first.length).toBeLessThanOrEqual(1);
          const follows = ds.filter((d) => /:follow-up-\d+:/.test(d.key) && d.key.endsWith(`:slack:${id}`));
          expect(follows.length).toBeLessThanOrEqual(2);
          const answered = answeredAt.get(id);
          if (answered !== undefined) for (const f of follows) expect(Date.parse(f.createdAt)).toBeLessThanOrEqual(END + answered * HOUR);
        }
        const summaries = ds.filter((d) => d.kind === 'reminder.summary');
        expect(summaries.length).toBeLessThanOrEqual(1);
        const round = await s.store.reminders.get('round:term-end:2026-12-18');
        const lastTick = Math.max(...tickHours);
        // Started in time, and ticked after the summary's day: it went, once.
        if (round?.status !== 'skipped' && lastTick >= 24 * 9 && tickHours.some((h) => h >= 0 && h <= CATCH_UP_HOURS)) expect(summaries).toHaveLength(1);
        if (tickHours.every((h) => h < 0 || h > CATCH_UP_HOURS)) expect(ds.filter((d) => d.kind === 'reminder.term-end')).toEqual([]);
      },
    ),
    { numRuns: 50 },
  );
}, 60_000);

test('whatever happens to the term in the settings between ticks (renamed, re-imported a day out, dropped, back), each person gets one first reminder, at most one reminder a day, and the DPO one summary', async () => {
  const variants = [
    [TERM],
    [{ ...TERM, name: 'Autumn Term 2026', start: '2026-09-03' }],
    [{ ...TERM, name: 'Autumn term', end: '2026-12-19' }],
    [{ ...TERM, name: 'Christmas term' }],
    [],
    [{ name: 'Autumn 2027', start: '2027-09-01', end: '2027-12-17' }],
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ at: fc.integer({ min: -24, max: 24 * 16 }), settings: fc.option(fc.integer({ min: 0, max: variants.length - 1 }), { nil: undefined }) }), { minLength: 1, maxLength: 30 }),
      fc.array(fc.record({ who: fc.constantFrom(...PEOPLE), at: fc.integer({ min: 0, max: 24 * 12 }) }), { maxLength: 4 }),
      async (steps, snoozes) => {
        const settings = (terms: unknown[]) => ({ terms, reminders: { followUpDays: 3, maxFollowUps: 2, catchUpDays: 7 }, slack: { dpo: ['U-DPO'] } });
        const s = school({ now: new Date(END - 48 * HOUR).toISOString(), settings: settings([TERM]) });
        for (const id of PEOPLE) await s.meet({ platform: 'slack', id, name: id });
        const events = [...steps.map((x) => ({ ...x, kind: 'step' as const })), ...snoozes.map((x) => ({ ...x, kind: 'snooze' as const }))].sort((x, y) => x.at - y.at);
        for (const e of events) {
          s.clock.set(new Date(END + e.at * HOUR).toISOString());
          if (e.kind === 'snooze') {
            const [round] = (await s.store.reminders.query({ index: 'round', from: 'term-end:', before: 'term-end;' })).map((r) => r.value.round);
            if (round) await s.press({ platform: 'slack', id: e.who }, 'remind.snooze', round);
            continue;
          }
          if (e.settings !== undefined) s.setSettings(settings(variants[e.settings]!));
          await s.tick();
        }
        const ds = await s.deliveries();
        for (const id of PEOPLE) {
          const mine = ds.filter((d) => d.kind === 'reminder.term-end' && d.to.userId === id);
          expect(mine.filter((d) => !/:follow-up-|:snooze-/.test(d.key)).length).toBeLessThanOrEqual(1);
          const days = mine.map((d) => d.createdAt.slice(0, 10));
          expect(new Set(days).size).toBe(days.length);
        }
        expect(ds.filter((d) => d.kind === 'reminder.summary').length).toBeLessThanOrEqual(1);
      },
    ),
    { numRuns: 40 },
  );
}, 60_000);
