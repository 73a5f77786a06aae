/**
 * A teacher's walk through the whole setup, pressing buttons as a teacher in a hurry would: from the
 * message "how do I secure my class call" to the finished checklist, Done on every card and the list for
 * IT passed on in one tap. Counts the presses and the words read, and says which core measures were met.
 * Shared by test/dialogs/secure-call.presses.test.ts (asserts the targets) and bench/setup-presses.ts (prints them).
 * Runs the real bot (buildBot) over an in-memory store: the same routing a chat message gets.
 */
import { buildBot } from '../../src/app.js';
import type { Person, Place, Reply } from '../../src/core/conversation.js';
import { memoryStore } from '../../src/core/memory.js';
import { plainText, type Button, type Prompt } from '../../src/core/prompt.js';
import type { Clock, Store } from '../../src/core/ports.js';
import type { CallKind, CallPlatform } from '../../src/core/guidance/schema.js';
import { loadContent, type Content } from '../../src/content/load.js';
import { SETUP_ACTIONS as A } from '../../dialogs/secure-call/ids.js';
import { CORE_MEASURES, isSettled, parseSetup, planIds, type SetupState } from '../../dialogs/secure-call/dialog.js';
import { decodeToken } from '../../src/core/dialog/engine.js';

export const FIRST_QUESTION = 'how do I secure my class call';

/** Reading speed and time per change, for the time estimate (a typical adult reads 200–250 words a minute). */
export const WORDS_PER_MINUTE = 200;
export const SECONDS_PER_SETTING = 20;
export const SECONDS_PER_PRESS = 2;

export interface WalkResult {
  platform: CallPlatform;
  kind: CallKind;
  presses: number;
  cards: number;
  words: number;
  /** Estimated minutes: reading, changing each setting, pressing. */
  minutes: number;
  /** Core measures neither done nor passed to IT in this walk or an earlier one. */
  unmet: string[];
  state: SetupState;
  /** Every prompt shown on the way. */
  shown: Prompt[];
}

let content: Content | undefined;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

export interface Walker {
  store: Store;
  walk(platform: CallPlatform, kind?: CallKind): Promise<WalkResult>;
}

/** One teacher on one platform; walk twice for a returning teacher (the store remembers the first walk). */
export function walker(opts: { who?: Person; where?: Place; itContact?: { slack?: string; name?: string }; clock?: Clock } = {}): Walker {
  content ??= loadContent();
  const clock = opts.clock ?? { now: () => new Date('2026-11-23T09:00:00Z') };
  const store = memoryStore(clock);
  const { bot } = buildBot({ store, clock, log: quiet, school: { name: 'Hillside Primary', timezone: 'Europe/London', itContact: opts.itContact }, content });
  const who: Person = opts.who ?? { platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1' };
  const where: Place = opts.where ?? { platform: 'slack', id: 'D-KHAN', kind: 'dm', teamId: 'T1' };
  const everSeen = new Set<string>();

  async function walk(platform: CallPlatform, kind: CallKind = 'class'): Promise<WalkResult> {
    const shown: Prompt[] = [];
    let screen: Prompt | undefined;
    const take = (replies: Reply[]) => {
      for (const r of replies) {
        shown.push(r.prompt);
        if (r.mode === 'update' || (r.mode === 'post' && !r.to)) screen = r.prompt;
      }
    };
    const turn = (input: Parameters<typeof bot.handle>[0]['input']) => ({ who, where, input, at: clock.now() });
    take(await bot.handle(turn({ kind: 'message', text: FIRST_QUESTION })));
    let presses = 0;
    for (let guard = 0; guard < 60; guard++) {
      if (!screen) throw new Error('nothing on screen');
      const buttons = screen.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons : []));
      const pick = choose(buttons, platform, kind);
      if (!pick) break;
      presses++;
      take(await bot.handle(turn({ kind: 'action', action: pick.action, value: pick.value ?? '' })));
    }
    const raw = (await store.dialogs.list()).find((d) => d.key.endsWith(`:${where.id}:${who.id}`));
    const state = parseSetup((raw?.state as { data?: unknown } | undefined)?.data);
    if (!state || state.stage !== 'summary') throw new Error(`the walk on ${platform} did not reach the checklist`);
    const toIt = new Set(state.plan.filter((c) => c.admin).flatMap((c) => c.ids));
    // Met: set by the teacher, acknowledged for when the call opens, or passed to IT (sent or copied), now or in an earlier walk.
    for (const id of planIds(state.plan)) if (isSettled(state.answers[id])) everSeen.add(id);
    const unmet = CORE_MEASURES.filter((id) => !isSettled(state.answers[id]) && !everSeen.has(id));
    const words = shown.reduce((n, p) => n + plainText(p.blocks).split(/\s+/).filter(Boolean).length, 0);
    const settings = planIds(state.plan).filter((id) => state.answers[id] === 'done' && !toIt.has(id) && content!.guidance.byId.get(id)?.platforms[platform].support !== 'none').length;
    const seconds = (words / WORDS_PER_MINUTE) * 60 + settings * SECONDS_PER_SETTING + presses * SECONDS_PER_PRESS;
    return { platform, kind, presses, cards: state.plan.length, words, minutes: seconds / 60, unmet, state, shown };
  }

  return { store, walk };
}

/** The button a teacher presses next, or undefined when the checklist is on screen. */
function choose(buttons: Button[], platform: CallPlatform, kind: CallKind): Button | undefined {
  const arg = (b: Button) => decodeToken(b.value ?? '')?.arg ?? '';
  const by = (action: string, a?: string) => buttons.find((b) => b.action === action && (a === undefined || arg(b) === a));
  if (by(A.startAgain) && !by(A.done) && !by(A.copyForIt)) {
    // The checklist, or the offer to carry on a paused walk (not expected in these walks).
    return by(A.carryOn) && !by(A.copy) ? by(A.carryOn) : undefined;
  }
  return by(A.platform, platform) ?? by(A.kind, kind) ?? by(A.sendToIt) ?? by(A.copyForIt) ?? by(A.done) ?? by(A.carryOn);
}
