/**
 * The shape of content/<locale>/search.yaml: the language-specific data the guidance search needs
 * (platform names, stop words, suffix rules for stemming, synonym groups, intent triggers).
 * The search code (search.ts) holds no words of any language; everything it matches comes from here.
 *
 * Every word and phrase is compared with *normalised* text: lower case, accents and apostrophes removed,
 * anything else that is not a letter or digit turned into a single space ("Don't zoom-bomb!" → "dont zoom bomb").
 * Patterns are JavaScript regular expressions applied to that normalised text.
 */
import { z } from 'zod';

const phrase = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .regex(/^[a-z0-9]+( [a-z0-9]+)*$/, 'must be lower-case words separated by single spaces (normalised text)');
const word = z.string().regex(/^[a-z0-9]+$/, 'must be one lower-case word (normalised text)');
const pattern = z.string().superRefine((p, ctx) => {
  try {
    new RegExp(p);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
  }
});

export const vocabularySchema = z.strictObject({
  /** Words that name each platform in a question ("google meet", "ms teams"). Longest phrases win. */
  platforms: z.strictObject({
    zoom: z.array(phrase).min(1),
    teams: z.array(phrase).min(1),
    meet: z.array(phrase).min(1),
  }),
  /** Phrases that contain a platform word without naming the platform ("zoom bombing"). */
  notPlatforms: z.array(phrase),
  /**
   * Words typed for others in a hurry, and what they stand for ("ppl": "people", "msgs": "messages"),
   * read before spelling correction.
   */
  shorthand: z.record(word, phrase).default({}),
  /** Words that carry no meaning for search ("how", "do", "my"). */
  stopWords: z.array(word).min(1),
  /** Words so common in questions about class calls that they say little about the topic ("lesson", "call"); they count less. */
  weakWords: z.array(word),
  /**
   * A small suffix stemmer: steps run in order; in each, the first rule whose suffix ends the word applies,
   * provided at least minStem letters remain.
   */
  stemming: z.strictObject({
    minStem: z.number().int().min(2),
    /** Words left as they are from the step where they appear (words that only look inflected: "news", "class"). */
    keep: z.array(word),
    /** Words the rules would get wrong, with their stem ("meetings": meeting, not meet). */
    exceptions: z.record(word, word),
    steps: z.array(z.array(z.strictObject({ suffix: word, replace: z.string().regex(/^[a-z]*$/) })).min(1)).min(1),
  }),
  /** Groups of words and phrases meaning the same thing; a question using one also searches for the others. */
  synonyms: z.array(z.array(phrase).min(2)),
  intents: z.strictObject({
    /** Asking for the whole job ("how do I secure my class call"). */
    setup: z.strictObject({
      /** Any of these in the text means setup. */
      phrases: z.array(phrase),
      patterns: z.array(pattern),
      /** Or: the question uses only these words (besides stop words and platform names), with at least one action and one object. */
      actions: z.array(phrase).min(1),
      objects: z.array(phrase).min(1),
      fillers: z.array(phrase),
    }),
    /** Something bad happening right now. */
    emergency: z.strictObject({
      /** Always an emergency ("right now"). */
      now: z.array(pattern).min(1),
      /** An emergency unless one of `unless` matches too (a hypothetical or a past event). */
      signs: z.array(pattern).min(1),
      unless: z.array(pattern),
    }),
    /** Asking what the bot can do. */
    help: z.strictObject({
      /** The whole message, normalised, is one of these. */
      exact: z.array(phrase).min(1),
      patterns: z.array(pattern),
    }),
  }),
});

export type Vocabulary = z.infer<typeof vocabularySchema>;
export type Intent = 'setup' | 'emergency' | 'help';
