/**
 * Cutting text a person typed to fit a limit (the alert's 600-character narrative, Slack's and Teams'
 * field limits, a button's value). A cut falls between graphemes, the characters people see (Intl.Segmenter):
 * an emoji, a flag or a family of joined emoji is kept whole or left out, never split into a lone surrogate
 * (which Slack shows as a broken glyph) or half a sequence. Limits count UTF-16 code units, as JavaScript's
 * `length` and the platforms' limits do, so a cut never exceeds one.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The longest start of `text` of at most `max` code units that ends between two graphemes. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { index, segment } of segmenter.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  // One grapheme longer than the whole limit (a letter under hundreds of accents): cut it between code points.
  if (end === 0 && max > 0) end = max - (/[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? 1 : 0);
  return text.slice(0, end);
}

/** Shortens visibly: at most `max` code units, the last being `mark` ("…"), cut between graphemes. */
export function shorten(text: string, max: number, mark = '…'): string {
  if (text.length <= max) return text;
  return `${cutText(text, Math.max(0, max - mark.length)).trimEnd()}${mark}`;
}
