/**
 * A term-end round's figures: who was reminded, who answered how, who could not be reached and why, how
 * many deliveries are uncertain (left "sending" by a crash on Teams), which follow-ups were missed and which
 * staff lists could not be read. The DPO's summary and `npx safecall reminders report` show the same
 * figures. Reads only.
 */
import type { Store } from '../../src/core/ports.js';
import { isPersonReminder, isRoundReminder, roundKey, type DirectoryProblem, type PersonReminder, type SkipReason } from '../../src/core/records/reminder.js';
import { showLocal } from '../../src/core/reminders/calendar.js';

/** Why a person could not be reached, in words the DPO can act on (reminders.yaml `summary.why.*`). */
export type ReachReason = 'not-installed' | 'left' | 'blocked' | 'bot' | 'failed';

/**
 * A delivery's error code (Slack's `error`, Teams' status and code, or the messenger's own) as a reason.
 * Teams answers 403 when the bot may not write to the person (blocked, or the app not installed for them
 * and not in a team with them) and 404 when the conversation or the user is gone.
 */
export function reachReason(error: string | undefined): ReachReason {
  const e = error ?? '';
  if (/^(no-conversation|no-reference)$|^no-install-/.test(e)) return 'not-installed';
  if (/^(user_disabled|account_inactive|user_not_found)$|^404(_|$)|^http_404$/.test(e)) return 'left';
  if (e === 'cannot_dm_bot') return 'bot';
  if (/^(messages_tab_disabled)$|^403(_|$)|^http_403$/.test(e)) return 'blocked';
  return 'failed';
}

export interface RoundFigures {
  termName: string;
  remindedAt: string;
  followUps: number;
  reminded: number;
  confirmed: number;
  noRecordings: number;
  optedOut: number;
  notAnswered: string[];
  unreachable: string[];
  /** The same people as `unreachable`, by why (only the reasons that occur, in a fixed order). */
  unreachableBy: { reason: ReachReason; names: string[] }[];
  uncertain: number;
  /** Follow-ups not sent (the bot was not running when they fell due). */
  missedFollowUps: number[];
  /** Staff lists the round could not read: some staff may not have been reminded. */
  lists: DirectoryProblem[];
  /** People reminded once for two accounts (Slack and Teams). */
  matched: number;
  /** Set when the round was not sent at all. */
  skipped?: SkipReason;
}

const nameOf = (p: PersonReminder['person']) => p.name ?? `${p.platform} ${p.id}`;
const REASONS: ReachReason[] = ['not-installed', 'blocked', 'left', 'bot', 'failed'];

export async function roundFigures(store: Pick<Store, 'reminders' | 'deliveries'>, round: string, zone: string): Promise<RoundFigures | undefined> {
  const record = await store.reminders.get(roundKey(round));
  if (!isRoundReminder(record)) return undefined;
  const people = (await store.reminders.query({ index: 'round', equals: round })).map((r) => r.value).filter(isPersonReminder).filter((p) => p.status !== 'linked');
  const deliveries = (await store.deliveries.query({ index: 'group', equals: round })).map((d) => d.value);
  // Anyone whose DM in this round (the first, a follow-up, a snoozed one) could not be delivered, with the last error.
  const refused = new Map<string, string | undefined>();
  for (const d of deliveries) if ((d.status === 'unreachable' || d.status === 'failed') && d.to.userId) refused.set(`${d.to.platform}:${d.to.userId}`, d.error);
  const by = new Map<ReachReason, string[]>();
  const notAnswered: string[] = [];
  let confirmed = 0;
  let noRecordings = 0;
  let optedOut = 0;
  for (const p of people) {
    const key = `${p.person.platform}:${p.person.id}`;
    if (p.status === 'done') confirmed += 1;
    else if (p.status === 'no-recordings') noRecordings += 1;
    else if (p.status === 'opted-out') optedOut += 1;
    else if (refused.has(key)) {
      const reason = reachReason(refused.get(key));
      by.set(reason, [...(by.get(reason) ?? []), nameOf(p.person)]);
    } else notAnswered.push(nameOf(p.person));
  }
  const uncertain = deliveries.filter((d) => d.status === 'uncertain').length;
  const sort = (xs: string[]) => xs.sort((a, b) => a.localeCompare(b));
  const unreachableBy = REASONS.filter((r) => by.has(r)).map((reason) => ({ reason, names: sort(by.get(reason)!) }));
  return {
    termName: record.termName,
    remindedAt: showLocal(new Date(record.dueAt), zone),
    followUps: record.followUps - (record.missedFollowUps?.length ?? 0),
    reminded: people.filter((p) => !p.notSent).length,
    confirmed,
    noRecordings,
    optedOut,
    notAnswered: sort(notAnswered),
    unreachable: sort(unreachableBy.flatMap((u) => u.names)),
    unreachableBy,
    uncertain,
    missedFollowUps: record.missedFollowUps ?? [],
    lists: record.directoryProblems ?? [],
    matched: people.filter((p) => p.accounts?.length).length,
    ...(record.status === 'skipped' ? { skipped: record.skipped?.reason ?? 'late' } : {}),
  };
}
