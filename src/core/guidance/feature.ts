/**
 * The guide feature: answers questions from the guidance search and handles the `guide.*` buttons
 * (next match, platform chosen, pick my platform, all topics, one topic). A chosen platform is remembered
 * in the person's prefs and used when a later question names none.
 */
import type { Reply, Turn } from '../conversation.js';
import type { Deps, Feature } from '../deps.js';
import { upsertUser } from '../people.js';
import { userKey } from '../ports.js';
import type { Prompt } from '../prompt.js';
import type { CallPlatform } from './schema.js';
import type { GuidanceSearch } from './search.js';
import { answerPrompt, decodeState, topicPrompt, topicsPrompt, type AnswerContext } from './answer.js';
import { GUIDE_ACTIONS, GUIDE_PREFIX } from './ids.js';

/** How many matches "Next match" pages through at most. */
export const MAX_MATCHES = 5;

export type GuideFeature = Feature & { answer(turn: Turn, question: string): Promise<Reply[]> };

/** Ids owned by other features that the answers' buttons use. */
export interface GuideLinks {
  /** Starts the guided setup ("Secure my whole call"). */
  setupStart: string;
}

export function guideFeature(deps: Deps, search: GuidanceSearch, links: GuideLinks): GuideFeature {
  const ctx: AnswerContext = { strings: deps.strings, guidance: deps.guidance, setupStart: links.setupStart };
  const keyOf = (turn: Turn) => userKey(turn.who.platform, turn.who.id);
  const update = (prompt: Prompt): Reply => ({ mode: 'update', prompt });

  async function rememberedPlatform(turn: Turn): Promise<CallPlatform | undefined> {
    return (await deps.store.users.get(keyOf(turn)))?.prefs?.callPlatform;
  }

  async function rememberPlatform(turn: Turn, platform: CallPlatform): Promise<void> {
    await upsertUser(deps.store, turn.who, deps.clock.now(), { change: (u) => ({ ...u, prefs: { ...u.prefs, callPlatform: platform } }) });
  }

  /**
   * The search again, for a button: ranked as the first answer was (by the question alone, so the pages keep
   * their order), shown for the platform the button carries.
   */
  function answerAgain(question: string, page: number, platform: CallPlatform | undefined, lead?: string): Prompt {
    const result = { ...search.search(question, { limit: MAX_MATCHES }), platform };
    return answerPrompt(ctx, result, question, page, lead);
  }

  return {
    prefix: GUIDE_PREFIX,

    async answer(turn, question) {
      // Ranked by the question alone (a platform it names counts), so "Next match" pages in the same order
      // whatever platform is shown; the remembered platform only decides which steps are shown.
      const found = search.search(question, { limit: MAX_MATCHES });
      const platform = found.platform ?? (await rememberedPlatform(turn));
      return [{ mode: 'post', prompt: answerPrompt(ctx, { ...found, platform }, question, 0) }];
    },

    async onAction(turn, action, value) {
      switch (action) {
        case GUIDE_ACTIONS.topics:
          return [update(topicsPrompt(ctx))];
        case GUIDE_ACTIONS.show: {
          const item = deps.guidance.byId.get(value);
          if (!item) return [update(topicsPrompt(ctx, deps.strings.t('guide.unknownTopic')))];
          return [update(topicPrompt(ctx, item, await rememberedPlatform(turn)))];
        }
        case GUIDE_ACTIONS.more:
        case GUIDE_ACTIONS.platform:
        case GUIDE_ACTIONS.pick: {
          const state = decodeState(value);
          if (!state) return [update(topicsPrompt(ctx, deps.strings.t('guide.stale')))];
          let platform = action === GUIDE_ACTIONS.pick ? undefined : state.pf;
          let lead: string | undefined;
          if (action === GUIDE_ACTIONS.platform) {
            if (!state.pf) return [update(topicsPrompt(ctx, deps.strings.t('guide.stale')))];
            await rememberPlatform(turn, state.pf);
            platform = state.pf;
            lead = deps.strings.t('guide.platformSaved', { platform: deps.strings.t(`guide.platformName.${state.pf}`) });
          }
          if (state.id !== undefined) {
            const item = deps.guidance.byId.get(state.id);
            if (!item) return [update(topicsPrompt(ctx, deps.strings.t('guide.unknownTopic')))];
            return [update(topicPrompt(ctx, item, platform, lead))];
          }
          return [update(answerAgain(state.q, state.p, platform, lead))];
        }
        default:
          return [update(topicsPrompt(ctx, deps.strings.t('guide.stale')))];
      }
    },
  };
}
