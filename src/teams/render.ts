/**
 * The Teams renderer: neutral Prompt → Adaptive Card 1.5 attachment. Pure, no I/O, no botbuilder.
 * TextBlocks keep the markdown subset as is (Adaptive Cards support **bold**, _italic_ and [label](url));
 * line breaks become paragraph breaks, lists use "\r" as Teams documents.
 */
import { stripMarkup, type Block, type Button, type ChecklistState, type Prompt } from '../core/prompt.js';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  ADAPTIVE_CARD_SCHEMA,
  type CardAction,
  type CardAttachment,
  type CardElement,
  type RenderCardOptions,
} from './card-types.js';
import { formElements, inputIds } from './render-form.js';

export * from './card-types.js';
export { submitPayload, type SubmitPayload } from './submit.js';

/** Actions per ActionSet: Teams shows about six in a row before overflowing; we keep sets of five. */
export const MAX_ACTIONS_PER_SET = 5;
/** Up to this many options a choice can be buttons; more become a compact menu. */
export const MAX_CHOICE_BUTTONS = 12;
/**
 * The longest button label shown whole: measured in Microsoft's Agents Playground, a card is 446 px wide and
 * a row of buttons has 414 px, where 49 characters fit and 52 don't; 40 leaves room for wide letters.
 */
export const MAX_BUTTON_LABEL = 40;

const CHECK: Record<ChecklistState, string> = { done: '✅', skipped: '⏭️', open: '⬜' };

/** Single line breaks are not shown by Adaptive Cards outside lists: make every break a paragraph break. */
function paragraphs(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\n+/g, '\n\n');
}

const textBlock = (text: string, extra: Record<string, unknown> = {}): CardElement => ({ type: 'TextBlock', text, wrap: true, ...extra });

function actionSets(actions: CardAction[]): CardElement[] {
  const out: CardElement[] = [];
  for (let i = 0; i < actions.length; i += MAX_ACTIONS_PER_SET) out.push({ type: 'ActionSet', actions: actions.slice(i, i + MAX_ACTIONS_PER_SET) });
  return out;
}

function style(s: Button['style']): { style?: 'positive' | 'destructive' } {
  return s === 'primary' ? { style: 'positive' } : s === 'danger' ? { style: 'destructive' } : {};
}

function action(b: Button): CardAction {
  const title = stripMarkup(b.label);
  if (b.url !== undefined) return { type: 'Action.OpenUrl', title, url: b.url, ...style(b.style) };
  // associatedInputs none: a plain button must not be blocked by (or carry) a form's inputs.
  return { type: 'Action.Submit', title, data: { safecall: { action: b.action, value: b.value ?? '' } }, associatedInputs: 'none', ...style(b.style) };
}

/** Unique ids for menu inputs: `choice`, `choice_2`… never clashing with form inputs. */
function choiceIds(taken: string[]): () => string {
  const used = new Set(taken);
  return () => {
    let id = 'choice';
    for (let n = 2; used.has(id); n++) id = `choice_${n}`;
    used.add(id);
    return id;
  };
}

type ChoiceBlock = Extract<Block, { kind: 'choice' }>;

/** A choice fits as buttons when it has few options and each label shows whole on a row. */
const fitsAsButtons = (b: ChoiceBlock) => b.options.length <= MAX_CHOICE_BUTTONS && b.options.every((o) => stripMarkup(o.label).length <= MAX_BUTTON_LABEL);

/**
 * One kind of control per card: every choice on it is buttons when all of them fit, otherwise every one is a
 * menu (a card with buttons for some groups and a menu for another reads as two different things).
 */
export function choicesAsButtons(blocks: Block[]): boolean {
  return blocks.every((b) => b.kind !== 'choice' || fitsAsButtons(b));
}

function choice(b: ChoiceBlock, nextId: () => string, opts: RenderCardOptions, asButtons: boolean): CardElement[] {
  if (b.options.length === 0) return [];
  if (asButtons) {
    const buttons: CardAction[] = b.options.map((o) => ({
      type: 'Action.Submit',
      title: stripMarkup(o.label),
      data: { safecall: { action: b.action, value: o.value } },
      associatedInputs: 'none',
      ...(o.value === b.initial ? { style: 'positive' as const } : {}),
    }));
    return [...(b.label.trim() ? [textBlock(b.label)] : []), ...actionSets(buttons)];
  }
  const id = nextId();
  const menu: CardElement = {
    type: 'Input.ChoiceSet',
    id,
    ...(b.label.trim() ? { label: stripMarkup(b.label), placeholder: stripMarkup(b.label) } : {}),
    style: 'compact',
    choices: b.options.map((o) => ({ title: stripMarkup(o.label), value: o.value })),
    ...(b.initial !== undefined ? { value: b.initial } : {}),
  };
  const ok: CardAction = { type: 'Action.Submit', title: opts.choiceSubmitLabel ?? 'OK', data: { safecall: { action: b.action, choice: id } } };
  return [menu, { type: 'ActionSet', actions: [ok] }];
}

function renderBlock(b: Block, nextId: () => string, opts: RenderCardOptions, asButtons: boolean): CardElement[] {
  if ((b.kind === 'heading' || b.kind === 'text' || b.kind === 'note') && b.text.trim() === '') return [];
  switch (b.kind) {
    case 'heading':
      return [textBlock(b.text, { size: 'Large', weight: 'Bolder', style: 'heading' })];
    case 'text':
      return [textBlock(paragraphs(b.text))];
    case 'note':
      return [textBlock(paragraphs(b.text), { isSubtle: true, size: 'Small' })];
    case 'steps':
      return b.items.length ? [textBlock(b.items.map((s, i) => `${b.ordered === false ? '-' : `${i + 1}.`} ${s.replace(/\s*\n\s*/g, ' ')}`).join('\r'))] : [];
    case 'progress':
      // Shown once: the label already says "Step 3 of 12", so no dots or count beside it.
      return [textBlock(b.label, { isSubtle: true, size: 'Small' })];
    case 'facts':
      return b.facts.length ? [{ type: 'FactSet', facts: b.facts.map((f) => ({ title: f.label, value: f.value })) }] : [];
    case 'checklist':
      return b.items.length
        ? [textBlock(b.items.map((i) => `${CHECK[i.state]} ${i.label}${i.detail ? ` — ${i.detail}` : ''}`).join('\n\n'))]
        : [];
    case 'actions':
      return actionSets(b.buttons.map(action));
    case 'choice':
      return choice(b, nextId, opts, asButtons);
    case 'divider':
      // An empty-looking separator: Adaptive Cards have no divider element of their own.
      return [{ type: 'Container', separator: true, spacing: 'Medium', items: [] }];
  }
}

/** A prompt → an Adaptive Card attachment; a prompt with a form gets its inputs and submit button in the card. */
export function renderCard(prompt: Prompt, opts: RenderCardOptions = {}): CardAttachment {
  const taken = prompt.form?.fields.flatMap(inputIds) ?? [];
  const nextId = choiceIds(taken);
  const asButtons = choicesAsButtons(prompt.blocks);
  // A form's title is what the card is: it leads, as the card's heading, above the form's own words (seen in
  // the Agents Playground: under a lead paragraph, a small title read as one more field label).
  const title = prompt.form?.title.trim() && !prompt.blocks.some((b) => b.kind === 'heading') ? prompt.form.title : undefined;
  const body = title ? [textBlock(title, { size: 'Large', weight: 'Bolder', style: 'heading' })] : [];
  body.push(...prompt.blocks.flatMap((b) => renderBlock(b, nextId, opts, asButtons)));
  if (prompt.form) body.push(...formElements(title ? { ...prompt.form, title: '' } : prompt.form, opts));
  if (body.length === 0) body.push(textBlock(prompt.fallback.trim() || '…'));
  return {
    contentType: ADAPTIVE_CARD_CONTENT_TYPE,
    content: {
      $schema: ADAPTIVE_CARD_SCHEMA,
      type: 'AdaptiveCard',
      version: '1.5',
      body,
      fallbackText: prompt.fallback,
      speak: prompt.fallback,
    },
  };
}
