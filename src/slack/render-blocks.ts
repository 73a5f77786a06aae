/**
 * Neutral blocks → Block Kit blocks, within Slack's limits (see limits.ts). Pure. Long text is split
 * across several blocks rather than cut; only headings, button texts and option texts are shortened
 * (visibly, with "…"). Values the app controls (button values, URLs, option values, ids) throw when
 * over a limit: that is a programming error, not something to hide.
 */
import type {
  ActionsBlock,
  ActionsBlockElement,
  Button as SlackButton,
  ContextBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextOption,
  SectionBlock,
} from '@slack/types';
import type { Block, Button, ChecklistState, Option } from '../core/prompt.js';
import * as L from './limits.js';
import { plain, splitText, toMrkdwn, truncate } from './text.js';

const SUFFIX = /~\d+$/;

/** The Button `action` (or choice action) an action_id was made from: strips the `~2`, `~3`… suffix. */
export function decodeActionId(actionId: string): string {
  return actionId.replace(SUFFIX, '');
}

/** Hands out unique action_ids: `action`, then `action~2`, `action~3`… */
export type ActionIds = (action: string) => string;

export function makeActionIds(reserved: string[] = []): ActionIds {
  const used = new Set(reserved);
  return (action) => {
    if (action === '' || SUFFIX.test(action)) throw new Error(`Slack render: action "${action}" must be non-empty and must not end in ~<digits>`);
    let id = action;
    for (let n = 2; used.has(id); n++) id = `${action}~${n}`;
    if (id.length > L.MAX_ACTION_ID) throw new Error(`Slack render: action_id "${id.slice(0, 40)}…" is over ${L.MAX_ACTION_ID} characters`);
    used.add(id);
    return id;
  };
}

const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });
export const plainText = (text: string, max: number) => ({ type: 'plain_text' as const, text: truncate(plain(text), max), emoji: true });

/** Sections holding already-converted mrkdwn, split under the section limit. */
function sections(md: string): SectionBlock[] {
  return splitText(md, L.MAX_SECTION_TEXT).map((text) => ({ type: 'section', text: mrkdwn(text) }));
}

function contexts(md: string): ContextBlock[] {
  return splitText(md, L.MAX_CONTEXT_TEXT).map((text) => ({ type: 'context', elements: [mrkdwn(text)] }));
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const CHECK: Record<ChecklistState, string> = { done: '✅', skipped: '⏭️', open: '⬜' };

function facts(list: { label: string; value: string }[]): SectionBlock[] {
  const out: SectionBlock[] = [];
  let fields: MrkdwnElement[] = [];
  const flush = () => {
    if (fields.length) out.push({ type: 'section', fields });
    fields = [];
  };
  for (const f of list) {
    const text = `*${toMrkdwn(plain(f.label))}*\n${toMrkdwn(f.value)}`;
    if (text.length > L.MAX_SECTION_FIELD_TEXT) {
      // Too long for a field: shown as its own section(s) so nothing is lost.
      flush();
      out.push(...sections(text));
      continue;
    }
    fields.push(mrkdwn(text));
    if (fields.length === L.MAX_SECTION_FIELDS) flush();
  }
  flush();
  return out;
}

function button(b: Button, ids: ActionIds): SlackButton {
  const el: SlackButton = { type: 'button', action_id: ids(b.action), text: plainText(b.label, L.MAX_BUTTON_TEXT) };
  if (b.value !== undefined) {
    if (b.value.length > L.MAX_BUTTON_VALUE) throw new Error(`Slack render: value of button "${b.action}" is ${b.value.length} characters (max ${L.MAX_BUTTON_VALUE})`);
    el.value = b.value;
  }
  if (b.url !== undefined) {
    if (b.url.length > L.MAX_BUTTON_URL) throw new Error(`Slack render: url of button "${b.action}" is over ${L.MAX_BUTTON_URL} characters`);
    el.url = b.url;
  }
  if (b.style) el.style = b.style;
  return el;
}

function option(o: Option): PlainTextOption {
  if (o.value.length > L.MAX_OPTION_VALUE) throw new Error(`Slack render: option value "${o.value.slice(0, 40)}…" is over ${L.MAX_OPTION_VALUE} characters`);
  return { text: plainText(o.label, L.MAX_OPTION_TEXT), value: o.value };
}

/** `options`, or `option_groups` of ≤ 100 when there are more, plus the initial option(s) that match. */
export function selectOptions(list: Option[], initial: string[] = []) {
  const all = list.map(option);
  const chosen = all.filter((o) => o.value !== undefined && initial.includes(o.value));
  if (all.length <= L.MAX_SELECT_OPTIONS) return { options: all, chosen };
  const groups = chunk(all, L.MAX_SELECT_OPTIONS);
  if (groups.length > L.MAX_OPTION_GROUPS) throw new Error(`Slack render: ${all.length} options is more than a menu can hold`);
  const option_groups = groups.map((g, i) => ({
    label: plainText(`${i * L.MAX_SELECT_OPTIONS + 1}–${i * L.MAX_SELECT_OPTIONS + g.length}`, L.MAX_OPTION_GROUP_LABEL),
    options: g,
  }));
  return { option_groups, chosen };
}

function actions(elements: ActionsBlockElement[]): ActionsBlock[] {
  return chunk(elements, L.MAX_ACTIONS_ELEMENTS).map((els) => ({ type: 'actions', elements: els }));
}

/** One neutral block → one or more Slack blocks. Empty text renders nothing. */
export function renderBlock(b: Block, ids: ActionIds): KnownBlock[] {
  switch (b.kind) {
    case 'heading': {
      const text = plain(b.text).trim();
      return text ? [{ type: 'header', text: plainText(text, L.MAX_HEADER_TEXT) }] : [];
    }
    case 'text':
      return sections(toMrkdwn(b.text));
    case 'note':
      return contexts(toMrkdwn(b.text));
    case 'steps':
      return sections(b.items.map((s, i) => `${b.ordered === false ? '•' : `${i + 1}.`} ${toMrkdwn(s)}`).join('\n'));
    case 'progress':
      // Shown once: the label already says "Step 3 of 12", so no dots or count beside it.
      return contexts(toMrkdwn(b.label));
    case 'facts':
      return facts(b.facts);
    case 'checklist':
      return sections(
        b.items.map((i) => `${CHECK[i.state]} ${toMrkdwn(i.label)}${i.detail ? ` — ${toMrkdwn(i.detail)}` : ''}`).join('\n'),
      );
    case 'actions':
      return actions(b.buttons.map((x) => button(x, ids)));
    case 'choice': {
      if (b.options.length === 0) return [];
      const { chosen, ...opts } = selectOptions(b.options, b.initial === undefined ? [] : [b.initial]);
      const select: ActionsBlockElement = {
        type: 'static_select',
        action_id: ids(b.action),
        placeholder: plainText(b.label, L.MAX_PLACEHOLDER),
        ...opts,
        ...(chosen[0] ? { initial_option: chosen[0] } : {}),
      };
      return actions([select]);
    }
    case 'divider':
      return [{ type: 'divider' }];
  }
}

export function renderBlocks(blocks: Block[], ids: ActionIds): KnownBlock[] {
  return blocks.flatMap((b) => renderBlock(b, ids));
}
