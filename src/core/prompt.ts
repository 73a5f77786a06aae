/**
 * The neutral UI model. Core and dialogs describe what to show in these terms; the Slack and Teams
 * adapters render it with pure functions (Block Kit, Adaptive Cards 1.5). Nothing here knows a platform.
 *
 * Text fields use a tiny markdown subset that both platforms can show: `**bold**`, `_italic_`,
 * `[label](https://link)` and line breaks. Renderers translate it (Slack mrkdwn uses `*bold*` and `<url|label>`).
 */

/** A button or other clickable element. `action` is an id from one ids module; `value` is opaque to renderers. */
export interface Button {
  action: string;
  label: string;
  value?: string;
  style?: 'primary' | 'danger';
  /** A link button opens the URL instead of calling back. */
  url?: string;
}

export interface Option {
  value: string;
  label: string;
}

export type FieldType = 'text' | 'multiline' | 'select' | 'multiselect' | 'datetime' | 'date' | 'number' | 'toggle';

export interface FormField {
  id: string;
  label: string;
  type: FieldType;
  required?: boolean;
  placeholder?: string;
  hint?: string;
  options?: Option[];
  /** Initial value; for multiselect a comma-separated list; for datetime an ISO 8601 string. */
  initial?: string;
  maxLength?: number;
  /** An error to show beside the field (a refused submission is shown again with these). */
  error?: string;
}

export type ChecklistState = 'done' | 'skipped' | 'open';

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'text'; text: string }
  /** Small, muted text: sources, timestamps, hints. */
  | { kind: 'note'; text: string }
  | { kind: 'steps'; items: string[]; ordered?: boolean }
  | { kind: 'progress'; current: number; total: number; label: string }
  | { kind: 'facts'; facts: { label: string; value: string }[] }
  | { kind: 'checklist'; items: { label: string; state: ChecklistState; detail?: string }[] }
  | { kind: 'actions'; buttons: Button[] }
  /** A single choice shown as a menu (Slack static_select, Teams Input.ChoiceSet that submits). */
  | { kind: 'choice'; action: string; label: string; options: Option[]; initial?: string }
  | { kind: 'divider' };

/** An inline form: Slack shows it in a modal, Teams inside the card. */
export interface Form {
  /** Identifies the form when it is submitted (Slack callback_id, Teams submit data). */
  id: string;
  title: string;
  submitLabel: string;
  cancelLabel?: string;
  fields: FormField[];
  /** Opaque state carried through the submission (Slack private_metadata). */
  state?: string;
}

export interface Prompt {
  /** Plain text for notifications, screen readers and clients that cannot show cards. Required. */
  fallback: string;
  blocks: Block[];
  /** When present the prompt is a form: Slack opens it as a modal, Teams renders the inputs in the card. */
  form?: Form;
}

/** Plain-text fallback built from the blocks, for prompts that do not set a better one. */
export function plainText(blocks: Block[]): string {
  const lines: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
      case 'text':
      case 'note':
        lines.push(stripMarkup(b.text));
        break;
      case 'steps':
        b.items.forEach((s, i) => lines.push(`${b.ordered === false ? '-' : `${i + 1}.`} ${stripMarkup(s)}`));
        break;
      case 'progress':
        lines.push(b.label);
        break;
      case 'facts':
        b.facts.forEach((f) => lines.push(`${f.label}: ${stripMarkup(f.value)}`));
        break;
      case 'checklist':
        b.items.forEach((i) => lines.push(`[${i.state === 'done' ? 'x' : i.state === 'skipped' ? '-' : ' '}] ${stripMarkup(i.label)}`));
        break;
      case 'actions':
      case 'choice':
      case 'divider':
        break;
    }
  }
  return lines.join('\n');
}

/** Removes the markdown subset, keeping link labels and URLs readable as plain text. */
export function stripMarkup(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/(^|\W)_([^_]+)_(?=\W|$)/g, '$1$2');
}

export function prompt(blocks: Block[], fallback?: string): Prompt {
  return { blocks, fallback: fallback ?? plainText(blocks) };
}
