/**
 * The vocabulary's synonym groups as concepts. Wherever a text uses one of a group's words or phrases, it
 * is said to use the group's concept, written as a token (`~3`) that normalised text never contains. The
 * search indexes the tokens beside the words, and a question searches for the token of each group it uses,
 * once: "randoms" then finds an item that says "strangers joining" without also searching for every other
 * word of the group ("someone i dont know" would add "dont" and "know", which match everything).
 */
import type { Language } from './language.js';

/** Marks a concept's token (normalised text never holds it). */
export const CONCEPT_MARK = '~';

interface Member {
  /** Every word stemmed, stop words too ("who is who", "getting in"). */
  match: string[];
  /** The search terms (no stop words); empty for a member of stop words only. */
  terms: string[];
}

/** Where a text uses a concept: the token and the words (by position in the text) it covers. */
export interface ConceptUse {
  token: string;
  start: number;
  /** Exclusive. */
  end: number;
}

export class Concepts {
  /** The members by their first stemmed word, and (for members without stop words) by their first term. */
  private readonly byFirstWord = new Map<string, { token: string; words: string[] }[]>();
  private readonly byFirstTerm = new Map<string, { token: string; words: string[] }[]>();

  constructor(
    private readonly lang: Language,
    groups: string[][],
    split: (text: string) => string[],
  ) {
    const file = (map: Map<string, { token: string; words: string[] }[]>, token: string, words: string[]) => {
      if (words.length === 0) return;
      const list = map.get(words[0]!) ?? [];
      list.push({ token, words });
      map.set(words[0]!, list);
    };
    groups.forEach((group, g) => {
      const token = `${CONCEPT_MARK}${g}`;
      for (const text of group) {
        const m: Member = { match: split(text).map((w) => lang.stem(w)), terms: lang.terms(split(text)) };
        file(this.byFirstWord, token, m.match);
        if (m.terms.length > 0 && m.terms.length === m.match.length) file(this.byFirstTerm, token, m.terms);
      }
    });
  }

  /**
   * Every use of a concept in the words (normalised). A member is used where its words are, stemmed; a
   * member without stop words also where stop words come in between ("share my screen" for "share screen").
   */
  uses(ws: readonly string[]): ConceptUse[] {
    const stemmed = ws.map((w) => this.lang.stem(w));
    // The positions of the words that are not stop words, and their stems.
    const at: number[] = [];
    ws.forEach((w, i) => (this.lang.isStop(w) ? undefined : at.push(i)));
    const terms = at.map((i) => stemmed[i]!);
    const out: ConceptUse[] = [];
    const matches = (seq: string[], i: number, words: string[]) => i + words.length <= seq.length && words.every((w, k) => seq[i + k] === w);
    stemmed.forEach((first, i) => {
      for (const m of this.byFirstWord.get(first) ?? []) if (matches(stemmed, i, m.words)) out.push({ token: m.token, start: i, end: i + m.words.length });
    });
    terms.forEach((first, i) => {
      for (const m of this.byFirstTerm.get(first) ?? []) if (matches(terms, i, m.words)) out.push({ token: m.token, start: at[i]!, end: at[i + m.words.length - 1]! + 1 });
    });
    return out;
  }

  /** The tokens of the concepts the words use, each once. */
  tokens(ws: readonly string[]): string[] {
    return [...new Set(this.uses(ws).map((u) => u.token))];
  }
}
