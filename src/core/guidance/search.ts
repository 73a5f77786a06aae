/**
 * Full-text search over the guidance items, for questions in a teacher's own words
 * ("how do i stop kids messaging each other on zoom", "wating room in teams").
 *
 * MiniSearch does the indexing and BM25 ranking (field boosts, prefix and fuzzy matching). Around it:
 * - text is normalised and split into words, stop words dropped and words stemmed by the rules in the
 *   vocabulary (content/<locale>/search.yaml), the same way for the items and for the question;
 * - a misspelt word that appears nowhere in the content is corrected to the nearest word that does
 *   (edit distance 1, or 2 for long words) before stemming;
 * - platform names are taken out of the question (they appear in every item's steps and would swamp the
 *   ranking) and reported as the detected platform;
 * - a word or phrase from a synonym group also searches, with less weight, for the rest of its group.
 * No word of any language is written here: all of it comes from the Vocabulary.
 */
import MiniSearch, { type SearchResult as MiniResult } from 'minisearch';
import SearchableMap from 'minisearch/SearchableMap';
import { CALL_PLATFORMS, type CallPlatform, type Guidance, type GuidanceItem } from './schema.js';
import { cutText } from '../cut-text.js';
import type { Intent, Vocabulary } from './vocabulary.js';

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
  /** The teacher's platform when known; takes precedence over a platform named in the question. */
  platform?: CallPlatform;
  /** Most hits to return (default 10). */
  limit?: number;
}

/** How much each field counts. Synonyms are the words teachers use; steps are long and generic. */
const FIELD_BOOST = { title: 3, synonyms: 3, measure: 1.5, why: 1, steps: 0.35 } as const;
/** Weight of a term the teacher did not type but that a synonym group added. */
const SYNONYM_WEIGHT = 0.45;
/** Weight of a weak word (vocabulary.weakWords), typed or added. */
const WEAK_WEIGHT = 0.3;
/** Weight of a word corrected from a misspelling. */
const CORRECTED_WEIGHT = 0.9;
const FUZZY_WEIGHT = 0.3;
/** Shortest term matched by prefix, and fuzzily (one edit) by MiniSearch. */
const PREFIX_MIN = 4;
const FUZZY_MIN = 6;
const PREFIX_WEIGHT = 0.3;
/** Shortest word to correct with one edit, and with two. */
const CORRECT_MIN = 5;
const CORRECT_TWO_EDITS_MIN = 9;

/**
 * The most of a message that is read as a question. Teachers ask in a sentence or two; a pasted page or a
 * flood of words must not cost more than this (spelling correction of every word of a 250 KB message
 * blocked the event loop, and /healthz with it, for seconds).
 */
export const MAX_QUESTION_CHARS = 2000;
export const MAX_QUESTION_WORDS = 60;
/** Stems remembered: every word of the content fits; words from questions beyond it are stemmed afresh. */
export const STEM_CACHE_MAX = 20_000;

const FIELDS = Object.keys(FIELD_BOOST) as (keyof typeof FIELD_BOOST)[];
type Doc = { id: string } & Record<(typeof FIELDS)[number], string>;

/** Lower case, no accents or apostrophes, every other non-letter/digit a space, single spaces, trimmed. */
export function normalise(text: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = /^[\x00-\x7f]*$/.test(text) ? text : text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return plain
    .toLowerCase()
    .replace(/['’‘`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const words = (text: string): string[] => {
  const n = normalise(text);
  return n ? n.split(' ') : [];
};

/** The words of a message that are read as the question (see MAX_QUESTION_WORDS). */
const questionWords = (text: string): string[] => words(cutText(text, MAX_QUESTION_CHARS)).slice(0, MAX_QUESTION_WORDS);

/** Index of the first place `phrase` occurs in `seq` at or after `from`, or -1. */
function findSeq(seq: readonly string[], phrase: readonly string[], from = 0): number {
  if (phrase.length === 0) return -1;
  outer: for (let i = from; i + phrase.length <= seq.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (seq[i + j] !== phrase[j]) continue outer;
    return i;
  }
  return -1;
}

/** The language side of the search: stop words, stemming, phrases. Built from the Vocabulary only. */
export class Language {
  private readonly stops: Set<string>;
  private readonly keep: Set<string>;
  private readonly stemCache = new Map<string, string>();

  constructor(readonly vocabulary: Vocabulary) {
    this.stops = new Set(vocabulary.stopWords);
    this.keep = new Set(vocabulary.stemming.keep);
  }

  /** How many stems are cached (bounded by STEM_CACHE_MAX). */
  get cachedStems(): number {
    return this.stemCache.size;
  }

  private remember(word: string, stem: string): string {
    if (this.stemCache.size < STEM_CACHE_MAX) this.stemCache.set(word, stem);
    return stem;
  }

  isStop(word: string): boolean {
    return this.stops.has(word);
  }

  /** The stem of one normalised word, by the vocabulary's suffix rules. */
  stem(word: string): string {
    const cached = this.stemCache.get(word);
    if (cached !== undefined) return cached;
    const { minStem, steps, exceptions } = this.vocabulary.stemming;
    let w = word;
    if (Object.hasOwn(exceptions, word)) return this.remember(word, exceptions[word]!);
    for (const rules of steps) {
      if (this.keep.has(w)) break;
      for (const { suffix, replace } of rules) {
        if (w.endsWith(suffix)) {
          if (w.length - suffix.length + replace.length >= minStem) w = w.slice(0, w.length - suffix.length) + replace;
          break;
        }
      }
    }
    return this.remember(word, w);
  }

  /** Words of the text without stop words, stemmed. */
  terms(text: string | string[]): string[] {
    const ws = typeof text === 'string' ? words(text) : text;
    return ws.filter((w) => !this.stops.has(w)).map((w) => this.stem(w));
  }
}

interface SynonymMember {
  match: string[];
  terms: string[];
}

interface Span {
  start: number;
  end: number;
}

export class GuidanceSearch {
  readonly lang: Language;
  private readonly index: MiniSearch<Doc>;
  private readonly items: Map<string, GuidanceItem>;
  /** Every word of the content and the vocabulary, with how often it appears, for spelling correction. */
  private readonly dictionary: SearchableMap<number>;
  /** Every term in the index: a term a synonym adds that is not in it is not searched for. */
  private readonly indexed: Set<string>;
  /** Platform names, longest first, as word sequences. */
  private readonly platformNames: { platform: CallPlatform; words: string[] }[];
  private readonly notPlatformNames: string[][];
  /**
   * Each synonym group's members: `match`, every word stemmed (stop words too, so "get in" or "who is who"
   * can be recognised), and `terms`, the member's search terms (without stop words; may be empty).
   */
  private readonly synonymGroups: SynonymMember[][];
  private readonly setupWords: { actions: string[][]; objects: string[][]; fillers: string[][]; phrases: string[][] };
  private readonly patterns: Record<'setupPatterns' | 'now' | 'signs' | 'unless' | 'help', RegExp[]>;
  private readonly helpExact: Set<string>;
  /** Stems of the weak words. */
  private readonly weak: Set<string>;

  constructor(guidance: Guidance, readonly vocabulary: Vocabulary) {
    const lang = (this.lang = new Language(vocabulary));
    this.items = new Map(guidance.items.map((i) => [i.id, i]));

    const measureText = new Map(guidance.measures.map((m) => [m.id, m.measure]));
    // Fields are normalised once here, so the index only splits them on spaces.
    const docs: Doc[] = guidance.items.map((item) => ({
      id: item.id,
      title: normalise(item.title),
      synonyms: normalise(item.synonyms.join(' ; ')),
      measure: normalise(item.measures.map((m) => measureText.get(m) ?? '').join(' ; ')),
      why: normalise(item.why),
      steps: normalise(
        CALL_PLATFORMS.flatMap((p) => {
          const s = item.platforms[p];
          return [s.where ?? '', ...s.steps, s.alternative ?? ''];
        }).join(' ; '),
      ),
    }));

    this.index = new MiniSearch<Doc>({
      fields: [...FIELDS],
      idField: 'id',
      tokenize: (text) => (text ? text.split(' ') : []),
      processTerm: (term) => (lang.isStop(term) ? null : lang.stem(term)),
    });
    this.index.addAll(docs);

    const counts = new Map<string, number>();
    const countWords = (ws: string[]) => ws.forEach((w) => counts.set(w, (counts.get(w) ?? 0) + 1));
    for (const d of docs) for (const f of FIELDS) if (d[f]) countWords(d[f].split(' '));
    this.indexed = new Set([...counts.keys()].filter((w) => !lang.isStop(w)).map((w) => lang.stem(w)));
    const count = (text: string) => countWords(words(text));
    const v = vocabulary;
    [
      ...Object.values(v.platforms).flat(),
      ...v.synonyms.flat(),
      ...v.intents.setup.actions,
      ...v.intents.setup.objects,
      ...v.intents.setup.fillers,
    ].forEach(count);
    this.dictionary = SearchableMap.from(counts);

    this.platformNames = CALL_PLATFORMS.flatMap((platform) => v.platforms[platform].map((n) => ({ platform, words: words(n) }))).sort(
      (a, b) => b.words.length - a.words.length,
    );
    this.notPlatformNames = v.notPlatforms.map(words);
    this.synonymGroups = v.synonyms.map((group) => group.map((m) => ({ match: words(m).map((w) => lang.stem(w)), terms: lang.terms(m) })));
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

  /** The platform the text names (the first one named), if any. */
  detectPlatform(text: string): CallPlatform | undefined {
    return this.findPlatforms(this.correct(questionWords(text)).map((c) => c.word)).platform;
  }

  search(question: string, options: SearchOptions = {}): SearchResult {
    const corrected = this.correct(questionWords(question));
    const raw = corrected.map((c) => c.word);
    const { platform: named, spans } = this.findPlatforms(raw);
    const platform = options.platform ?? named;

    // The question's own terms (platform names removed), then what the synonym groups add.
    const weights = new Map<string, number>();
    const add = (term: string, w: number) => weights.set(term, Math.max(weights.get(term) ?? 0, this.weak.has(term) ? Math.min(w, WEAK_WEIGHT) : w));
    /** Terms the teacher typed: only these are matched by prefix and fuzzily (added synonyms are exact). */
    const own = new Set<string>();
    corrected.forEach((c, i) => {
      if (spans.some((s) => i >= s.start && i < s.end) || this.lang.isStop(c.word)) return;
      const term = this.lang.stem(c.word);
      own.add(term);
      add(term, c.corrected ? CORRECTED_WEIGHT : 1);
    });
    // A member is in the question when its words are, stemmed ("who is who", "getting in"); a member
    // without stop words also when the question has stop words in between ("share my screen", "share screen").
    const stemmed = raw.map((w) => this.lang.stem(w));
    const allTerms = this.lang.terms(raw);
    const found = (m: SynonymMember) => findSeq(stemmed, m.match) >= 0 || (m.terms.length === m.match.length && findSeq(allTerms, m.terms) >= 0);
    for (const group of this.synonymGroups) {
      if (!group.some(found)) continue;
      for (const { terms: ts } of group) for (const t of ts) if (this.indexed.has(t)) add(t, SYNONYM_WEIGHT / ts.length);
    }
    if (weights.size === 0) return { platform, hits: [] };

    const terms = [...weights.keys()];
    const results: MiniResult[] = this.index.search(terms.join(' '), {
      tokenize: (s) => s.split(' '),
      processTerm: (t) => t,
      boost: FIELD_BOOST,
      boostTerm: (t) => weights.get(t) ?? 1,
      prefix: (t) => own.has(t) && t.length >= PREFIX_MIN,
      fuzzy: (t) => (own.has(t) && t.length >= FUZZY_MIN ? 1 : false),
      weights: { fuzzy: FUZZY_WEIGHT, prefix: PREFIX_WEIGHT },
      combineWith: 'OR',
    });
    const hits = results
      .slice(0, options.limit ?? 10)
      .map((r) => ({ item: this.items.get(r.id as string)!, score: Math.round(r.score * 1000) / 1000 }));
    return { platform, hits };
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

  /** Replaces words found nowhere in the content or vocabulary by the nearest word that is. */
  private correct(ws: string[]): { word: string; corrected: boolean }[] {
    return ws.map((word) => {
      if (word.length < CORRECT_MIN || this.dictionary.has(word) || this.lang.isStop(word) || /\d/.test(word)) return { word, corrected: false };
      const found = this.dictionary.fuzzyGet(word, word.length >= CORRECT_TWO_EDITS_MIN ? 2 : 1);
      let best: { word: string; distance: number; count: number } | undefined;
      for (const [candidate, [count, distance]] of found) {
        if (!best || distance < best.distance || (distance === best.distance && count > best.count)) best = { word: candidate, distance, count };
      }
      return best ? { word: best.word, corrected: true } : { word, corrected: false };
    });
  }
}
