/**
 * "Remind me before my next call": the timer set by the summary's form (forms.ts) falls due, and the
 * teacher gets one DM with a button back into the setup. Sent once: the delivery key is the timer's key and
 * time, so a tick that runs twice enqueues it once. Reminders saved before the scheduler existed (as a
 * PendingRequest in store.requests, kind `remind-before-call`) are turned into timers at the first tick, so
 * what teachers were promised then is sent too.
 */
import type { Deps } from '../../src/core/deps.js';
import { userKey } from '../../src/core/ports.js';
import { prompt } from '../../src/core/prompt.js';
import type { Address, SchedulePolicy } from '../../src/core/schedule/types.js';
import { REMIND_BEFORE_CALL } from './forms.js';
import { SETUP_ACTIONS as A } from './ids.js';

/** How reminders were saved before the scheduler existed. */
const LEGACY_KIND = 'remind-before-call';

export function beforeCallPolicy(deps: Deps): SchedulePolicy {
  return {
    name: 'setup.before-call',
    async due(ctx) {
      for (const { key, value: r } of await deps.store.requests.query({ index: 'due', from: '' })) {
        if (r.kind !== LEGACY_KIND || !r.dueAt) continue;
        const detail = r.detail;
        await ctx.timers.setOnce({
          key: `${REMIND_BEFORE_CALL}:${String(detail.dialog ?? r.id)}:${String(detail.instance ?? '')}`,
          kind: REMIND_BEFORE_CALL,
          dueAt: new Date(r.dueAt),
          payload: {
            platform: r.platform,
            userId: r.userId,
            ...(typeof detail.callPlatform === 'string' ? { callPlatform: detail.callPlatform } : {}),
            open: Array.isArray(detail.open) ? detail.open.length : 0,
          },
        });
        await deps.store.requests.delete(key);
        deps.log.info({ dialog: 'setup', request: LEGACY_KIND }, 'saved reminder moved to the scheduler');
      }
    },
    timerKinds: [REMIND_BEFORE_CALL],
    async onTimer(timer, ctx) {
      const platform = timer.payload.platform === 'teams' ? 'teams' : 'slack';
      const userId = String(timer.payload.userId ?? '');
      if (!userId) return;
      const known = await deps.store.users.get(userKey(platform, userId));
      const conversationId = typeof timer.payload.conversationId === 'string' ? timer.payload.conversationId : known?.dmConversationId;
      const teamId = typeof timer.payload.teamId === 'string' ? timer.payload.teamId : known?.teamId;
      const to: Address = { platform, userId, ...(conversationId ? { conversationId } : {}), ...(teamId ? { teamId } : {}) };
      const open = Number(timer.payload.open ?? 0);
      const callPlatform = typeof timer.payload.callPlatform === 'string' ? timer.payload.callPlatform : '';
      const t = (k: string, v?: Record<string, string | number>) => deps.strings.t(k, v);
      await ctx.outbox.enqueue([
        {
          key: `${timer.key}:${timer.dueAt}`,
          kind: REMIND_BEFORE_CALL,
          to,
          prompt: prompt([
            { kind: 'heading', text: t('setup.remind.message.heading') },
            { kind: 'text', text: open > 0 ? t('setup.remind.message.open', { count: open }) : t('setup.remind.message.allDone') },
            { kind: 'actions', buttons: [{ action: A.start, label: t('setup.remind.message.button'), value: callPlatform, style: 'primary' }] },
          ]),
        },
      ]);
      deps.log.info({ dialog: 'setup', timer: REMIND_BEFORE_CALL, platform }, 'reminder before a call enqueued');
    },
  };
}
