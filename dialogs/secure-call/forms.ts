/**
 * The summary's two forms: post the checklist to a channel, and "remind me before my next call".
 * The reminder is a Timer (sent once, at the time chosen, by ./before-call.ts); its button is offered only
 * when the composition root says reminders are sent (SetupOptions.reminders).
 */
import type { Reply, Turn } from '../../src/core/conversation.js';
import { SETUP_ACTIONS as A, SETUP_FIELDS as F, SETUP_FORMS } from './ids.js';
import { note, postForm, remindForm, sharedChecklist } from './summary-views.js';
import type { SetupRecord, SetupRuntime } from './runtime.js';
import { isSettled, planIds } from './dialog.js';

export const REMIND_BEFORE_CALL = 'setup.before-call';

type WhenProblem = 'missing' | 'invalid' | 'past' | 'tooFar';

/** Reads the datetime field: ISO 8601 from the adapters (epoch seconds tolerated). */
export function readWhen(raw: string | undefined, now: Date): { at?: Date; problem?: WhenProblem } {
  const text = raw?.trim() ?? '';
  if (!text) return { problem: 'missing' };
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (Number.isNaN(ms)) return { problem: 'invalid' };
  const at = new Date(ms);
  if (at.getTime() <= now.getTime()) return { at, problem: 'past' };
  const yearOn = new Date(now);
  yearOn.setUTCFullYear(yearOn.getUTCFullYear() + 1);
  if (at.getTime() > yearOn.getTime()) return { at, problem: 'tooFar' };
  return { at };
}

export function formHandlers(rt: SetupRuntime) {
  const { deps, engine, t } = rt;

  function formatWhen(at: Date): string {
    const opts: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' };
    try {
      return new Intl.DateTimeFormat(deps.strings.locale, { ...opts, timeZone: deps.school.timezone }).format(at);
    } catch {
      return new Intl.DateTimeFormat(deps.strings.locale, { ...opts, timeZone: 'UTC' }).format(at);
    }
  }

  async function post(turn: Turn, record: SetupRecord, values: Record<string, string>, state: string): Promise<Reply[]> {
    const known = await rt.channels(turn);
    const chosen = values[F.channel] ?? '';
    if (!known.includes(chosen)) {
      const error = t(known.length ? 'setup.post.unknown' : 'setup.post.none');
      return [{ mode: 'form-errors', errors: { [F.channel]: error }, prompt: postForm(await rt.ctx(turn, record), known, state, { field: error, value: chosen }) }];
    }
    deps.log.info({ dialog: 'setup', form: SETUP_FORMS.post }, 'checklist posted to a channel');
    return [
      { mode: 'post', to: chosen, prompt: sharedChecklist(record.data, await rt.ctx(turn, record), record.ownerName ?? turn.who.name) },
      { mode: 'private', prompt: note(t('setup.post.posted')) },
    ];
  }

  async function remind(turn: Turn, record: SetupRecord, values: Record<string, string>, state: string): Promise<Reply[]> {
    const now = deps.clock.now();
    const raw = values[F.when];
    const { at, problem } = readWhen(raw, now);
    if (problem || !at) {
      const error = t(`setup.remind.${problem ?? 'invalid'}`);
      // Keep what was typed (when it is a readable time) so the teacher only has to correct it.
      const kept = at ? (raw && !/^\d+$/.test(raw.trim()) ? raw.trim() : at.toISOString()) : undefined;
      return [{ mode: 'form-errors', errors: { [F.when]: error }, prompt: remindForm(await rt.ctx(turn, record), state, { value: kept, error }) }];
    }
    const key = engine.key(turn.who, turn.where);
    const open = planIds(record.data.plan).filter((id) => !isSettled(record.data.answers[id]));
    // One reminder per setup: submitting again moves it rather than adding a second. Ids only in the payload.
    await deps.timers.set({
      key: `${REMIND_BEFORE_CALL}:${key}:${record.instance}`,
      kind: REMIND_BEFORE_CALL,
      dueAt: at,
      payload: {
        platform: turn.who.platform,
        userId: turn.who.id,
        ...(turn.who.teamId ? { teamId: turn.who.teamId } : {}),
        ...(turn.where.kind === 'dm' ? { conversationId: turn.where.id } : {}),
        ...(record.data.platform ? { callPlatform: record.data.platform } : {}),
        open: open.length,
      },
    });
    deps.log.info({ dialog: 'setup', request: REMIND_BEFORE_CALL }, 'reminder set');
    return [{ mode: 'private', prompt: note(t('setup.remind.saved', { when: formatWhen(at) })) }];
  }

  return {
    /** The summary's "Post to a channel" and "Remind me before my next call" buttons. */
    async open(turn: Turn, action: string, value: string): Promise<Reply[]> {
      const checked = await engine.check(turn.who, turn.where, value);
      if (checked.kind !== 'ok') return rt.refused(turn, checked);
      const ctx = await rt.ctx(turn, checked.record);
      const state = engine.token(checked.record);
      if (action === A.remind) {
        if (!rt.options.reminders) return rt.refused(turn, { kind: 'stale', current: checked.record });
        return [{ mode: 'modal', prompt: remindForm(ctx, state) }];
      }
      const known = await rt.channels(turn);
      // No known channel: say how to fix it, privately, and leave the checklist as it is.
      if (!known.length) return [{ mode: 'private', prompt: note(t('setup.post.none')) }];
      return [{ mode: 'modal', prompt: postForm(ctx, known, state) }];
    },

    async submit(turn: Turn, formId: string, values: Record<string, string>, state = ''): Promise<Reply[]> {
      // The forms only read the checklist, so any revision of the same setup will do.
      const checked = await engine.check(turn.who, turn.where, state, { anyRevision: true });
      if (checked.kind !== 'ok') return rt.refused(turn, checked);
      if (formId === SETUP_FORMS.post) return post(turn, checked.record, values, state);
      if (formId === SETUP_FORMS.remind) return remind(turn, checked.record, values, state);
      deps.log.warn({ dialog: 'setup', form: formId }, 'unknown setup form');
      return rt.refused(turn, { kind: 'stale', current: checked.record });
    },
  };
}
