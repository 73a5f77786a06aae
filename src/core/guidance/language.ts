/**
 * The language side of the guidance search: normalising text, splitting it into words, stop words and
 * stemming by the vocabulary's suffix rules. Built from the Vocabulary only: no word of any language here.
 */
import type { Vocabulary } from './vocabulary.js';

/** Stems remembered: every word of the content fits; words from questions beyond it are stemmed afresh. */
export const STEM_CACHE_MAX = 20_000;

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

export const words = (text: string): string[] => {
  const n = normalise(text);
  return n ? n.split(' ') : [];
};

/** Index of the first place `phrase` occurs in `seq` at or after `from`, or -1. */
export function findSeq(seq: readonly string[], phrase: readonly string[], from = 0): number {
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
