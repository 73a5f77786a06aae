/**
 * The Slack renderer: neutral Prompt → Block Kit messages, modals and home views. Pure, no I/O.
 * Block-level rendering lives in render-blocks.ts, views and form values in render-views.ts.
 */
import type { KnownBlock } from '@slack/types';
import { plainText, type Prompt } from '../core/prompt.js';
import * as L from './limits.js';
import { makeActionIds, renderBlocks } from './render-blocks.js';
import { escapeMrkdwn, splitText, truncate } from './text.js';

export { decodeActionId } from './render-blocks.js';
export { fitsOpenModal, formErrors, formValuesFromView, renderHome, renderModal } from './render-views.js';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/**
 * A prompt → one or more messages (several when it has more than 50 blocks; nothing is dropped).
 * action_ids are unique across all the messages of one prompt. The prompt's form, if any, is not
 * rendered here: the adapter opens it with renderModal.
 */
export function renderMessage(prompt: Prompt): SlackMessage[] {
  // Slack wants a non-empty `text` beside blocks (notifications, screen readers).
  const fallback = prompt.fallback.trim() || plainText(prompt.blocks).trim() || '…';
  let blocks = renderBlocks(prompt.blocks, makeActionIds());
  if (blocks.length === 0) {
    blocks = splitText(escapeMrkdwn(fallback), L.MAX_SECTION_TEXT).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
  }
  const parts: KnownBlock[][] = [];
  for (let i = 0; i < blocks.length; i += L.MAX_MESSAGE_BLOCKS) parts.push(blocks.slice(i, i + L.MAX_MESSAGE_BLOCKS));
  if (parts.length === 0) parts.push([]);
  return parts.map((part, i) => {
    const suffix = i > 0 ? ` (${i + 1}/${parts.length})` : '';
    return { text: fallbackText(fallback, L.MAX_MESSAGE_TEXT - suffix.length) + suffix, blocks: part };
  });
}

/** The escaped fallback, shortened visibly so that it fits `max` once escaped. */
function fallbackText(fallback: string, max: number): string {
  const raw = truncate(fallback, max);
  const text = escapeMrkdwn(raw);
  return text.length <= max ? text : escapeMrkdwn(truncate(fallback, max - (text.length - raw.length)));
}
