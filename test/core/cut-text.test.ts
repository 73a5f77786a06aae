/** Cutting typed text to a limit: between graphemes, never over the limit, never a lone surrogate. */
import fc from 'fast-check';
import { cutText, shorten } from '../../src/core/cut-text.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const graphemes = (s: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

test.each([
  ['short text is kept', 'hello', 10, 'hello'],
  ['an emoji across the limit is left out', 'ab😀c', 3, 'ab'],
  ['an emoji that fits is kept', 'ab😀c', 4, 'ab😀'],
  ['a flag is not split into one regional letter', 'a🇬🇧', 4, 'a'],
  ['a family is not split at a joiner', 'x👩‍👩‍👧y', 5, 'x'],
  ['an accent stays with its letter', 'cafe\u0301s', 4, 'caf'],
  ['one grapheme longer than the limit is cut between code points', `a${'\u0301'.repeat(10)}`, 4, `a${'\u0301'.repeat(3)}`],
  ['a limit of zero gives nothing', 'abc', 0, ''],
])('cutText: %s', (_name, text, max, cut) => {
  expect(cutText(text, max)).toBe(cut);
});

test('shorten ends with "…" inside the limit', () => {
  expect(shorten('a'.repeat(598) + '😀zzz', 600)).toBe(`${'a'.repeat(598)}…`);
  expect(shorten('short', 600)).toBe('short');
});

test('any text, any limit: within the limit, a start of the text, whole graphemes where one fits, no lone surrogate', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(60), (text, max) => {
      const cut = cutText(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(text.startsWith(cut)).toBe(true);
      expect(LONE_SURROGATE.test(cut)).toBe(false);
      const first = graphemes(text)[0] ?? '';
      if (first.length <= max) expect(graphemes(text).slice(0, graphemes(cut).length).join('')).toBe(cut);
    }),
  );
});
