/**
 * Full-text search over the guidance items, for questions in a teacher's own words
 * ("how do i stop kids messaging each other on zoom", "wating room in teams").
 *
 * MiniSearch does the indexing and BM25 ranking (field boosts, prefix and fuzzy matching). Around it:
 * - text is normalised and split into words, stop words dropped and words stemmed by the rules in the
 *   vocabulary (content/<locale>/search.yaml), the same way for the items and for the question;
 * - shorthand is expanded and a misspelt word that appears nowhere in the content is corrected to the
 *   nearest word that does, before stemming (spelling.ts: how far depends on the word's length);
 * - platform names are taken out of the question (they appear in every item's steps and would swamp the
 *   ranking) and reported as the detected platform; the steps and the setting's place ("where") of that
 *   platform then count for more than the other platforms', so "turn off the chat in teams" is ranked by
 *   what Teams has;
 * - each synonym group is a concept: wherever the content uses one of its words or phrases, the field also
 *   holds the group's token (~3), and a question using any of them searches for that token, once. So
 *   "randoms" finds "strangers joining" without also searching for every other word of the group.
 * No word of any language is written here: all of it comes from the Vocabulary.
 */
import MiniSearch, { type SearchResult as MiniResult } from 'minisearch';
import { CALL_PLATFORMS, type CallPlatform, type Guidance, type GuidanceItem } from './schema.js';
import { cutText } from '../cut-text.js';
import type { Intent, Vocabulary } from './vocabulary.js';
import { Speller, type Corrected } from './spelling.js';
import { Concepts, CONCEPT_MARK, type ConceptUse } from './concepts.js';
import { findSeq, Language, normalise, words } from './language.js';

export interface SearchHit {
  item: GuidanceItem;
  score: number;
}

export interface SearchResult {
  /** The platform passed in, or else the one the question names. */
  platform?: CallPlatform;
  /** Best first. */
  hits: SearchHit[];
}

export interface SearchOptions {
  /**
   * The platform to rank for and report; takes precedence over a platform named in the question. A caller
   * that pages through the matches of one question should leave it out, so the order depends on the
   * question alone (the guide feature shows the teacher's remembered platform without ranking by it).
   */
  platform?: CallPlatform;
  /** Most hits to return (default 10). */
  limit?: number;
}

/** How much each field counts. Synonyms are the words teachers use; steps are long and generic. */
const FIELD_BOOST = { title: 3, synonyms: 3, measure: 1.5, why: 1 } as const;
/**
 * Each platform's setting place (`where`) and steps, when the question names no platform, and when it
 * names one: that platform's, and the other two's.
 */
const PLATFORM_BOOST = {
  none: { where: 0.35, steps: 0.35 },
  named: { where: 1, steps: 0.6 },
  other: { where: 0.05, steps: 0.05 },
} as const;
/** Weight of a synonym group's token, searched when the question uses one of the group's words or phrases. */
const CONCEPT_WEIGHT = 0.6;
/** Weight of a weak word (vocabulary.weakWords), typed or added. */
const WEAK_WEIGHT = 0.3;
/** Weight of a word corrected from a misspelling. */
const CORRECTED_WEIGHT = 0.9;
const FUZZY_WEIGHT = 0.3;
/** Shortest term matched by prefix, and fuzzily (one edit) by MiniSearch. */
const PREFIX_MIN = 4;
const FUZZY_MIN = 6;
const PREFIX_WEIGHT = 0.3;
/** How much each two neighbouring words of the question found together in a phrase of the item add (×). */
const PAIR_BONUS = 1;
/**
 * Weight of a word that the question and every phrase of the item holding it qualify differently: "staff
 * room" where the item only says "waiting room", "day off" where it only says "sign off" (see modifiedOtherwise).
 */
const OTHERWISE_WEIGHT = 0.25;
/**
 * A word found in more than this share of the items is generic: BM25's classic IDF for it is zero or less, so
 * it says nothing about which item is meant ("off", "ask", "call"). A hit matching generic words only is not
 * a match.
 */
const GENERIC_SHARE = 0.5;

/**
 * The most of a message that is read as a question. Teachers ask in a sentence or two; a pasted page or a
 * flood of words must not cost more than this (spelling correction of every word of a 250 KB message
 * blocked the event loop, and /healthz with it, for seconds).
 */
export const MAX_QUESTION_CHARS = 2000;
export const MAX_QUESTION_WORDS = 60;

type PlatformField = `${'where' | 'steps'}_${CallPlatform}`;
const PLATFORM_FIELDS = CALL_PLATFORMS.flatMap((p): PlatformField[] => [`where_${p}`, `steps_${p}`]);
const FIELDS = [...(Object.keys(FIELD_BOOST) as (keyof typeof FIELD_BOOST)[]), ...PLATFORM_FIELDS];
type Field = (typeof FIELDS)[number];
type Doc = { id: string } & Record<Field, string>;

/** The field boosts for a question about `platform` (or none). */
function boosts(platform: CallPlatform | undefined): Record<Field, number> {
  const out = { ...FIELD_BOOST } as Record<Field, number>;
  for (const p of CALL_PLATFORMS) {
    const b = platform === undefined ? PLATFORM_BOOST.none : p === platform ? PLATFORM_BOOST.named : PLATFORM_BOOST.other;
    out[`where_${p}`] = b.where;
    out[`steps_${p}`] = b.steps;
  }
  return out;
}

/** The words of a message that are read as the question (see MAX_QUESTION_WORDS). */
const questionWords = (text: string): string[] => words(cutText(text, MAX_QUESTION_CHARS)).slice(0, MAX_QUESTION_WORDS);

interface Span {
  start: number;
  end: number;
}

/** A word of the question that counts: not a stop word, not a platform's name. */
interface Unit {
  /** Position in the (corrected) words. */
  at: number;
  term: string;
  weight: number;
  /** The term and the tokens of the concepts that cover the word. */
  senses: Set<string>;
}

/**
 * A phrase of an item in the teacher's words (its title, a synonym), as its words that count, in order: each
 * word's senses, and whether it comes straight after the previous one (no stop word between: "waiting room",
 * "sign off", not "lock the room").
 */
type Phrase = { senses: Set<string>; joined: boolean }[];

export class GuidanceSearch {
  readonly lang: Language;
  private readonly index: MiniSearch<Doc>;
  private readonly items: Map<string, GuidanceItem>;
  private readonly concepts: Concepts;
  /** Spelling correction over every word of the content and the vocabulary. */
  private readonly speller: Speller;
  /** Every term and concept token in the index: a concept no item uses is not searched for. */
  private readonly indexed = new Set<string>();
  /** Each item's phrases, for the bonus of two words of the question together in one of them. */
  private readonly phrases = new Map<string, Phrase[]>();
  /** Platform names, longest first, as word sequences. */
  private readonly platformNames: { platform: CallPlatform; words: string[] }[];
  private readonly notPlatformNames: string[][];
  private readonly setupWords: { actions: string[][]; objects: string[][]; fillers: string[][]; phrases: string[][] };
  private readonly patterns: Record<'setupPatterns' | 'now' | 'signs' | 'unless' | 'help', RegExp[]>;
  private readonly helpExact: Set<string>;
  /** Stems of the weak words. */
  private readonly weak: Set<string>;

  constructor(guidance: Guidance, readonly vocabulary: Vocabulary) {
    const lang = (this.lang = new Language(vocabulary));
    const v = vocabulary;
    this.items = new Map(guidance.items.map((i) => [i.id, i]));
    this.concepts = new Concepts(lang, v.synonyms, words);

    const measureText = new Map(guidance.measures.map((m) => [m.id, m.measure]));
    // Each field as its parts, normalised: a phrase or sentence each, so a synonym group's phrase is
    // recognised within a part and not across two.
    const texts = guidance.items.map((item) => {
      const parts: Record<Field, string[]> = {
        title: [item.title],
        synonyms: item.synonyms,
        measure: item.measures.map((m) => measureText.get(m) ?? ''),
        why: [item.why],
        ...(Object.fromEntries(
          CALL_PLATFORMS.flatMap((p) => {
            const s = item.platforms[p];
            return [
              [`where_${p}`, [s.where ?? '']],
              [`steps_${p}`, [...s.steps, s.alternative ?? '']],
            ];
          }),
        ) as Record<PlatformField, string[]>),
      };
      const normalised = Object.fromEntries(Object.entries(parts).map(([f, ps]) => [f, ps.map(normalise).filter(Boolean)])) as Record<Field, string[]>;
      return { item, parts: normalised };
    });
    const docs: Doc[] = texts.map(({ item, parts }) => {
      const doc = { id: item.id } as Doc;
      const phrases: Phrase[] = [];
      for (const f of FIELDS) {
        const tokens = new Set<string>();
        for (const part of parts[f]) {
          const ws = part.split(' ');
          const uses = this.concepts.uses(ws);
          uses.forEach((u) => tokens.add(u.token));
          for (const t of lang.terms(ws)) this.indexed.add(t);
          if (f === 'title' || f === 'synonyms') phrases.push(this.senses(ws, undefined, uses).map((u, k, all) => ({ senses: u.senses, joined: k > 0 && all[k - 1]!.at === u.at - 1 })));
        }
        tokens.forEach((t) => this.indexed.add(t));
        doc[f] = [...parts[f], ...tokens].join(' ');
      }
      this.phrases.set(item.id, phrases);
      return doc;
    });

    this.index = new MiniSearch<Doc>({
      fields: [...FIELDS],
      idField: 'id',
      tokenize: (text) => (text ? text.split(' ') : []),
      processTerm: (term) => (term.startsWith(CONCEPT_MARK) ? term : lang.isStop(term) ? null : lang.stem(term)),
    });
    this.index.addAll(docs);

    // The speller's words: the content's and the vocabulary's; its pairs: neighbours in the content.
    const counts = new Map<string, number>();
    const pairs = new Set<string>();
    const learn = (ws: string[]) => {
      ws.forEach((w) => counts.set(w, (counts.get(w) ?? 0) + 1));
      const meaningful = ws.filter((w) => !lang.isStop(w));
      for (let i = 0; i + 1 < meaningful.length; i++) pairs.add(`${meaningful[i]} ${meaningful[i + 1]}`);
    };
    for (const { parts } of texts) for (const f of FIELDS) for (const part of parts[f]) learn(part.split(' '));
    [
      ...Object.values(v.platforms).flat(),
      ...v.synonyms.flat(),
      ...Object.values(v.shorthand),
      ...v.intents.setup.actions,
      ...v.intents.setup.objects,
      ...v.intents.setup.fillers,
    ].forEach((text) => learn(words(text)));
    const stems = new Set([...counts.keys()].map((w) => lang.stem(w)));
    this.speller = new Speller(counts, pairs, {
      isStop: (w) => lang.isStop(w),
      // A known word's other form ("looking" where the content has "look") is not a misspelling.
      isKnown: (w) => stems.has(lang.stem(w)),
      shorthand: v.shorthand,
    });

    this.platformNames = CALL_PLATFORMS.flatMap((platform) => v.platforms[platform].map((n) => ({ platform, words: words(n) }))).sort(
      (a, b) => b.words.length - a.words.length,
    );
    this.notPlatformNames = v.notPlatforms.map(words);
    const phrases = (list: string[]) => list.map((p) => lang.terms(p)).filter((t) => t.length > 0);
    this.setupWords = {
      actions: phrases(v.intents.setup.actions),
      objects: phrases(v.intents.setup.objects),
      fillers: phrases(v.intents.setup.fillers),
      phrases: v.intents.setup.phrases.map(words),
    };
    const re = (list: string[]) => list.map((p) => new RegExp(p));
    this.patterns = {
      setupPatterns: re(v.intents.setup.patterns),
      now: re(v.intents.emergency.now),
      signs: re(v.intents.emergency.signs),
      unless: re(v.intents.emergency.unless),
      help: re(v.intents.help.patterns),
    };
    this.helpExact = new Set(v.intents.help.exact);
    this.weak = new Set(lang.terms(v.weakWords));
  }

  /** The words that count (not stop words, not in `skip`), each with its term and the concepts covering it. */
  private senses(ws: readonly string[], skip: (i: number) => boolean = () => false, uses: ConceptUse[] = this.concepts.uses(ws)): { at: number; term: string; senses: Set<string> }[] {
    const out: { at: number; term: string; senses: Set<string> }[] = [];
    ws.forEach((w, i) => {
      if (skip(i) || this.lang.isStop(w)) return;
      const term = this.lang.stem(w);
      out.push({ at: i, term, senses: new Set([term, ...uses.filter((u) => u.start <= i && i < u.end).map((u) => u.token)]) });
    });
    return out;
  }

  /** The platform the text names (the first one named), if any. */
  detectPlatform(text: string): CallPlatform | undefined {
    return this.findPlatforms(this.correct(questionWords(text)).map((c) => c.word)).platform;
  }

  /**
   * The items for a question, best first. Each word the teacher typed that counts (not a stop word, not a
   * platform's name) is a unit; its senses are its term and the concepts (synonym groups) covering it. An
   * item's score is:
   * - the sum over units of the unit's weight times its best sense's BM25 score for the item (MiniSearch,
   *   field boosts by platform; a concept counts for less than the word itself, so a word and its synonym
   *   are not counted twice);
   * - times the share of the question's known words the item matches (a word the content never uses says
   *   nothing for or against any item), so covering more of what was asked wins;
   * - times a bonus for each two neighbouring words found together in one of the item's phrases (its title
   *   or a synonym): "turn off the chat" favours "Turn off sending files in the chat", and "randoms
   *   joining" favours "strangers joining".
   * A word the question qualifies otherwise than the item does counts for little ("staff room" is not a
   * waiting room: modifiedOtherwise), and an item matching only generic words (found in more than half the
   * items: "off", "ask") is not a hit at all.
   */
  search(question: string, options: SearchOptions = {}): SearchResult {
    const corrected = this.correct(questionWords(question));
    const raw = corrected.map((c) => c.word);
    const { platform: named, spans } = this.findPlatforms(raw);
    const platform = options.platform ?? named;
    const { units, uses } = this.units(corrected, spans);
    if (units.length === 0) return { platform, hits: [] };

    const bySense = this.searchSenses(units, platform);
    const ids = new Set([...bySense.values()].flatMap((m) => [...m.keys()]));
    const known = units.filter((u) => [...u.senses].some((s) => (bySense.get(s)?.size ?? 0) > 0));
    const total = known.reduce((sum, u) => sum + u.weight, 0);
    const generic = (sense: string) => (bySense.get(sense)?.size ?? 0) > GENERIC_SHARE * this.items.size;
    const ranked = [...ids].flatMap((id) => {
      const phrases = this.phrases.get(id) ?? [];
      let sum = 0;
      let covered = 0;
      let specific = false;
      for (const u of units) {
        // A concept weighs less than the word itself, unless the word is nowhere in the content: then the
        // concept is the only way it reaches an item ("randoms", "lost").
        const conceptWeight = this.indexed.has(u.term) && !u.term.startsWith(CONCEPT_MARK) ? CONCEPT_WEIGHT : 1;
        let best = 0;
        let bestSense = '';
        for (const s of u.senses) {
          const score = (bySense.get(s)?.get(id) ?? 0) * (s === u.term ? 1 : conceptWeight);
          if (score > best) [best, bestSense] = [score, s];
        }
        if (best === 0) continue;
        if (!generic(bestSense)) specific = true;
        sum += u.weight * best * (this.modifiedOtherwise(u, units, phrases) ? OTHERWISE_WEIGHT : 1);
        covered += u.weight;
      }
      if (!specific) return [];
      const together = this.together(units, uses, phrases);
      return [{ id, score: sum * (covered / total) * (1 + PAIR_BONUS * together) }];
    });
    ranked.sort((a, b) => b.score - a.score);
    const hits = ranked
      .slice(0, options.limit ?? 10)
      .map((r) => ({ item: this.items.get(r.id)!, score: Math.round(r.score * 1000) / 1000 }));
    return { platform, hits };
  }

  /**
   * Whether the question says `u` straight after a word that the item never puts before it, where the item
   * has `u` straight after another word: "staff room" for an item whose phrases say "waiting room", "day off"
   * for one that says "sign off". They are different things, so the match counts for little. Only when:
   * - `u` ends the pair in the question (a word that counts straight after it makes `u` the qualifier, not
   *   the thing: "room key");
   * - the word before it counts and is not weak ("class link" is still a link);
   * - no phrase of the item has `u` alone, or straight after that same word or a synonym of it.
   */
  private modifiedOtherwise(u: Unit, units: Unit[], phrases: Phrase[]): boolean {
    const before = units.find((x) => x.at === u.at - 1);
    if (!before || this.weak.has(before.term) || units.some((x) => x.at === u.at + 1)) return false;
    const meets = (x: Set<string>, y: Set<string>) => [...x].some((s) => y.has(s));
    let otherwise = false;
    for (const p of phrases) {
      for (let k = 0; k < p.length; k++) {
        if (!meets(u.senses, p[k]!.senses)) continue;
        if (p.length === 1 || (k > 0 && meets(before.senses, p[k - 1]!.senses))) return false;
        if (p[k]!.joined) otherwise = true;
      }
    }
    return otherwise;
  }

  /** The question's units (see search) in order, and the concepts it uses outside platform names. */
  private units(corrected: Corrected[], spans: Span[]): { units: Unit[]; uses: ConceptUse[] } {
    const raw = corrected.map((c) => c.word);
    const inPlatformName = (i: number) => spans.some((s) => i >= s.start && i < s.end);
    const uses = this.concepts.uses(raw).filter((u) => this.indexed.has(u.token) && !spans.some((s) => u.start < s.end && s.start < u.end));
    const units: Unit[] = this.senses(raw, inPlatformName, uses).map((u) => ({
      ...u,
      senses: new Set([...u.senses].filter((s) => s === u.term || this.indexed.has(s))),
      weight: this.weak.has(u.term) ? WEAK_WEIGHT : corrected[u.at]!.corrected ? CORRECTED_WEIGHT : 1,
    }));
    // A concept's phrase of stop words only ("let in", "who is who") counts as a word of its own.
    for (const use of uses) {
      if (units.some((u) => use.start <= u.at && u.at < use.end)) continue;
      units.push({ at: use.start, term: use.token, weight: 1, senses: new Set([use.token]) });
    }
    return { units: units.sort((a, b) => a.at - b.at), uses };
  }

  /**
   * Each sense searched on its own (so a word counts by its best sense for an item): item id → BM25 score.
   * Only what the teacher typed is matched by prefix and fuzzily; a concept's token only exactly.
   */
  private searchSenses(units: Unit[], platform: CallPlatform | undefined): Map<string, Map<string, number>> {
    const boost = boosts(platform);
    const bySense = new Map<string, Map<string, number>>();
    for (const sense of new Set(units.flatMap((u) => [...u.senses]))) {
      const typed = !sense.startsWith(CONCEPT_MARK);
      const results: MiniResult[] = this.index.search(sense, {
        tokenize: (t) => [t],
        processTerm: (t) => t,
        boost,
        prefix: typed && sense.length >= PREFIX_MIN,
        fuzzy: typed && sense.length >= FUZZY_MIN ? 1 : false,
        weights: { fuzzy: FUZZY_WEIGHT, prefix: PREFIX_WEIGHT },
      });
      bySense.set(sense, new Map(results.map((r) => [r.id as string, r.score])));
    }
    return bySense;
  }

  /**
   * How many neighbouring pairs of the question's words come together in one of the phrases, weighted: the
   * two words next to each other in the phrase, or both part of one concept's phrase ("talking over") whose
   * concept the phrase uses. A concept's phrase of several words around one word that counts ("do with the
   * information") is such a pair too.
   */
  private together(units: Unit[], uses: ConceptUse[], phrases: Phrase[]): number {
    const meets = (x: Set<string>, y: Set<string>) => [...x].some((s) => y.has(s));
    const inPhrase = (token: string) => phrases.some((p) => p.some((w) => w.senses.has(token)));
    let sum = 0;
    const counted = new Set<string>();
    for (const use of uses) {
      const covered = units.filter((u) => use.start <= u.at && u.at < use.end);
      if (use.end - use.start < 2 || covered.length !== 1 || counted.has(use.token) || !inPhrase(use.token)) continue;
      counted.add(use.token);
      sum += covered[0]!.weight;
    }
    for (let i = 0; i + 1 < units.length; i++) {
      const a = units[i]!;
      const b = units[i + 1]!;
      const shared = [...a.senses].filter((s) => s.startsWith(CONCEPT_MARK) && b.senses.has(s));
      const found = phrases.some((p) =>
        p.some(({ senses: s }, k) => (k + 1 < p.length && meets(a.senses, s) && meets(b.senses, p[k + 1]!.senses)) || shared.some((c) => s.has(c))),
      );
      if (found) sum += (a.weight + b.weight) / 2;
    }
    return sum;
  }

  /**
   * - 'emergency': something is going wrong in a call right now;
   * - 'setup': asking for the whole job (securing a class call), not one setting;
   * - 'help': asking what the bot can do.
   */
  detectIntent(text: string): Intent | null {
    const n = questionWords(text).join(' ');
    if (!n) return null;
    const p = this.patterns;
    if (p.now.some((r) => r.test(n))) return 'emergency';
    if (p.signs.some((r) => r.test(n)) && !p.unless.some((r) => r.test(n))) return 'emergency';

    const ws = n.split(' ');
    if (this.setupWords.phrases.some((ph) => findSeq(ws, ph) >= 0) || p.setupPatterns.some((r) => r.test(n))) return 'setup';
    if (this.isWholeJob(ws)) return 'setup';

    if (this.helpExact.has(n) || p.help.some((r) => r.test(n))) return 'help';
    return null;
  }

  /**
   * Every word is a setup action, object or filler (a platform name counts as an object), with at least one
   * action and one object: "make my zoom lesson safe", not "make my waiting room safe".
   */
  private isWholeJob(ws: string[]): boolean {
    const { platform, spans } = this.findPlatforms(ws);
    // Numbers ("year 9", "3B") say which class, not what to do.
    const rest = ws.filter((w, i) => !/\d/.test(w) && !spans.some((s) => i >= s.start && i < s.end));
    const terms = this.lang.terms(rest);
    let actions = 0;
    let objects = platform ? 1 : 0;
    const { actions: A, objects: O, fillers: F } = this.setupWords;
    const kinds = [...A.map((ph) => ({ ph, kind: 'a' })), ...O.map((ph) => ({ ph, kind: 'o' })), ...F.map((ph) => ({ ph, kind: 'f' }))].sort(
      (a, b) => b.ph.length - a.ph.length,
    );
    let i = 0;
    while (i < terms.length) {
      const m = kinds.find((k) => findSeq(terms.slice(i, i + k.ph.length), k.ph) === 0);
      if (!m) return false;
      if (m.kind === 'a') actions++;
      if (m.kind === 'o') objects++;
      i += m.ph.length;
    }
    return actions > 0 && objects > 0;
  }

  /** Where the text names platforms (not counting phrases like "zoom bombing"), and the first one named. */
  private findPlatforms(ws: string[]): { platform?: CallPlatform; spans: Span[] } {
    const taken = new Array<boolean>(ws.length).fill(false);
    for (const np of this.notPlatformNames) {
      for (let at = findSeq(ws, np); at >= 0; at = findSeq(ws, np, at + 1)) for (let k = 0; k < np.length; k++) taken[at + k] = true;
    }
    const spans: (Span & { platform: CallPlatform })[] = [];
    for (let i = 0; i < ws.length; i++) {
      if (taken[i]) continue;
      const hit = this.platformNames.find((n) => n.words.every((w, k) => ws[i + k] === w && !taken[i + k]));
      if (!hit) continue;
      spans.push({ start: i, end: i + hit.words.length, platform: hit.platform });
      i += hit.words.length - 1;
    }
    return { platform: spans[0]?.platform, spans };
  }

  /** Shorthand expanded, and words found nowhere in the content or vocabulary replaced by the nearest that is. */
  private correct(ws: string[]): Corrected[] {
    return this.speller.correct(ws);
  }
}
