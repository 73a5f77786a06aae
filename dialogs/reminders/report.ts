/**
 * A term-end round's figures: who was reminded, who answered how, who could not be reached, and how many
 * deliveries are uncertain (left "sending" by a crash on Teams). The DPO's summary and
 * `npx safecall reminders report` show the same figures. Reads only.
 */
import type { Store } from '../../src/core/ports.js';
import { isPersonReminder, isRoundReminder, roundKey, type PersonReminder } from '../../src/core/records/reminder.js';
import { showLocal } from '../../src/core/reminders/calendar.js';
import type { RoundFigures } from './views.js';

const nameOf = (p: PersonReminder['person']) => p.name ?? `${p.platform} ${p.id}`;

export async function roundFigures(store: Pick<Store, 'reminders' | 'deliveries'>, round: string, zone: string): Promise<RoundFigures | undefined> {
  const record = await store.reminders.get(roundKey(round));
  if (!isRoundReminder(record)) return undefined;
  const people = (await store.reminders.query({ index: 'round', equals: round })).map((r) => r.value).filter(isPersonReminder);
  const deliveries = new Map((await store.deliveries.query({ index: 'group', equals: round })).map((d) => [d.key, d.value]));
  const unreachable: string[] = [];
  const notAnswered: string[] = [];
  let confirmed = 0;
  let noRecordings = 0;
  let optedOut = 0;
  // Anyone whose DM in this round (the first, a follow-up, a snoozed one) could not be delivered.
  const refused = new Set(
    [...deliveries.values()].filter((d) => (d.status === 'unreachable' || d.status === 'failed') && d.to.userId).map((d) => `${d.to.platform}:${d.to.userId}`),
  );
  for (const p of people) {
    if (p.status === 'done') confirmed += 1;
    else if (p.status === 'no-recordings') noRecordings += 1;
    else if (p.status === 'opted-out') optedOut += 1;
    else if (refused.has(`${p.person.platform}:${p.person.id}`)) unreachable.push(nameOf(p.person));
    else notAnswered.push(nameOf(p.person));
  }
  const uncertain = [...deliveries.values()].filter((d) => d.status === 'uncertain').length;
  const sort = (xs: string[]) => xs.sort((a, b) => a.localeCompare(b));
  return {
    termName: record.termName,
    remindedAt: showLocal(new Date(record.dueAt), zone),
    followUps: record.followUps,
    reminded: people.filter((p) => !p.notSent).length,
    confirmed,
    noRecordings,
    optedOut,
    notAnswered: sort(notAnswered),
    unreachable: sort(unreachable),
    uncertain,
  };
}
