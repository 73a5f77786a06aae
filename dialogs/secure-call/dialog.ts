/**
 * The guided secure-call setup as data and pure functions: which steps a teacher walks, in which
 * order, and how each answer moves the dialog on. Rendering is in views.ts; the wiring to the store
 * is in feature.ts and its handlers.
 */
import { CALL_KINDS, CALL_PLATFORMS, type CallKind, type CallPlatform, type GuidanceItem, type Phase } from '../../src/core/guidance/schema.js';

export const SETUP_DIALOG = 'setup';

export type Stage = 'platform' | 'kind' | 'step' | 'summary';
export type Answer = 'done' | 'skipped';

export interface SetupState {
  v: 1;
  stage: Stage;
  platform?: CallPlatform;
  kind?: CallKind;
  /** Whether the plan includes the one-off account steps. */
  includeAccount: boolean;
  /** The teacher had been through the account steps before this setup began. */
  accountSeenBefore: boolean;
  /** Guidance item ids in the order they are walked. */
  plan: string[];
  /** Position in `plan` of the step on screen. */
  index: number;
  answers: Record<string, Answer>;
  /** The platform question was opened from a step: choosing one goes back to the walk. */
  switching: boolean;
}

export type SetupEvent =
  | { type: 'platform'; platform: CallPlatform }
  | { type: 'change-platform' }
  | { type: 'kind'; kind: CallKind }
  | { type: 'account'; include: boolean }
  | { type: 'answer'; answer: Answer }
  /** Leave the remaining steps open and show the checklist. */
  | { type: 'finish' };

export type SetupEffect = { type: 'remember-platform'; platform: CallPlatform } | { type: 'account-seen'; ids: string[] };

/** The order a teacher meets the steps in. Ongoing teacher habits are walked with the account steps. */
const PHASE_RANK: Partial<Record<Phase, number>> = { account: 0, ongoing: 0, before: 1, start: 2, during: 3, after: 4 };

/** Audiences that are not the teacher running the call (the DPO's review, IT's and admins' jobs). */
const NOT_THE_TEACHER = new Set(['dpo', 'it', 'admin']);

export const isPlatform = (v: string | undefined): v is CallPlatform => (CALL_PLATFORMS as readonly string[]).includes(v ?? '');
export const isKind = (v: string | undefined): v is CallKind => (CALL_KINDS as readonly string[]).includes(v ?? '');

/** The phase group shown in the progress line: ongoing habits belong with the account steps. */
export const stepPhase = (item: GuidanceItem): Phase => (item.phase === 'ongoing' ? 'account' : item.phase);

export function isForTeacher(item: GuidanceItem): boolean {
  return item.audience.some((a) => !NOT_THE_TEACHER.has(a));
}

/** Done once per account rather than per call: offered the first time, revisitable later. */
export function isAccountStep(item: GuidanceItem): boolean {
  return stepPhase(item) === 'account' && isForTeacher(item);
}

export function accountStepIds(items: GuidanceItem[]): string[] {
  return items.filter(isAccountStep).map((i) => i.id);
}

/**
 * The steps for one call, in the order a teacher meets them: account → before → start → during → after.
 * Incident items (the emergency path) and items for other people are left out, and so are items
 * whose callKinds exclude this kind of call. Every item applies to every platform (where a platform
 * has no such setting the step shows the alternative), so `platform` does not filter today.
 */
export function planSteps(items: GuidanceItem[], opts: { platform: CallPlatform; kind: CallKind; includeAccount: boolean }): string[] {
  return items
    .map((item, order) => ({ item, order, rank: PHASE_RANK[item.phase] }))
    .filter(({ item, rank }) => rank !== undefined && isForTeacher(item))
    .filter(({ item }) => !item.callKinds || item.callKinds.includes(opts.kind))
    .filter(({ item }) => opts.includeAccount || !isAccountStep(item))
    .sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0) || a.order - b.order)
    .map(({ item }) => item.id);
}

export function newSetup(opts: { platform?: CallPlatform; accountSeenBefore: boolean }): SetupState {
  return {
    v: 1,
    stage: opts.platform ? 'kind' : 'platform',
    platform: opts.platform,
    includeAccount: !opts.accountSeenBefore,
    accountSeenBefore: opts.accountSeenBefore,
    plan: [],
    index: 0,
    answers: {},
    switching: false,
  };
}

export interface StepCounts {
  done: number;
  skipped: number;
  open: number;
}

export function counts(state: SetupState): StepCounts {
  const done = state.plan.filter((id) => state.answers[id] === 'done').length;
  const skipped = state.plan.filter((id) => state.answers[id] === 'skipped').length;
  return { done, skipped, open: state.plan.length - done - skipped };
}

/** The reducer, given the guidance items it plans over. Returns `state` itself when an event does not apply. */
export function setupReducer(items: GuidanceItem[]) {
  const byId = new Map(items.map((i) => [i.id, i]));
  const same = (state: SetupState) => ({ state, effects: [] as SetupEffect[] });

  return function reduce(state: SetupState, event: SetupEvent): { state: SetupState; effects: SetupEffect[] } {
    switch (event.type) {
      case 'platform': {
        if (state.stage !== 'platform') return same(state);
        const effects: SetupEffect[] = [{ type: 'remember-platform', platform: event.platform }];
        if (!state.switching || !state.kind) return { state: { ...state, platform: event.platform, stage: 'kind', switching: false }, effects };
        const current = state.plan[state.index];
        const plan = planSteps(items, { platform: event.platform, kind: state.kind, includeAccount: state.includeAccount });
        const kept = current ? plan.indexOf(current) : -1;
        const index = kept >= 0 ? kept : firstOpen(plan, state.answers);
        const stage = index < plan.length ? 'step' : 'summary';
        return { state: { ...state, platform: event.platform, plan, index, stage, switching: false }, effects };
      }
      case 'change-platform':
        if (state.stage !== 'kind' && state.stage !== 'step') return same(state);
        return { state: { ...state, stage: 'platform', switching: state.stage === 'step' }, effects: [] };
      case 'account':
        if (state.stage !== 'kind' || state.includeAccount === event.include) return same(state);
        return { state: { ...state, includeAccount: event.include }, effects: [] };
      case 'kind': {
        if (state.stage !== 'kind' || !state.platform) return same(state);
        const plan = planSteps(items, { platform: state.platform, kind: event.kind, includeAccount: state.includeAccount });
        const stage = plan.length ? 'step' : 'summary';
        return {
          state: { ...state, kind: event.kind, plan, index: 0, stage },
          effects: [{ type: 'remember-platform', platform: state.platform }],
        };
      }
      case 'answer': {
        const id = state.plan[state.index];
        if (state.stage !== 'step' || !id) return same(state);
        const index = state.index + 1;
        const next: SetupState = { ...state, answers: { ...state.answers, [id]: event.answer }, index, stage: index < state.plan.length ? 'step' : 'summary' };
        const item = byId.get(id);
        return { state: next, effects: item && isAccountStep(item) ? [{ type: 'account-seen', ids: [id] }] : [] };
      }
      case 'finish':
        if (state.stage !== 'step') return same(state);
        return { state: { ...state, stage: 'summary' }, effects: [] };
    }
  };
}

function firstOpen(plan: string[], answers: Record<string, Answer>): number {
  const i = plan.findIndex((id) => !answers[id]);
  return i < 0 ? plan.length : i;
}

/** Reads state written by this or an earlier version; anything unrecognised is dropped (the teacher starts again). */
export function parseSetup(raw: unknown, known?: ReadonlySet<string>): SetupState | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const s = raw as Partial<SetupState>;
  if (s.v !== 1 || !s.stage || !['platform', 'kind', 'step', 'summary'].includes(s.stage)) return undefined;
  if (!Array.isArray(s.plan) || typeof s.index !== 'number' || !s.answers || typeof s.answers !== 'object') return undefined;
  if (s.platform !== undefined && !isPlatform(s.platform)) return undefined;
  if (s.kind !== undefined && !isKind(s.kind)) return undefined;
  const stored = s.plan.filter((x): x is string => typeof x === 'string');
  // Content may have changed since the state was saved: drop steps that no longer exist, keep the place.
  const plan = known ? stored.filter((id) => known.has(id)) : stored;
  const current = stored[s.index];
  const kept = current ? plan.indexOf(current) : -1;
  const index = kept >= 0 ? kept : firstOpen(plan, s.answers as Record<string, Answer>);
  const stage = s.stage === 'step' && index >= plan.length ? 'summary' : s.stage;
  return {
    v: 1,
    stage,
    platform: s.platform,
    kind: s.kind,
    includeAccount: s.includeAccount === true,
    accountSeenBefore: s.accountSeenBefore === true,
    plan,
    index,
    answers: s.answers,
    switching: s.switching === true,
  };
}
