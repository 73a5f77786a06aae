/**
 * Spelling correction for questions typed in a hurry ("wiating rom", "recrod", "joinng"): a word found
 * nowhere in the content or the vocabulary is replaced by the nearest word that is.
 *
 * - Shorthand first (vocabulary.shorthand: "ppl" → "people", "msgs" → "messages").
 * - Distance is Damerau's: a swap of two neighbouring letters ("recrod") counts as one edit, as do a letter
 *   missing, added or wrong. MiniSearch's SearchableMap finds the candidates within that many plain edits.
 * - How far a word may be corrected depends on its length: short words have many neighbours, so a word of
 *   three or four letters is only corrected when the correction makes a pair of words that appears in the
 *   content ("rom" after "waiting" → "room"), or, for four letters, by a swap; longer words by one edit, and
 *   long ones by two.
 * - Among equally near candidates, one that makes a pair with a neighbour wins, then the most frequent.
 * - Two words typed without the space between them ("screensharing", "waitingroom") are split in two when
 *   both halves are known words, before any correction.
 * No word of any language is written here: the words and pairs come from the content and the vocabulary.
 */
import SearchableMap from 'minisearch/SearchableMap';

/** Shortest word corrected without a neighbouring word to confirm it (by one edit), and by two. */
const ONE_EDIT_MIN = 5;
const TWO_EDITS_MIN = 9;
/** Shortest word corrected at all (with a pair in the content to confirm it). */
const CONFIRMED_MIN = 3;
/** Shortest word corrected by a swap of two neighbouring letters without a pair to confirm it. */
const SWAP_MIN = 4;
/** Shortest half of a word split in two. */
const SPLIT_MIN = 3;

export interface Corrected {
  word: string;
  corrected: boolean;
}

interface Candidate {
  word: string;
  distance: number;
  count: number;
  paired: boolean;
}

export interface SpellerOptions {
  /** Stop words are never corrected, and are skipped when looking for a neighbour. */
  isStop(word: string): boolean;
  /** A word not in the list that is still not a misspelling (another form of a known word). */
  isKnown(word: string): boolean;
  /** Words typed for others ("ppl": "people"); the value may be several words. */
  shorthand?: Readonly<Record<string, string>>;
}

export class Speller {
  private readonly map: SearchableMap<number>;

  /**
   * @param counts every known word and how often it appears
   * @param pairs pairs of neighbouring words in the content ("waiting room"), stop words left out
   */
  constructor(
    counts: Map<string, number>,
    private readonly pairs: Set<string>,
    private readonly opts: SpellerOptions,
  ) {
    this.map = SearchableMap.from(counts);
  }

  has(word: string): boolean {
    return this.map.has(word);
  }

  /** The words with shorthand expanded and misspellings corrected, in order. */
  correct(input: string[]): Corrected[] {
    const shorthand = this.opts.shorthand ?? {};
    const ws: Corrected[] = input.flatMap((word) =>
      Object.hasOwn(shorthand, word) ? shorthand[word]!.split(' ').map((w) => ({ word: w, corrected: false })) : [{ word, corrected: false }],
    );
    for (let i = 0; i < ws.length; i++) {
      const word = ws[i]!.word;
      if (!this.needsCorrecting(word)) continue;
      const halves = this.split(word);
      if (halves) {
        ws.splice(i, 1, ...halves.map((w) => ({ word: w, corrected: true })));
        i += halves.length - 1;
        continue;
      }
      const before = this.neighbour(ws, i, -1);
      const after = this.neighbour(ws, i, 1);
      const best = this.best(word, before, after);
      if (best) ws[i] = { word: best, corrected: true };
    }
    return ws;
  }

  private needsCorrecting(word: string): boolean {
    return word.length >= CONFIRMED_MIN && !/\d/.test(word) && !this.opts.isStop(word) && !this.map.has(word) && !this.opts.isKnown(word);
  }

  /** Two known words (each of SPLIT_MIN letters or more) that make up the word, the longer first half first. */
  private split(word: string): [string, string] | undefined {
    for (let at = word.length - SPLIT_MIN; at >= SPLIT_MIN; at--) {
      const a = word.slice(0, at);
      const b = word.slice(at);
      if (this.isWord(a) && this.isWord(b)) return [a, b];
    }
    return undefined;
  }

  private isWord(w: string): boolean {
    return !this.opts.isStop(w) && (this.map.has(w) || this.opts.isKnown(w));
  }

  /** The nearest word in `direction` that is not a stop word, if it is known. */
  private neighbour(ws: Corrected[], i: number, direction: 1 | -1): string | undefined {
    for (let j = i + direction; j >= 0 && j < ws.length; j += direction) {
      const w = ws[j]!.word;
      if (this.opts.isStop(w)) continue;
      return this.map.has(w) ? w : undefined;
    }
    return undefined;
  }

  private best(word: string, before?: string, after?: string): string | undefined {
    const paired = (c: string) => (before !== undefined && this.pairs.has(`${before} ${c}`)) || (after !== undefined && this.pairs.has(`${c} ${after}`));
    const found = new Map<string, Candidate>();
    const consider = (c: string, distance: number, count: number) => {
      const known = found.get(c);
      if (!known || distance < known.distance) found.set(c, { word: c, distance, count, paired: paired(c) });
    };
    const edits = word.length >= TWO_EDITS_MIN ? 2 : 1;
    for (const [c, [count, distance]] of this.map.fuzzyGet(word, edits)) consider(c, distance, count);
    for (const c of swaps(word)) {
      const count = this.map.get(c);
      if (count !== undefined) consider(c, 1, count);
    }
    const swapped = new Set(swaps(word));
    const allowed = [...found.values()].filter((c) => {
      if (c.paired) return true;
      if (word.length >= ONE_EDIT_MIN) return c.distance === 1 || word.length >= TWO_EDITS_MIN;
      return word.length >= SWAP_MIN && swapped.has(c.word);
    });
    allowed.sort((a, b) => a.distance - b.distance || Number(b.paired) - Number(a.paired) || b.count - a.count);
    return allowed[0]?.word;
  }
}

/** The word with each pair of neighbouring (different) letters swapped. */
function swaps(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < word.length; i++) {
    if (word[i] === word[i + 1]) continue;
    out.push(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
  }
  return out;
}
