/**
 * Reads the buttons out of what the bot really sent (Block Kit on Slack, Adaptive Cards on Teams) so
 * end-to-end tests press them as a person would.
 */
import type { Recorded } from './recorder.js';

export interface Clickable {
  action: string;
  value: string;
  label: string;
}

/** Buttons and menu options in a Slack message or view body. */
export function slackButtons(body: Record<string, unknown>): Clickable[] {
  const out: Clickable[] = [];
  const blocks = (body.blocks ?? (body.view as { blocks?: unknown[] } | undefined)?.blocks ?? []) as { type: string; elements?: unknown[] }[];
  for (const block of blocks) {
    if (block.type !== 'actions') continue;
    for (const el of (block.elements ?? []) as Record<string, unknown>[]) {
      const action = String(el.action_id).replace(/~\d+$/, '');
      if (el.type === 'button') out.push({ action, value: String(el.value ?? ''), label: (el.text as { text: string }).text });
      if (el.type === 'static_select')
        for (const o of (el.options ?? []) as { value: string; text: { text: string } }[]) out.push({ action, value: o.value, label: o.text.text });
    }
  }
  return out;
}

/** Action.Submit buttons in a Teams activity's Adaptive Card. */
export function teamsButtons(activity: Record<string, unknown>): Clickable[] {
  const out: Clickable[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    const sc = (n.data as { safecall?: { action?: string; value?: string } } | undefined)?.safecall;
    if (n.type === 'Action.Submit' && sc?.action) out.push({ action: sc.action, value: sc.value ?? '', label: String(n.title ?? '') });
    Object.values(n).forEach(walk);
  };
  walk(activity.attachments);
  return out;
}

export function find(buttons: Clickable[], action: string, label?: RegExp): Clickable {
  const match = buttons.find((b) => b.action === action && (!label || label.test(b.label)));
  if (!match) throw new Error(`no ${action} button${label ? ` labelled ${label}` : ''}; have: ${buttons.map((b) => `${b.action}(${b.label})`).join(', ')}`);
  return match;
}

export const textOf = (r: Recorded) => JSON.stringify(r.body);
