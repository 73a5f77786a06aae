/**
 * The chat answer to a question, as a neutral Prompt: pure functions of the content, the strings and a
 * search result. The best match shows its title, why it matters (with the source), the steps for the
 * teacher's platform (or all three briefly, with buttons to pick one), what to do if the setting can't be
 * found, the alternative where the platform can't do it, and a note where no vendor source confirms it.
 * All wording comes from content/<locale>/strings/guide.yaml.
 */
import type { Deps } from '../deps.js';
import { prompt, type Block, type Button, type Prompt } from '../prompt.js';
import { cutText, shorten } from '../cut-text.js';
import { CALL_PLATFORMS, PHASES, type CallPlatform, type Guidance, type GuidanceItem } from './schema.js';
import type { SearchHit, SearchResult } from './search.js';
import { GUIDE_ACTIONS } from './ids.js';

export type AnswerContext = Pick<Deps, 'strings' | 'guidance'> & {
  /** The guided setup's start action, owned by the setup feature and passed in by the composition root. Value: a platform or empty. */
  setupStart: string;
};

/**
 * A hit scoring below this is not a good match. Scores (search.ts) are the BM25 evidence of the words matched
 * times the share of the question's known words matched, so they do not grow with the question's length.
 * Chosen on the tuning questions (docs/search.md): the lowest right answers to real questions, one word
 * included ("lobby", "pasword"), score about 12 or more; off-topic questions mostly score under 8. One sharing
 * a single word with an item scores low too when the question qualifies that word otherwise ("where is the
 * staff room": not the waiting room), and an item matching only words found in most items is no hit at all
 * (search.ts); one sharing a specific word can still pass ("how many weeks till half term": the term-end
 * item). test/core/guidance/answer.test.ts checks both sides.
 */
export const MIN_SCORE = 8;

/** Button values stay well under the platforms' limits (Slack 2000 characters). */
export const MAX_VALUE_LENGTH = 1900;

/**
 * What a "Next match" or platform button carries: the question, the page and the platform; or, for a
 * topic shown from the topic list, the item id (`id`) instead of a question.
 */
export interface AnswerState {
  q: string;
  p: number;
  pf?: CallPlatform;
  id?: string;
}

export function encodeState(state: AnswerState): string {
  let q = state.q;
  for (;;) {
    const value = JSON.stringify({ q, p: state.p, ...(state.pf ? { pf: state.pf } : {}), ...(state.id ? { id: state.id } : {}) });
    if (value.length <= MAX_VALUE_LENGTH) return value;
    q = cutText(q, Math.max(0, q.length - (value.length - MAX_VALUE_LENGTH) - 1));
  }
}

/** The state in a button value, or undefined when it is not one (an old or tampered button). */
export function decodeState(value: string): AnswerState | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const { q, p, pf, id } = v as Record<string, unknown>;
  if (typeof q !== 'string' || typeof p !== 'number' || !Number.isInteger(p) || p < 0) return undefined;
  if (pf !== undefined && !CALL_PLATFORMS.includes(pf as CallPlatform)) return undefined;
  if (id !== undefined && typeof id !== 'string') return undefined;
  return { q, p, ...(pf ? { pf: pf as CallPlatform } : {}), ...(id ? { id } : {}) };
}

/** The hits worth showing: those at or above MIN_SCORE. */
export function goodHits(result: SearchResult): SearchHit[] {
  return result.hits.filter((h) => h.score >= MIN_SCORE);
}

const g = (ctx: AnswerContext, key: string, vars?: Record<string, string | number>) => ctx.strings.t(`guide.${key}`, vars);
/** The teacher's question as shown back: without markup characters, and not too long. */
const QUOTE_MAX = 200;
export const quote = (question: string) => {
  const plain = question.replace(/[_*`[\]]/g, '').replace(/\s+/g, ' ').trim();
  return shorten(plain, QUOTE_MAX);
};
const platformName = (ctx: AnswerContext, p: CallPlatform) => g(ctx, `platformName.${p}`);

/**
 * The answer to a question: the match on `page` (0 = best) of the good hits, or the no-match prompt.
 * `platform` is the teacher's platform if known; without it the three platforms are shown briefly.
 */
export function answerPrompt(ctx: AnswerContext, result: SearchResult, question: string, page = 0, lead?: string): Prompt {
  const hits = goodHits(result);
  if (hits.length === 0) return noMatchPrompt(ctx, question);
  const at = Math.min(Math.max(0, page), hits.length - 1);
  const item = hits[at]!.item;
  const state: AnswerState = { q: question, p: at, ...(result.platform ? { pf: result.platform } : {}) };

  const blocks: Block[] = lead ? [{ kind: 'text', text: lead }] : [];
  if (hits.length > 1) blocks.push({ kind: 'note', text: g(ctx, 'match', { n: at + 1, total: hits.length, question: quote(question) }) });
  blocks.push(...itemBlocks(ctx, item, result.platform));
  if (result.platform === undefined) blocks.push(...platformChoice(ctx, item, state));
  if (at === hits.length - 1 && hits.length > 1) blocks.push({ kind: 'note', text: g(ctx, 'lastMatch', { question: quote(question) }) });

  const buttons: Button[] = [];
  if (at + 1 < hits.length) buttons.push({ action: GUIDE_ACTIONS.more, label: g(ctx, 'buttons.more'), value: encodeState({ ...state, p: at + 1 }) });
  buttons.push(setupButton(ctx, result.platform));
  if (result.platform !== undefined) buttons.push({ action: GUIDE_ACTIONS.pick, label: g(ctx, 'buttons.pick'), value: encodeState(state) });
  blocks.push({ kind: 'actions', buttons });
  return prompt(blocks);
}

/** One topic on its own (from the topic list): no paging. */
export function topicPrompt(ctx: AnswerContext, item: GuidanceItem, platform?: CallPlatform, lead?: string): Prompt {
  const blocks: Block[] = [...(lead ? [{ kind: 'text' as const, text: lead }] : []), ...itemBlocks(ctx, item, platform)];
  const state: AnswerState = { q: '', p: 0, id: item.id, ...(platform ? { pf: platform } : {}) };
  if (platform === undefined) blocks.push(...platformChoice(ctx, item, state));
  const buttons: Button[] = [setupButton(ctx, platform)];
  if (platform !== undefined) buttons.push({ action: GUIDE_ACTIONS.pick, label: g(ctx, 'buttons.pick'), value: encodeState(state) });
  buttons.push({ action: GUIDE_ACTIONS.topics, label: g(ctx, 'buttons.topics') });
  blocks.push({ kind: 'actions', buttons });
  return prompt(blocks);
}

export function noMatchPrompt(ctx: AnswerContext, question: string): Prompt {
  return prompt([
    { kind: 'heading', text: g(ctx, 'noMatch.heading') },
    { kind: 'text', text: g(ctx, 'noMatch.text', { question: quote(question) }) },
    {
      kind: 'actions',
      buttons: [setupButton(ctx, undefined), { action: GUIDE_ACTIONS.topics, label: g(ctx, 'buttons.topics') }],
    },
  ]);
}

/** Every item, grouped by phase in the order of a call; each group a menu that shows one topic. */
export function topicsPrompt(ctx: AnswerContext, lead?: string): Prompt {
  const blocks: Block[] = [];
  if (lead) blocks.push({ kind: 'text', text: lead });
  blocks.push({ kind: 'heading', text: g(ctx, 'topics.heading') }, { kind: 'text', text: g(ctx, 'topics.lead') });
  for (const [phase, items] of topicsByPhase(ctx.guidance)) {
    // Each topic once, and one kind of control for all of them: a menu per phase.
    blocks.push({ kind: 'choice', action: GUIDE_ACTIONS.show, label: g(ctx, `topics.phase.${phase}`), options: items.map((i) => ({ value: i.id, label: i.shortTitle ?? i.title })) });
  }
  blocks.push({ kind: 'actions', buttons: [setupButton(ctx, undefined)] });
  // Clients without cards (and notifications) still get the list, once, as text.
  const fallback = [g(ctx, 'topics.heading'), ...topicsByPhase(ctx.guidance).flatMap(([phase, items]) => ['', g(ctx, `topics.phase.${phase}`), ...items.map((i) => `- ${i.title}`)])].join('\n');
  return prompt(blocks, lead ? `${lead}\n${fallback}` : fallback);
}

/** The items by phase, phases in call order, empty phases left out. */
export function topicsByPhase(guidance: Guidance): [string, GuidanceItem[]][] {
  return PHASES.map((phase) => [phase, guidance.items.filter((i) => i.phase === phase)] as [string, GuidanceItem[]]).filter(
    ([, items]) => items.length > 0,
  );
}

function setupButton(ctx: AnswerContext, platform: CallPlatform | undefined): Button {
  return { action: ctx.setupStart, label: g(ctx, 'buttons.setup'), value: platform ?? '', style: 'primary' };
}

function itemBlocks(ctx: AnswerContext, item: GuidanceItem, platform: CallPlatform | undefined): Block[] {
  // Each source document by its one name (strings/sources.yaml), each source once.
  const list = [...new Set(item.sources.map((s) => g(ctx, 'sourceItem', { doc: documentName(ctx, s.doc), part: s.part })))];
  const blocks: Block[] = [
    { kind: 'heading', text: item.title },
    { kind: 'text', text: item.why },
    { kind: 'note', text: g(ctx, list.length > 1 ? 'sources' : 'source', { sources: list.join('; ') }) },
  ];
  if (platform) blocks.push(...platformBlocks(ctx, item, platform));
  return blocks;
}

/** A source document's one name (content/<locale>/strings/sources.yaml), the same in every message. */
export function documentName(ctx: Pick<AnswerContext, 'strings'>, doc: string): string {
  return ctx.strings.has(`sources.${doc}`) ? ctx.strings.t(`sources.${doc}`) : doc;
}

/** The full steps for one platform. */
function platformBlocks(ctx: AnswerContext, item: GuidanceItem, platform: CallPlatform): Block[] {
  const s = item.platforms[platform];
  const name = platformName(ctx, platform);
  const blocks: Block[] = [{ kind: 'text', text: g(ctx, 'onPlatform', { platform: name }) }];
  if (s.support !== 'full') blocks.push({ kind: 'text', text: g(ctx, `support.${s.support}`, { platform: name }) });
  if (s.where) blocks.push({ kind: 'note', text: g(ctx, 'where', { where: s.where }) });
  if (s.steps.length) blocks.push({ kind: 'steps', ordered: true, items: s.steps });
  if (s.support !== 'full' && s.alternative) blocks.push({ kind: 'text', text: g(ctx, 'instead', { text: s.alternative }) });
  blocks.push({ kind: 'text', text: g(ctx, 'ifNotFound', { text: s.ifNotFound }) });
  if (s.unconfirmed) blocks.push({ kind: 'note', text: g(ctx, 'unconfirmed', { platform: name }) });
  return blocks;
}

/** The three platforms in a line each, then buttons to pick one. */
function platformChoice(ctx: AnswerContext, item: GuidanceItem, state: AnswerState): Block[] {
  return [
    { kind: 'text', text: g(ctx, 'choosePlatform') },
    { kind: 'facts', facts: CALL_PLATFORMS.map((p) => ({ label: platformName(ctx, p), value: brief(ctx, item, p) })) },
    {
      kind: 'actions',
      buttons: CALL_PLATFORMS.map((p) => ({ action: GUIDE_ACTIONS.platform, label: platformName(ctx, p), value: encodeState({ ...state, pf: p }) })),
    },
  ];
}

/** One line for a platform: where the setting is, or that it can't do it and what to do instead. */
function brief(ctx: AnswerContext, item: GuidanceItem, platform: CallPlatform): string {
  const s = item.platforms[platform];
  const where = s.where ?? s.steps[0] ?? '';
  const text =
    s.support === 'full'
      ? where
      : s.support === 'partial'
        ? g(ctx, 'support.partialShort', { where })
        : g(ctx, 'support.noneShort', { text: s.alternative ?? '' });
  return s.unconfirmed ? g(ctx, 'unconfirmedShort', { text, platform: platformName(ctx, platform) }) : text;
}
