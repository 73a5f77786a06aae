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
import { accountStepIds, canCarryOn, isKind, isPlatform, newSetup, type SetupEffect, type SetupEvent } from './dialog.js';
import { itListText, resumeQuestion, type StepPanel } from './views.js';
import { copyView, note } from './summary-views.js';
import { emergencyHandlers } from './emergency.js';
import { formHandlers } from './forms.js';
import { readPrefs, rememberAccountSteps, rememberPlatform, updatePrefs } from './prefs.js';
import { setupRuntime, type SetupOptions } from './runtime.js';

/** The buttons that move the dialog on, and the event each stands for (undefined: the value makes no sense). */
const EVENTS: Record<string, (arg: string) => SetupEvent | undefined> = {
  [A.platform]: (arg) => (isPlatform(arg) ? { type: 'platform', platform: arg } : undefined),
  [A.changePlatform]: () => ({ type: 'change-platform' }),
  [A.kind]: (arg) => (isKind(arg) ? { type: 'kind', kind: arg } : undefined),
  [A.account]: (arg) => (arg === 'include' || arg === 'leave' ? { type: 'account', include: arg === 'include' } : undefined),
  [A.done]: () => ({ type: 'answer', answer: 'done' }),
  [A.skip]: () => ({ type: 'answer', answer: 'skipped' }),
  [A.finish]: () => ({ type: 'finish' }),
  [A.carryOn]: () => ({ type: 'resume' }),
};

export function setupFeature(deps: Deps, options: SetupOptions = {}): SetupFeature {
  const rt = setupRuntime(deps, options);
  const { engine, t } = rt;
  const emergency = emergencyHandlers(rt);
  const forms = formHandlers(rt);
  const accountIds = accountStepIds(rt.items);

  /** A fresh setup for this person: the remembered platform, and the one-off steps unless seen before. */
  async function fresh(turn: Turn, platform?: CallPlatform) {
    const prefs = await readPrefs(deps.store, turn.who);
    const seen = prefs.accountStepsSeen ?? [];
    const accountSeenBefore = accountIds.length > 0 && accountIds.every((id) => seen.includes(id));
    return newSetup({ platform: platform ?? prefs.callPlatform, accountSeenBefore, seen });
  }

  async function carryOut(turn: Turn, effects: SetupEffect[]): Promise<void> {
    const now = deps.clock.now();
    for (const effect of effects) {
      if (effect.type === 'remember-platform') await updatePrefs(deps.store, turn.who, now, rememberPlatform(effect.platform));
      else await updatePrefs(deps.store, turn.who, now, rememberAccountSteps(effect.ids));
    }
  }

  /** A button that moves the dialog on: applied once, on the current revision only, then shown in place. */
  async function move(turn: Turn, action: string, value: string, toEvent: (arg: string) => SetupEvent | undefined, also: Reply[] = []): Promise<Reply[]> {
    const outcome = await engine.apply(turn.who, turn.where, action, value, (arg) => toEvent(arg));
    switch (outcome.kind) {
      case 'applied':
        await carryOut(turn, outcome.effects);
        return [{ mode: 'update', prompt: await rt.view(turn, outcome.record) }, ...also];
      case 'duplicate':
      case 'ok':
        return [{ mode: 'update', prompt: await rt.view(turn, outcome.record) }];
      default:
        return rt.refused(turn, outcome);
    }
  }

  /** A button that only shows something (Why?, I can't find it, Back to my setup). */
  async function show(turn: Turn, value: string, panel?: StepPanel): Promise<Reply[]> {
    const checked = await engine.check(turn.who, turn.where, value);
    if (checked.kind !== 'ok') return rt.refused(turn, checked);
    return [{ mode: 'update', prompt: await rt.view(turn, checked.record, panel) }];
  }

  /** The checklist as plain text, in a message of its own: the checklist card stays as it is. */
  async function copy(turn: Turn, value: string): Promise<Reply[]> {
    const checked = await engine.check(turn.who, turn.where, value, { anyRevision: true });
    if (checked.kind !== 'ok') return rt.refused(turn, checked);
    return [{ mode: 'private', prompt: copyView(checked.record.data, await rt.ctx(turn, checked.record)) }];
  }

  /**
   * The list for IT, in one tap: posted to the IT contact, or shown as text to copy. Either answers the
   * card, as 'sent' or 'copied', and the walk moves on. The list is built before the answer moves on.
   */
  async function passToIt(turn: Turn, action: string, value: string): Promise<Reply[]> {
    const checked = await engine.check(turn.who, turn.where, value);
    if (checked.kind !== 'ok') return rt.refused(turn, checked);
    const ctx = await rt.ctx(turn, checked.record);
    const text = itListText(checked.record.data, ctx, checked.record.ownerName ?? turn.who.name);
    const target = action === A.sendToIt ? await rt.itTarget(turn) : undefined;
    if (action === A.sendToIt && !target) return [{ mode: 'update', prompt: await rt.view(turn, checked.record) }];
    const also: Reply[] = target
      ? [
          { mode: 'post', to: target, prompt: note(text) },
          { mode: 'private', prompt: note(t('setup.it.sent', { who: deps.school.itContact?.name ?? t('setup.it.someone') })) },
        ]
      : [{ mode: 'private', prompt: note(text) }];
    if (target) deps.log.info({ dialog: 'setup', event: 'sent-to-it' }, 'list for IT posted');
    // The checklist says what happened: sent by SafeCall (and to whom), or only copied.
    const who = deps.school.itContact?.name ?? t('setup.it.someone');
    return move(turn, action, value, () => (target ? { type: 'answer', answer: 'sent', to: who } : { type: 'answer', answer: 'copied' }), also);
  }

  /** Start again: a new instance, so every button of the old one goes stale (a double click starts one). */
  async function startAgain(turn: Turn, value: string): Promise<Reply[]> {
    const current = await engine.load(turn.who, turn.where);
    const data = await fresh(turn, current?.data.platform);
    const outcome = await engine.replace(turn.who, turn.where, A.startAgain, value, () => data);
    if (outcome.kind === 'applied') deps.log.info({ dialog: 'setup', event: 'start-again' }, 'setup started again');
    if (outcome.kind === 'applied' || outcome.kind === 'duplicate' || outcome.kind === 'ok') return [{ mode: 'update', prompt: await rt.view(turn, outcome.record) }];
    return rt.refused(turn, outcome);
  }

  async function start(turn: Turn, opts: { platform?: CallPlatform } = {}): Promise<Reply[]> {
    const existing = await engine.load(turn.who, turn.where);
    if (existing && canCarryOn(existing.data)) return [{ mode: 'post', prompt: resumeQuestion(existing.data, await rt.ctx(turn, existing)) }];
    const record = await engine.begin(turn.who, turn.where, await fresh(turn, opts.platform));
    deps.log.info({ dialog: 'setup', event: 'start', platformKnown: !!record.data.platform }, 'setup started');
    return [{ mode: 'post', prompt: await rt.view(turn, record) }];
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
        case A.back:
          return show(turn, value);
        case A.startAgain:
          return startAgain(turn, value);
        case A.copy:
          return copy(turn, value);
        case A.sendToIt:
        case A.copyForIt:
          return passToIt(turn, action, value);
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
