/**
 * The stored incident report (store.reports), owned by the incidents feature (dialogs/incidents/) and read
 * by the breach-log export (src/core/records/report-export.ts, the CLI). Core's indexes read `reportedAt`,
 * `reporter` and `closedAt`.
 *
 * The report as made is never edited: everything that happens later is a timeline entry appended with who
 * and when. Three fields follow the timeline, each written with its entry: `status`/`closedAt` (closed),
 * `awareAt`/`deadlineAt` (the DPO's awareness time) and `alerts` (where alerts went). What may identify a person (the reporter's name, the narrative, what was done, evidence, who
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

export type TimelineKind = 'acknowledged' | 'risk' | 'note' | 'decision' | 'told' | 'fact' | 'overdue' | 'closed' | 'escalated' | 'aware';

/** Who an escalation brought in: 1 the DPO's deputies (the admins too when there are none), 2 the admins. */
export type EscalationLevel = 1 | 2;
/** Why: nobody acted on the alert in time, or no DPO destination could be reached at all. */
export type EscalationReason = 'no-answer' | 'no-route';

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
  /** `escalated`: who was brought in, and why. */
  level?: EscalationLevel;
  reason?: EscalationReason;
  /** `aware`: the awareness time the DPO recorded (ISO 8601), and the one it replaced; `text` holds the reason. */
  awareAt?: string;
  previousAwareAt?: string;
}

/**
 * Where a DPO alert went, so it can be updated in place as the case moves: the record keeps where alerts
 * went as history; where they go next is decided from the settings as they are now (dialogs/incidents/alerts.ts).
 */
export interface AlertRef {
  key: string;
  platform: 'slack' | 'teams';
  conversationId?: string;
  userId?: string;
  /** Why it went there: a DPO destination, a deputy or an admin (brought in by an escalation). Unset: 'dpo'. */
  role?: AlertRole;
  /** No longer a destination (the settings changed): its message was replaced by a note without the case's details. */
  retiredAt?: string;
}

export type AlertRole = 'dpo' | 'deputy' | 'admin';

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
  /**
   * When the school became aware, which starts the ICO's 72 hours: the earlier of when it was noticed and
   * when it was reported (`defaultAwareness`), until the DPO records another with a reason (an `aware`
   * timeline entry, written in the same conditional write as this field: `withAwareness`). docs/reports.md.
   */
  awareAt: string;
  /** awareAt + 72 hours; moves with it. Whether something is late: `isLate`. */
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
  /** The highest escalation so far. */
  escalated?: E;
  /** The DPO's latest recorded awareness time. */
  aware?: E;
  notes: E[];
}

/** (Also of an opened timeline, whose entries carry their text opened.) */
export function reportState<E extends Pick<TimelineEntry, 'kind' | 'level'> = TimelineEntry>(r: { timeline: readonly E[] }): ReportState<E> {
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
      case 'escalated':
        if ((e.level ?? 0) > (state.escalated?.level ?? 0)) state.escalated = e;
        break;
      case 'aware':
        state.aware = e;
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

/**
 * When the school became aware, unless the DPO says otherwise: a teacher who noticed is the school, so the
 * clock starts when it was noticed, or when it was reported if that came first (a report cannot be later
 * than the school knowing). Pure.
 */
export const defaultAwareness = (discoveredAt: Date, reportedAt: Date) => new Date(Math.min(discoveredAt.getTime(), reportedAt.getTime()));

/** The ICO's deadline for a report: 72 hours from when the school became aware (its `awareAt`). Pure. */
export const icoDeadline = (r: Pick<StoredReport, 'awareAt'>) => deadlineFor(new Date(r.awareAt));

/**
 * Whether something done at `now` is after the ICO deadline: the one judgement of lateness (the decision
 * form's field for the reason and the check of its submission, whenever each happens; the record's `late`;
 * the alert's "overdue"). At the deadline itself the case is overdue (the 72-hour timer fires then), so late
 * too. Pure.
 */
export const isLate = (r: Pick<StoredReport, 'awareAt'>, now: Date): boolean => now.getTime() >= icoDeadline(r).getTime();

/** The report with the DPO's awareness time recorded: the entry appended, the clock moved, in one value. Pure. */
export function withAwareness<R extends Pick<StoredReport, 'timeline' | 'awareAt' | 'deadlineAt'>>(r: R, e: TimelineEntry & { awareAt: string }): R {
  if (r.timeline.some((x) => x.id === e.id)) return r;
  const at = new Date(e.awareAt);
  return { ...r, awareAt: at.toISOString(), deadlineAt: deadlineFor(at).toISOString(), timeline: [...r.timeline, { ...e, previousAwareAt: r.awareAt }] };
}

/** How far the case has been escalated (0: not at all). Pure. */
export const escalationLevel = (r: Pick<StoredReport, 'timeline'>): 0 | EscalationLevel => reportState(r).escalated?.level ?? 0;

/** Whether a person (not SafeCall) has done anything on the case: an answer to the alert stops escalation. Pure. */
export const answered = (r: Pick<StoredReport, 'timeline'>): boolean => r.timeline.some((e) => e.by.platform !== 'system' && e.kind !== 'escalated');

/** Appends an entry unless one with its id is there already (a double submit, a retry). Pure. */
export function appendEntry<R extends Pick<StoredReport, 'timeline'>>(r: R, e: TimelineEntry): R {
  if (r.timeline.some((x) => x.id === e.id)) return r;
  return { ...r, timeline: [...r.timeline, e] };
}

export const sealFacts = (facts: ReportFacts, sealer: Sealer) => sealer.seal(JSON.stringify(facts));
export const openFacts = (r: Pick<StoredReport, 'facts'>, sealer: Sealer): ReportFacts => JSON.parse(sealer.open(r.facts)) as ReportFacts;
export const openText = (text: MaybeSealed | undefined, sealer: Sealer) => (text === undefined ? undefined : sealer.open(text));
