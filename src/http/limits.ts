/**
 * Work bounds shared by both platforms' edges. A question is a sentence or two; a message far longer than
 * that is not a question, and searching it word by word would hold the event loop (and every other
 * request) for seconds, so it is answered with a clear note instead of a search.
 */
import { prompt, type Prompt } from '../core/prompt.js';
import type { Strings } from '../core/strings.js';

export const MAX_QUESTION_CHARS = 2000;

export const isTooLong = (text: string) => text.length > MAX_QUESTION_CHARS;

export function tooLongPrompt(strings: Strings, length: number): Prompt {
  return prompt([{ kind: 'text', text: strings.t('help.tooLong', { length, limit: MAX_QUESTION_CHARS }) }]);
}
