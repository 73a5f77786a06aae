/**
 * The stored incident report (store.reports), owned by the incidents feature (dialogs/incidents/) and read
 * by the breach-log export (src/core/records/report-export.ts, the CLI). Core's indexes read `reportedAt`,
 * `reporter` and `closedAt`.
 *
 * The report as made is never edited: everything that happens later is a timeline entry appended with who
 * and when. What may identify a person (the reporter's name, the narrative, what was done, evidence, who
 * was told, and the free text of every timeline entry) is kept in `sealed` fields, encrypted when a data
 * key is set (src/core/sealer.ts). Categories, times, counts and decisions stay readable: they are what the
 * DPO sorts and counts by, and they say nothing about anyone.
 */
import type { MaybeSealed, Sealer } from '../sealer.js';

export const CATEGORIES = ['uninvited', 'inappropriate', 'personal-data', 'link-shared', 'account', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CALL_PLATFORMS = ['zoom', 'teams', 'meet', 'other'] as const;
export type ReportPlatform = (typeof CALL_PLATFORMS)[number];
export const SUBJECTS = ['students', 'staff', 'parents', 'none'] as const;
export type Subject = (typeof SUBJECTS)[number];
/** "Roughly how many people": bands, so nobody has to count on a phone. */
export const HOW_MANY = ['1', '2-10', '11-50', '51-200', '200+', 'unknown'] as const;
export type HowMany = (typeof HOW_MANY)[number];
export const YES_NO_UNSURE = ['yes', 'no', 'unsure'] as const;
export type YesNoUnsure = (typeof YES_NO_UNSURE)[number];
export const RISKS = ['none', 'risk', 'high'] as const;
export type Risk = (typeof RISKS)[number];
export const DECISIONS = ['reported', 'not-reported'] as const;
export type Decision = (typeof DECISIONS)[number];

/** The ICO's clock: 72 hours from when the school became aware (UK GDPR Art. 33(1)). */
export const ICO_HOURS = 72;
/** Reminders to the DPO while no decision is recorded. */
export const REMINDER_HOURS = [24, 48, 68] as const;

/** The personal part of the report as made; stored sealed. */
export interface ReportFacts {
  reporterName?: string;
  meeting?: string;
  narrative: string;
  actionsTaken?: string;
  evidence?: string;
  othersTold?: string;
}

export type Actor = { platform: 'slack' | 'teams'; id: string };

export type TimelineKind = 'acknowledged' | 'risk' | 'note' | 'decision' | 'told' | 'fact' | 'overdue' | 'closed';

export interface TimelineEntry {
  /** Unique within the report: a form's nonce, or the kind for once-only entries (acknowledged, closed, overdue). */
  id: string;
  kind: TimelineKind;
  at: string;
  /** Who did it; the bot itself for `overdue`. */
  by: Actor | { platform: 'system'; id: 'safecall' };
  risk?: Risk;
  decision?: Decision;
  /** The ICO's case reference when reported. */
  icoRef?: string;
  /** When individuals were told (ISO 8601). */
  toldAt?: string;
  /** Free text (likely consequences, the note, the reason not reported, how people were told, the new fact): sealed. */
  text?: MaybeSealed;
  /** Why the decision came after the 72 hours: sealed. */
  delayReason?: MaybeSealed;
  /** The decision was recorded after the deadline. */
  late?: boolean;
}

/** Where a DPO alert went, so it can be updated in place as the case moves. */
export interface AlertRef {
  key: string;
  platform: 'slack' | 'teams';
  conversationId?: string;
  userId?: string;
}

export interface StoredReport {
  /** The reference people say on the phone, e.g. INC-2027-0042 (also the record key). */
  ref: string;
  reporter: Actor & { name?: string };
  category: Category;
  callPlatform?: ReportPlatform;
  occurredAt: string;
  discoveredAt: string;
  /** The server's clock when the report was stored. */
  reportedAt: string;
  /** When the school became aware: the report reached it (see README, "Incident reports"). */
  awareAt: string;
  /** awareAt + 72 hours. */
  deadlineAt: string;
  subjects: Subject[];
  howMany?: HowMany;
  specialCategory?: YesNoUnsure;
  /** JSON of ReportFacts, sealed. */
  facts: MaybeSealed;
  timeline: TimelineEntry[];
  /** 'open' until closed. */
  status: 'open' | 'closed';
  closedAt?: string;
  alerts: AlertRef[];
  /** The form submission this report came from (its idempotency key). */
  submission: string;
  /** Shape version, for later migrations. */
  v: 1;
}

/** The latest state, as the timeline says. Pure. */
export interface ReportState<E = TimelineEntry> {
  acknowledged?: E;
  risk?: E;
  decision?: E;
  told?: E;
  closed?: E;
  overdue?: E;
  notes: E[];
}

/** (Also of an opened timeline, whose entries carry their text opened.) */
export function reportState<E extends Pick<TimelineEntry, 'kind'> = TimelineEntry>(r: { timeline: readonly E[] }): ReportState<E> {
  const state: ReportState<E> = { notes: [] };
  for (const e of r.timeline) {
    switch (e.kind) {
      case 'acknowledged':
        state.acknowledged ??= e;
        break;
      case 'risk':
        state.risk = e;
        break;
      case 'decision':
        state.decision = e;
        break;
      case 'told':
        state.told = e;
        break;
      case 'closed':
        state.closed = e;
        break;
      case 'overdue':
        state.overdue ??= e;
        break;
      case 'note':
      case 'fact':
        state.notes.push(e);
        break;
    }
  }
  return state;
}

/** What a DPO may not do yet, and why (a strings key), or undefined when it is allowed. */
export function closeRefusal(r: Pick<StoredReport, 'timeline' | 'status'>): 'closed' | 'noDecision' | 'notTold' | undefined {
  if (r.status === 'closed') return 'closed';
  const s = reportState(r);
  if (!s.decision) return 'noDecision';
  if (s.risk?.risk === 'high' && !s.told) return 'notTold';
  return undefined;
}

export const deadlineFor = (awareAt: Date) => new Date(awareAt.getTime() + ICO_HOURS * 3_600_000);

/** The ICO's deadline for a report: 72 hours from when the school became aware (its `awareAt`). */
export const icoDeadline = (r: Pick<StoredReport, 'awareAt'>) => deadlineFor(new Date(r.awareAt));

/**
 * Whether an ICO decision recorded at `at` is late, so needs the reason for the delay. The one judge of
 * lateness: the form asks for the reason and its submission is checked by this, whenever each happens. At
 * the deadline itself the case is overdue (the 72-hour timer), so late too.
 */
export const isDecisionLate = (r: Pick<StoredReport, 'awareAt'>, at: Date) => at.getTime() >= icoDeadline(r).getTime();

/** Appends an entry unless one with its id is there already (a double submit, a retry). Pure. */
export function appendEntry<R extends Pick<StoredReport, 'timeline'>>(r: R, e: TimelineEntry): R {
  if (r.timeline.some((x) => x.id === e.id)) return r;
  return { ...r, timeline: [...r.timeline, e] };
}

export const sealFacts = (facts: ReportFacts, sealer: Sealer) => sealer.seal(JSON.stringify(facts));
export const openFacts = (r: Pick<StoredReport, 'facts'>, sealer: Sealer): ReportFacts => JSON.parse(sealer.open(r.facts)) as ReportFacts;
export const openText = (text: MaybeSealed | undefined, sealer: Sealer) => (text === undefined ? undefined : sealer.open(text));
