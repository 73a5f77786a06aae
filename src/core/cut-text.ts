/**
 * Cutting text a person typed to fit a limit (the alert's 600-character narrative, Slack's and Teams'
 * field limits, a button's value). A cut falls between graphemes, the characters people see (Intl.Segmenter):
 * an emoji, a flag or a family of joined emoji is kept whole or left out, never split into a lone surrogate
 * (which Slack shows as a broken glyph) or half a sequence. Limits count UTF-16 code units, as JavaScript's
 * `length` and the platforms' limits do, so a cut never exceeds one.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const printable = (c: number) => c >= 0x20 && c < 0x7f;
/** Code units read past the limit, for the few boundaries that depend on what follows. */
const LOOKAHEAD = 64;

/** The longest start of `text` of at most `max` code units that ends between two graphemes. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Between two printable ASCII characters there is always a boundary (none of them joins, extends or
  // prepends): most text is cut there without segmenting anything.
  if (max > 0 && printable(text.charCodeAt(max - 1)) && printable(text.charCodeAt(max))) return text.slice(0, max);
  // The grapheme the limit falls in is found from the limit itself (`containing`), not by walking every
  // grapheme from the start: cutting a long text into Slack's 3,000-character pieces walked each piece (the
  // render property test went from 2 s to 290 s). Only the part up to the limit and a margin after it is
  // segmented: without the margin, ICU's boundaries just before the end of the slice could differ from the
  // whole text's (the cut-text property test found one in a run of Kaithi letters); with it they are the same.
  let end = segmenter.segment(text.slice(0, max + LOOKAHEAD)).containing(max)?.index ?? max;
  // One grapheme longer than the whole limit (a letter under hundreds of accents): cut it between code points.
  if (end === 0 && max > 0) end = max - (/[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? 1 : 0);
  return text.slice(0, end);
}

/** Shortens visibly: at most `max` code units, the last being `mark` ("…"), cut between graphemes. */
export function shorten(text: string, max: number, mark = '…'): string {
  if (text.length <= max) return text;
  return `${cutText(text, Math.max(0, max - mark.length)).trimEnd()}${mark}`;
}
