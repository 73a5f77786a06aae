/**
 * The guided secure-call setup, wired to the store: starting, resuming, each button, the forms and
 * the emergency card. The dialog itself (plan, reducer) is in dialog.ts, the views in *-views.ts; the
 * state machine mechanics (stale buttons, revisions, double clicks) are in src/core/dialog/engine.ts.
 * Registered by src/app.ts; core only knows the SetupFeature interface.
 */
import type { Reply, Turn } from '../../src/core/conversation.js';
import type { SetupFeature } from '../../src/core/bot.js';
import type { Deps } from '../../src/core/deps.js';
import type { CallPlatform } from '../../src/core/guidance/schema.js';
import { SETUP_ACTIONS as A, SETUP_PREFIX } from './ids.js';
import { accountStepIds, isKind, isPlatform, newSetup, type SetupEffect, type SetupEvent } from './dialog.js';
import { resumeQuestion, type StepPanel } from './views.js';
import { emergencyHandlers } from './emergency.js';
import { formHandlers } from './forms.js';
import { readPrefs, rememberAccountSteps, rememberPlatform, updatePrefs } from './prefs.js';
import { setupRuntime } from './runtime.js';

/** The buttons that move the dialog on, and the event each stands for (undefined: the value makes no sense). */
const EVENTS: Record<string, (arg: string) => SetupEvent | undefined> = {
  [A.platform]: (arg) => (isPlatform(arg) ? { type: 'platform', platform: arg } : undefined),
  [A.changePlatform]: () => ({ type: 'change-platform' }),
  [A.kind]: (arg) => (isKind(arg) ? { type: 'kind', kind: arg } : undefined),
  [A.account]: (arg) => (arg === 'include' || arg === 'leave' ? { type: 'account', include: arg === 'include' } : undefined),
  [A.done]: () => ({ type: 'answer', answer: 'done' }),
  [A.skip]: () => ({ type: 'answer', answer: 'skipped' }),
  [A.finish]: () => ({ type: 'finish' }),
};

export function setupFeature(deps: Deps): SetupFeature {
  const rt = setupRuntime(deps);
  const { engine } = rt;
  const emergency = emergencyHandlers(rt);
  const forms = formHandlers(rt);
  const accountIds = accountStepIds(rt.items);

  /** A fresh setup for this person: the remembered platform, and the account steps unless seen before. */
  async function fresh(turn: Turn, platform?: CallPlatform) {
    const prefs = await readPrefs(deps.store, turn.who);
    const seen = new Set(prefs.accountStepsSeen ?? []);
    const accountSeenBefore = accountIds.length > 0 && accountIds.every((id) => seen.has(id));
    return newSetup({ platform: platform ?? prefs.callPlatform, accountSeenBefore });
  }

  async function carryOut(turn: Turn, effects: SetupEffect[]): Promise<void> {
    const now = deps.clock.now();
    for (const effect of effects) {
      if (effect.type === 'remember-platform') await updatePrefs(deps.store, turn.who, now, rememberPlatform(effect.platform));
      else await updatePrefs(deps.store, turn.who, now, rememberAccountSteps(effect.ids));
    }
  }

  /** A button that moves the dialog on: applied once, on the current revision only, then shown in place. */
  async function move(turn: Turn, action: string, value: string, toEvent: (arg: string) => SetupEvent | undefined): Promise<Reply[]> {
    const outcome = await engine.apply(turn.who, turn.where, action, value, (arg) => toEvent(arg));
    switch (outcome.kind) {
      case 'applied':
        await carryOut(turn, outcome.effects);
        return [{ mode: 'update', prompt: rt.view(outcome.record) }];
      case 'duplicate':
        return [{ mode: 'update', prompt: rt.view(outcome.record) }];
      case 'ok':
        return [{ mode: 'update', prompt: rt.view(outcome.record) }];
      default:
        return rt.refused(turn, outcome);
    }
  }

  /** A button that only shows something (Why?, I can't find it, Carry on, Back to my setup). */
  async function show(turn: Turn, value: string, panel?: StepPanel): Promise<Reply[]> {
    const checked = await engine.check(turn.who, turn.where, value);
    if (checked.kind !== 'ok') return rt.refused(turn, checked);
    return [{ mode: 'update', prompt: rt.view(checked.record, panel) }];
  }

  /** Start again: a new instance, so every button of the old one goes stale (a double click starts one). */
  async function startAgain(turn: Turn, value: string): Promise<Reply[]> {
    const current = await engine.load(turn.who, turn.where);
    const data = await fresh(turn, current?.data.platform);
    const outcome = await engine.replace(turn.who, turn.where, A.startAgain, value, () => data);
    if (outcome.kind === 'applied') deps.log.info({ dialog: 'setup', event: 'start-again' }, 'setup started again');
    if (outcome.kind === 'applied' || outcome.kind === 'duplicate' || outcome.kind === 'ok') return [{ mode: 'update', prompt: rt.view(outcome.record) }];
    return rt.refused(turn, outcome);
  }

  async function start(turn: Turn, opts: { platform?: CallPlatform } = {}): Promise<Reply[]> {
    const existing = await engine.load(turn.who, turn.where);
    if (existing?.data.stage === 'step') return [{ mode: 'post', prompt: resumeQuestion(existing.data, rt.ctx(existing)) }];
    const record = await engine.begin(turn.who, turn.where, await fresh(turn, opts.platform));
    deps.log.info({ dialog: 'setup', event: 'start', platformKnown: !!record.data.platform }, 'setup started');
    return [{ mode: 'post', prompt: rt.view(record) }];
  }

  return {
    prefix: SETUP_PREFIX,
    start,

    emergency: emergency.emergency,

    async onAction(turn, action, value) {
      switch (action) {
        case A.start:
          return start(turn, isPlatform(value) ? { platform: value } : {});
        case A.now:
          return emergency.now(turn, value);
        case A.report:
          return emergency.report(turn, value);
        case A.why:
          return show(turn, value, 'why');
        case A.cantFind:
          return show(turn, value, 'cant-find');
        case A.carryOn:
        case A.back:
          return show(turn, value);
        case A.startAgain:
          return startAgain(turn, value);
        case A.post:
        case A.remind:
          return forms.open(turn, action, value);
      }
      const toEvent = EVENTS[action];
      if (toEvent) return move(turn, action, value, toEvent);
      deps.log.warn({ dialog: 'setup', action }, 'unknown setup action');
      return rt.refused(turn, { kind: 'stale', current: await engine.load(turn.who, turn.where) });
    },

    onForm: (turn, formId, values, state) => forms.submit(turn, formId, values, state),
  };
}

export type { SetupFeature };
