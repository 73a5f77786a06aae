/**
 * The guided secure-call setup as data and pure functions: which cards a teacher walks, in which
 * order, and how each answer moves the dialog on. Rendering is in views.ts; the wiring to the store
 * is in feature.ts and its handlers.
 *
 * A card holds one to three guidance items, so a walk stays short: what the teacher sets in their own
 * meeting comes first (before → as it opens → after), then the one-off habits, and last ONE card that
 * gathers every setting only an admin can change, for the teacher to pass to IT in one tap.
 *
 * What each answer means is kept as it happened: a setting done; a step for when the call opens or after
 * it acknowledged ("Got it": noted, to remember, not done yet); the list for IT sent by SafeCall (and to
 * whom) or only copied. What a teacher does during a lesson if needed (turn off a camera, remove someone)
 * is not a step at all: the checklist and the "It's happening now" playbook point to it.
 */
import { CALL_KINDS, CALL_PLATFORMS, type CallKind, type CallPlatform, type GuidanceItem, type Phase } from '../../src/core/guidance/schema.js';

export const SETUP_DIALOG = 'setup';

export type Stage = 'platform' | 'kind' | 'step' | 'summary';
/**
 * - done: the teacher set it;
 * - noted: a step for when the call opens or after it, acknowledged ("Got it"): to remember, not done yet;
 * - sent / copied: the list for IT, posted by SafeCall to the IT contact, or only shown to copy;
 * - skipped.
 */
export type Answer = 'done' | 'noted' | 'sent' | 'copied' | 'skipped';
export const ANSWERS: readonly Answer[] = ['done', 'noted', 'sent', 'copied', 'skipped'];

/** One screen of the walk. `admin`: the settings only an admin can change, passed to IT together. */
export interface Card {
  ids: string[];
  admin?: true;
}

export interface SetupState {
  v: 2;
  stage: Stage;
  platform?: CallPlatform;
  kind?: CallKind;
  /** Whether the plan includes the one-off steps (account habits and the list for IT). */
  includeAccount: boolean;
  /** The teacher had been through the one-off steps before this setup began. */
  accountSeenBefore: boolean;
  /** One-off item ids the teacher answered in an earlier setup (a returning teacher's list for IT is not asked again). */
  seen: string[];
  /** The cards in the order they are walked. */
  plan: Card[];
  /** Position in `plan` of the card on screen. */
  index: number;
  /** By guidance item id. */
  answers: Record<string, Answer>;
  /** Who SafeCall sent the list for IT to, as named in the settings then (kept as history). */
  itSentTo?: string;
  /** The platform question was opened from a step: choosing one goes back to the walk. */
  switching: boolean;
  /** "Finish for now" was pressed with cards left: typing setup again offers to carry on. */
  paused: boolean;
}

export type SetupEvent =
  | { type: 'platform'; platform: CallPlatform }
  | { type: 'change-platform' }
  | { type: 'kind'; kind: CallKind }
  | { type: 'account'; include: boolean }
  /** `done` on a card for when the call opens or after it is recorded as `noted`; `to` names who a sent list went to. */
  | { type: 'answer'; answer: Exclude<Answer, 'noted'>; to?: string }
  /** Leave the remaining cards open and show the checklist. */
  | { type: 'finish' }
  /** Back to the first open card after "Finish for now". */
  | { type: 'resume' };

export type SetupEffect = { type: 'remember-platform'; platform: CallPlatform } | { type: 'account-seen'; ids: string[] };

/**
 * The order a teacher meets the cards in: their own meeting first, the one-off habits after. Phases not
 * here are not setup steps: what is done during a lesson if needed, and the incident path.
 */
const PHASE_RANK: Partial<Record<Phase, number>> = { before: 0, start: 1, after: 3, account: 4, ongoing: 4 };
/** Done as the call opens or after it: acknowledged in the walk, remembered on the checklist, not "done". */
const LATER_PHASES: ReadonlySet<Phase> = new Set(['start', 'after']);

/** At most this many items share a card: more would not read well on a phone. */
export const MAX_ITEMS_PER_CARD = 3;

/** Audiences that are not the teacher running the call (the DPO's review, IT's and admins' jobs). */
const NOT_THE_TEACHER = new Set(['dpo', 'it', 'admin']);
const ADMIN_AUDIENCES = new Set(['it', 'admin']);

/**
 * The measures every walk must meet for its platform, whether the teacher sets them or passes them to IT
 * (test/dialogs/secure-call.presses.test.ts checks each platform's walk against this list).
 */
export const CORE_MEASURES = [
  'waiting-room',
  'meeting-passcode',
  'lock-meeting',
  'host-only-screen-share',
  'disable-file-transfer',
  'disable-dial-in',
  'recording-off',
  'mute-on-entry',
  'disable-private-chat',
] as const;

export const isPlatform = (v: string | undefined): v is CallPlatform => (CALL_PLATFORMS as readonly string[]).includes(v ?? '');
export const isKind = (v: string | undefined): v is CallKind => (CALL_KINDS as readonly string[]).includes(v ?? '');

/** The phase group shown in the progress line: ongoing habits belong with the account steps. */
export const stepPhase = (item: GuidanceItem): Phase => (item.phase === 'ongoing' ? 'account' : item.phase);

export function isForTeacher(item: GuidanceItem): boolean {
  return item.audience.some((a) => !NOT_THE_TEACHER.has(a));
}

/** Only an admin can change it on this platform: `setBy`, or else an IT or admin audience. */
export function isAdminOnly(item: GuidanceItem, platform: CallPlatform): boolean {
  const setBy = item.platforms[platform].setBy;
  if (setBy) return setBy === 'admin';
  return item.audience.some((a) => ADMIN_AUDIENCES.has(a));
}

/** Done once per account rather than per call: offered the first time, revisitable later. */
export function isAccountStep(item: GuidanceItem): boolean {
  return stepPhase(item) === 'account' && isForTeacher(item);
}

export function accountStepIds(items: GuidanceItem[]): string[] {
  return items.filter(isAccountStep).map((i) => i.id);
}

/** A step for when the call opens or after it: the walk asks "Got it", not "Done". */
export const isLater = (item: GuidanceItem): boolean => LATER_PHASES.has(item.phase);

/** Whether an item can be a step of a walk at all (for some kind of call). */
export const isSetupStep = (item: GuidanceItem): boolean => PHASE_RANK[item.phase] !== undefined;

const forKind = (item: GuidanceItem, kind: CallKind | undefined) => !kind || !item.callKinds || item.callKinds.includes(kind);

/** Items of one call a teacher or their IT can act on: not the incident path, not the DPO's review. */
function inThisCall(item: GuidanceItem, kind: CallKind): boolean {
  if (!isSetupStep(item)) return false;
  if (!isForTeacher(item) && !item.audience.some((a) => ADMIN_AUDIENCES.has(a))) return false;
  return forKind(item, kind);
}

/** What a teacher may need to do during a lesson of this kind (turn off a camera, remove someone): pointed to, not a step. */
export function inLessonItems(items: GuidanceItem[], kind: CallKind | undefined): GuidanceItem[] {
  return items.filter((item) => item.phase === 'during' && isForTeacher(item) && forKind(item, kind));
}

/** Which screen a setting is on ("Meeting options", "Host controls"), so settings of one screen sit together. */
function screenOf(item: GuidanceItem, platform: CallPlatform): string {
  const p = item.platforms[platform];
  if (p.support === 'none' || !p.where) return '~';
  return (p.where.split(/ → |;|:/)[0] ?? '').trim().toLowerCase();
}

/**
 * The cards for one call. Items are in `items` order (content/measures.yaml) within a phase, settings of
 * the same screen next to each other, at most MAX_ITEMS_PER_CARD to a card, never across phases.
 * Admin-only items go on one last card: all of them when the one-off steps are included, otherwise only
 * those not passed on in an earlier setup.
 */
export function planCards(
  items: GuidanceItem[],
  opts: { platform: CallPlatform; kind: CallKind; includeAccount: boolean; seen?: readonly string[] },
): Card[] {
  const seen = new Set(opts.seen ?? []);
  const candidates = items.filter((item) => inThisCall(item, opts.kind));
  const admin = candidates.filter((item) => isAdminOnly(item, opts.platform)).filter((item) => opts.includeAccount || !seen.has(item.id));
  const teacher = candidates
    .filter((item) => !isAdminOnly(item, opts.platform) && isForTeacher(item))
    .filter((item) => opts.includeAccount || !isAccountStep(item));

  const screens: string[] = [];
  const screenRank = (item: GuidanceItem) => {
    const s = screenOf(item, opts.platform);
    if (!screens.includes(s)) screens.push(s);
    return s === '~' ? Number.MAX_SAFE_INTEGER : screens.indexOf(s);
  };
  const ordered = teacher
    .map((item, order) => ({ item, order, rank: PHASE_RANK[item.phase] ?? 0, screen: screenRank(item) }))
    .sort((a, b) => a.rank - b.rank || a.screen - b.screen || a.order - b.order);

  const cards: Card[] = [];
  let current: { rank: number; ids: string[] } | undefined;
  for (const { item, rank } of ordered) {
    if (!current || current.rank !== rank || current.ids.length >= MAX_ITEMS_PER_CARD) {
      current = { rank, ids: [] };
      cards.push({ ids: current.ids });
    }
    current.ids.push(item.id);
  }
  if (admin.length) cards.push({ ids: admin.map((i) => i.id), admin: true });
  return cards;
}

/** Every item id of a plan, in walk order. */
export const planIds = (plan: Card[]): string[] => plan.flatMap((c) => c.ids);

export function newSetup(opts: { platform?: CallPlatform; accountSeenBefore: boolean; seen?: string[] }): SetupState {
  return {
    v: 2,
    stage: opts.platform ? 'kind' : 'platform',
    platform: opts.platform,
    includeAccount: !opts.accountSeenBefore,
    accountSeenBefore: opts.accountSeenBefore,
    seen: opts.seen ?? [],
    plan: [],
    index: 0,
    answers: {},
    switching: false,
    paused: false,
  };
}

export interface StepCounts {
  done: number;
  noted: number;
  sent: number;
  copied: number;
  skipped: number;
  /** Skipped or not reached. */
  open: number;
}

/** Whether an answer leaves nothing for the walk to ask again (skipped does). */
export const isSettled = (answer: Answer | undefined): boolean => answer !== undefined && answer !== 'skipped';

export function counts(state: SetupState): StepCounts {
  const ids = planIds(state.plan);
  const n = (a: Answer) => ids.filter((id) => state.answers[id] === a).length;
  const settled = ids.filter((id) => isSettled(state.answers[id])).length;
  return { done: n('done'), noted: n('noted'), sent: n('sent'), copied: n('copied'), skipped: n('skipped'), open: ids.length - settled };
}

/** A card is answered when every item on it is. */
const answered = (card: Card, answers: Record<string, Answer>) => card.ids.every((id) => answers[id]);

function firstOpen(plan: Card[], answers: Record<string, Answer>): number {
  const i = plan.findIndex((c) => !answered(c, answers));
  return i < 0 ? plan.length : i;
}

/** The reducer, given the guidance items it plans over. Returns `state` itself when an event does not apply. */
export function setupReducer(items: GuidanceItem[]) {
  const byId = new Map(items.map((i) => [i.id, i]));
  const same = (state: SetupState) => ({ state, effects: [] as SetupEffect[] });
  const plan = (state: SetupState, platform: CallPlatform, kind: CallKind) =>
    planCards(items, { platform, kind, includeAccount: state.includeAccount, seen: state.seen });

  return function reduce(state: SetupState, event: SetupEvent): { state: SetupState; effects: SetupEffect[] } {
    switch (event.type) {
      case 'platform': {
        if (state.stage !== 'platform') return same(state);
        const effects: SetupEffect[] = [{ type: 'remember-platform', platform: event.platform }];
        if (!state.switching || !state.kind) return { state: { ...state, platform: event.platform, stage: 'kind', switching: false }, effects };
        const onScreen = state.plan[state.index]?.ids[0];
        const cards = plan(state, event.platform, state.kind);
        const kept = onScreen ? cards.findIndex((c) => c.ids.includes(onScreen)) : -1;
        const index = kept >= 0 ? kept : firstOpen(cards, state.answers);
        const stage = index < cards.length ? 'step' : 'summary';
        return { state: { ...state, platform: event.platform, plan: cards, index, stage, switching: false }, effects };
      }
      case 'change-platform':
        if (state.stage !== 'kind' && state.stage !== 'step') return same(state);
        return { state: { ...state, stage: 'platform', switching: state.stage === 'step' }, effects: [] };
      case 'account':
        if (state.stage !== 'kind' || state.includeAccount === event.include) return same(state);
        return { state: { ...state, includeAccount: event.include }, effects: [] };
      case 'kind': {
        if (state.stage !== 'kind' || !state.platform) return same(state);
        const cards = plan(state, state.platform, event.kind);
        const stage = cards.length ? 'step' : 'summary';
        return {
          state: { ...state, kind: event.kind, plan: cards, index: 0, stage },
          effects: [{ type: 'remember-platform', platform: state.platform }],
        };
      }
      case 'answer': {
        const card = state.plan[state.index];
        if (state.stage !== 'step' || !card) return same(state);
        const answers = { ...state.answers };
        for (const id of card.ids) {
          const item = byId.get(id);
          answers[id] = event.answer === 'done' && item && isLater(item) ? 'noted' : event.answer;
        }
        const index = state.index + 1;
        const next: SetupState = { ...state, answers, index, stage: index < state.plan.length ? 'step' : 'summary', paused: false };
        if (event.answer === 'sent') next.itSentTo = event.to;
        const once = card.ids.filter((id) => card.admin || (byId.get(id) && isAccountStep(byId.get(id)!)));
        return { state: next, effects: once.length ? [{ type: 'account-seen', ids: once }] : [] };
      }
      case 'finish':
        if (state.stage !== 'step') return same(state);
        return { state: { ...state, stage: 'summary', paused: true }, effects: [] };
      case 'resume': {
        if (state.stage !== 'summary' || !state.paused) return same(state);
        const index = firstOpen(state.plan, state.answers);
        if (index >= state.plan.length) return { state: { ...state, paused: false }, effects: [] };
        return { state: { ...state, stage: 'step', index, paused: false }, effects: [] };
      }
    }
  };
}

/** A walk the teacher can carry on: under way, or paused by "Finish for now" with cards left. */
export function canCarryOn(state: SetupState): boolean {
  if (state.stage === 'step') return true;
  return state.stage === 'summary' && state.paused && firstOpen(state.plan, state.answers) < state.plan.length;
}

/**
 * Reads state written by this or an earlier version; anything unrecognised is dropped (the teacher starts
 * again). Version 1 kept one item per step: each becomes a card of its own, so a walk in progress survives.
 */
export function parseSetup(raw: unknown, known?: ReadonlySet<string>): SetupState | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const s = raw as Record<string, unknown>;
  if ((s.v !== 1 && s.v !== 2) || typeof s.stage !== 'string' || !['platform', 'kind', 'step', 'summary'].includes(s.stage)) return undefined;
  if (!Array.isArray(s.plan) || typeof s.index !== 'number' || !s.answers || typeof s.answers !== 'object') return undefined;
  const platform = s.platform as string | undefined;
  const kind = s.kind as string | undefined;
  if (platform !== undefined && !isPlatform(platform)) return undefined;
  if (kind !== undefined && !isKind(kind)) return undefined;
  const storedCards: Card[] =
    s.v === 1
      ? s.plan.filter((x): x is string => typeof x === 'string').map((id) => ({ ids: [id] }))
      : s.plan.flatMap((c): Card[] => {
          if (!c || typeof c !== 'object' || !Array.isArray((c as Card).ids)) return [];
          const ids = (c as Card).ids.filter((x): x is string => typeof x === 'string');
          return [(c as Card).admin === true ? { ids, admin: true } : { ids }];
        });
  // Content may have changed since the state was saved: drop items that no longer exist, keep the place.
  const cards = storedCards.map((c) => ({ ...c, ids: known ? c.ids.filter((id) => known.has(id)) : c.ids })).filter((c) => c.ids.length > 0);
  // Only known answers; a list for IT answered 'done' by an earlier version may only have been copied, so it
  // is not said to have been sent.
  const adminIds = new Set(storedCards.filter((c) => c.admin).flatMap((c) => c.ids));
  const answers: Record<string, Answer> = {};
  for (const [id, a] of Object.entries(s.answers as Record<string, unknown>)) {
    if (!ANSWERS.includes(a as Answer)) continue;
    answers[id] = a === 'done' && adminIds.has(id) ? 'copied' : (a as Answer);
  }
  const onScreen = storedCards[s.index]?.ids.find((id) => cards.some((c) => c.ids.includes(id)));
  const kept = onScreen ? cards.findIndex((c) => c.ids.includes(onScreen)) : -1;
  const index = kept >= 0 ? kept : firstOpen(cards, answers);
  const stage = s.stage === 'step' && index >= cards.length ? 'summary' : (s.stage as Stage);
  return {
    v: 2,
    stage,
    platform: platform as CallPlatform | undefined,
    kind: kind as CallKind | undefined,
    includeAccount: s.includeAccount === true,
    accountSeenBefore: s.accountSeenBefore === true,
    seen: Array.isArray(s.seen) ? s.seen.filter((x): x is string => typeof x === 'string') : [],
    plan: cards,
    index,
    answers,
    ...(typeof s.itSentTo === 'string' ? { itSentTo: s.itSentTo } : {}),
    switching: s.switching === true,
    paused: s.paused === true,
  };
}
