/**
 * Text helpers for the Slack renderer: the neutral markdown subset → Slack mrkdwn, plain text,
 * visible truncation and splitting long text at paragraph / line / word boundaries.
 */
import { cutText, shorten } from '../core/cut-text.js';
import { stripMarkup } from '../core/prompt.js';

const LINK = /\[([^\]]+)\]\(([^)\s]+)\)/g;

/** Escapes the three characters Slack reserves in mrkdwn and plain `text`. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function inline(text: string): string {
  return escapeMrkdwn(text).replace(/\*\*([^*\n]+)\*\*/g, '*$1*');
}

/** `**bold**` → `*bold*`, `_italic_` kept, `[label](url)` → `<url|label>`; &, <, > escaped. */
export function toMrkdwn(md: string): string {
  let out = '';
  let last = 0;
  for (const m of md.matchAll(LINK)) {
    const [whole, label = '', url = ''] = m;
    out += inline(md.slice(last, m.index));
    const safeUrl = url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
    out += `<${safeUrl}|${inline(label).replace(/\|/g, '¦')}>`;
    last = m.index + whole.length;
  }
  return out + inline(md.slice(last));
}

/** Plain text for plain_text objects (headers, buttons, labels): markup removed, nothing escaped. */
export function plain(md: string): string {
  return stripMarkup(md);
}

/** Shortens visibly: at most `max` characters, the last being "…", cut between whole characters (graphemes). */
export const truncate = (text: string, max: number): string => shorten(text, max);

const SEPARATORS = ['\n\n', '\n', ' '];

/**
 * Splits text into chunks of at most `max` characters, preferring paragraph breaks, then line breaks,
 * then spaces; a single word longer than `max` is cut. Joining the chunks with the separators they were
 * split at gives back the text; whitespace-only chunks are dropped.
 */
export function splitText(text: string, max: number): string[] {
  return pack(text, max, SEPARATORS).filter((c) => c.trim() !== '');
}

function pack(text: string, max: number, seps: string[]): string[] {
  if (text.length <= max) return [text];
  const [sep, ...finer] = seps;
  if (sep === undefined) return hardCut(text, max);
  const chunks: string[] = [];
  let current: string | undefined;
  for (const part of text.split(sep)) {
    for (const piece of part.length > max ? pack(part, max, finer) : [part]) {
      if (current === undefined) current = piece;
      else if (current.length + sep.length + piece.length <= max) current += sep + piece;
      else {
        chunks.push(current);
        current = piece;
      }
    }
  }
  if (current !== undefined) chunks.push(current);
  return chunks;
}

function hardCut(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const head = cutText(rest, max) || rest.slice(0, max);
    out.push(head);
    rest = rest.slice(head.length);
  }
  if (rest) out.push(rest);
  return out;
}
