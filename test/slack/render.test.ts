import type { ViewStateValue } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { Block, FormField, Prompt } from '../../src/core/prompt.js';
import * as L from '../../src/slack/limits.js';
import { decodeActionId, fitsOpenModal, formErrors, formValuesFromView, renderHome, renderMessage, renderModal } from '../../src/slack/render.js';
import { splitText, toMrkdwn, truncate } from '../../src/slack/text.js';
import { expectWithinSlackLimits } from '../helpers/slack-limits.js';
import { rng } from '../helpers/rng.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const words = (r: () => number, n: number, tag = 'w') => Array.from({ length: n }, (_, i) => `${tag}${i}x${Math.floor(r() * 1000)}`).join(' ');

/** Every mrkdwn / plain text shown by the blocks, in order. */
function shownTexts(blocks: KnownBlock[]): string[] {
  const out: string[] = [];
  for (const b of blocks as Json[]) {
    if (b.text?.text) out.push(b.text.text);
    for (const f of b.fields ?? []) out.push(f.text);
    if (b.type === 'context') for (const e of b.elements) out.push(e.text);
  }
  return out;
}
const actionIdsOf = (blocks: KnownBlock[]): string[] =>
  (blocks as Json[]).flatMap((b) => (b.type === 'actions' ? b.elements.map((e: Json) => e.action_id) : b.type === 'input' ? [b.element.action_id] : []));

describe('markdown subset → mrkdwn', () => {
  test('bold, italic, links and escaping', () => {
    expect(toMrkdwn('**Lock** the _lobby_ & see [the guide](https://x.test/a?b=1&c=2) <now>')).toBe(
      '*Lock* the _lobby_ &amp; see <https://x.test/a?b=1&amp;c=2|the guide> &lt;now&gt;',
    );
    expect(toMrkdwn('line one\nline two')).toBe('line one\nline two');
  });

  test('truncate is visible and within the limit', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('ab😀cd', 4).length).toBeLessThanOrEqual(4);
  });

  test('splitText prefers paragraphs, then lines, then words; nothing lost', () => {
    const r = rng(7);
    const text = Array.from({ length: 12 }, (_, i) => words(r, 40 + i * 10, `p${i}_`)).join('\n\n') + '\n' + 'z'.repeat(700);
    const chunks = splitText(text, 500);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(500);
    expect(chunks.join(' ').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  });
});

describe('renderMessage', () => {
  test('each block kind', () => {
    const [msg, ...rest] = renderMessage({
      fallback: 'Fallback <b>',
      blocks: [
        { kind: 'heading', text: '**Secure** your call' },
        { kind: 'text', text: 'Turn on the _waiting room_.' },
        { kind: 'note', text: 'Source: [NCSC](https://ncsc.test)' },
        { kind: 'steps', items: ['Open settings', 'Lock meeting'] },
        { kind: 'steps', items: ['a', 'b'], ordered: false },
        { kind: 'progress', current: 2, total: 5, label: 'Step 2 of 5' },
        { kind: 'facts', facts: [{ label: 'Class', value: '7B' }] },
        { kind: 'checklist', items: [{ label: 'Lobby', state: 'done' }, { label: 'Chat', state: 'skipped', detail: 'not needed' }, { label: 'Record', state: 'open' }] },
        { kind: 'actions', buttons: [{ action: 'go', label: 'Go', value: '1', style: 'primary' }, { action: 'help', label: 'Guide', url: 'https://x.test' }] },
        { kind: 'choice', action: 'pick', label: 'Pick a class', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }], initial: 'b' },
        { kind: 'divider' },
      ],
    });
    expect(rest).toEqual([]);
    expect(msg!.text).toBe('Fallback &lt;b&gt;');
    const b = msg!.blocks as Json[];
    expect(b.map((x) => x.type)).toEqual(['header', 'section', 'context', 'section', 'section', 'context', 'section', 'section', 'actions', 'actions', 'divider']);
    expect(b[0]!.text).toMatchObject({ type: 'plain_text', text: 'Secure your call' });
    expect(b[1]!.text.text).toBe('Turn on the _waiting room_.');
    expect(b[2]!.elements[0].text).toBe('Source: <https://ncsc.test|NCSC>');
    expect(b[3]!.text.text).toBe('1. Open settings\n2. Lock meeting');
    expect(b[4]!.text.text).toBe('• a\n• b');
    // Progress once: the label carries the count, with no dots or (2/5) beside it.
    expect(b[5]!.elements[0].text).toBe('Step 2 of 5');
    expect(b[6]!.fields[0].text).toBe('*Class*\n7B');
    expect(b[7]!.text.text).toBe('✅ Lobby\n⏭️ Chat — not needed\n⬜ Record');
    expect(b[8]!.elements[0]).toMatchObject({ type: 'button', action_id: 'go', value: '1', style: 'primary' });
    expect(b[8]!.elements[1]).toMatchObject({ url: 'https://x.test', action_id: 'help' });
    expect(b[9]!.elements[0]).toMatchObject({ type: 'static_select', action_id: 'pick', initial_option: { value: 'b' } });
    expectWithinSlackLimits(msg);
  });

  test('headings and buttons are shortened visibly', () => {
    const [msg] = renderMessage({ fallback: 'x', blocks: [{ kind: 'heading', text: 'H'.repeat(200) }, { kind: 'actions', buttons: [{ action: 'a', label: 'B'.repeat(80) }] }] });
    const b = msg!.blocks as Json[];
    expect(b[0]!.text.text).toHaveLength(L.MAX_HEADER_TEXT);
    expect(b[0]!.text.text.endsWith('…')).toBe(true);
    expect(b[1]!.elements[0].text.text).toHaveLength(L.MAX_BUTTON_TEXT);
    expect(b[1]!.elements[0].text.text.endsWith('…')).toBe(true);
  });

  test('a button value over 2000 characters is a programming error', () => {
    expect(() => renderMessage({ fallback: 'x', blocks: [{ kind: 'actions', buttons: [{ action: 'a', label: 'A', value: 'v'.repeat(2001) }] }] })).toThrow(/value of button "a".*2001/);
  });

  test('repeated actions get ~n suffixes that decode back', () => {
    const [msg] = renderMessage({ fallback: 'x', blocks: [{ kind: 'actions', buttons: [{ action: 'a', label: '1' }, { action: 'a', label: '2' }, { action: 'b', label: '3' }, { action: 'a', label: '4' }] }] });
    const ids = actionIdsOf(msg!.blocks);
    expect(ids).toEqual(['a', 'a~2', 'b', 'a~3']);
    expect(ids.map(decodeActionId)).toEqual(['a', 'a', 'b', 'a']);
    expect(decodeActionId('plain.action')).toBe('plain.action');
  });

  test('a prompt without blocks shows its fallback', () => {
    const [msg] = renderMessage({ fallback: 'Just text', blocks: [] });
    expect((msg!.blocks[0] as Json).text.text).toBe('Just text');
  });

  test('a huge prompt is split into messages within every limit, nothing dropped', () => {
    const r = rng(42);
    const paragraphs = Array.from({ length: 25 }, (_, i) => words(r, 60, `para${i}_`)); // ~10,000 characters
    const longText = paragraphs.join('\n\n');
    expect(longText.length).toBeGreaterThan(10_000);
    const blocks: Block[] = [{ kind: 'heading', text: 'T'.repeat(300) }, { kind: 'text', text: longText }];
    const expectedActions: string[] = [];
    for (let i = 0; blocks.length < 200; i++) {
      blocks.push({ kind: 'text', text: `Block number ${i}: ${words(r, 5)}` });
      if (i % 20 === 0) {
        const buttons = Array.from({ length: 30 }, (_, j) => ({ action: `act.${j % 7}`, label: `${'L'.repeat(78)}${j}`, value: `v${j}` }));
        expectedActions.push(...buttons.map((b) => b.action));
        blocks.push({ kind: 'actions', buttons });
      }
      if (i % 50 === 0) {
        blocks.push({ kind: 'choice', action: 'act.0', label: 'Choose one of many', options: Array.from({ length: 150 }, (_, j) => ({ value: `o${j}`, label: `Option ${'o'.repeat(80)} ${j}` })) });
        expectedActions.push('act.0');
      }
      if (i % 30 === 0) blocks.push({ kind: 'facts', facts: Array.from({ length: 23 }, (_, j) => ({ label: `F${j}`, value: j === 5 ? 'x'.repeat(2500) : `value ${j}` })) });
    }
    const prompt: Prompt = { fallback: 'F'.repeat(5000), blocks };
    const messages = renderMessage(prompt);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.blocks.length).toBeLessThanOrEqual(L.MAX_MESSAGE_BLOCKS);
      expectWithinSlackLimits(m);
    }
    const all = messages.flatMap((m) => m.blocks);
    const shown = shownTexts(all).join('\n');
    for (const p of paragraphs) expect(shown).toContain(p);
    for (const b of blocks) if (b.kind === 'text') expect(shown.replace(/\s+/g, ' ')).toContain(b.text.replace(/\s+/g, ' '));
    expect(shown).toContain('x'.repeat(2500)); // an over-long fact becomes a section rather than being cut
    for (let j = 0; j < 23; j++) expect(shown).toContain(`*F${j}*`);
    const ids = actionIdsOf(all);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.map(decodeActionId).sort()).toEqual(expectedActions.sort());
    const select = (all as Json[]).find((b) => b.type === 'actions' && b.elements[0].type === 'static_select')!.elements[0];
    expect(select.option_groups.flatMap((g: Json) => g.options).map((o: Json) => o.value)).toEqual(Array.from({ length: 150 }, (_, j) => `o${j}`));
  });

  test('random prompts stay within limits and keep unique, decodable action_ids', () => {
    const r = rng(2024);
    for (let n = 0; n < 80; n++) {
      const prompt = randomPrompt(r);
      for (const m of renderMessage(prompt)) {
        expectWithinSlackLimits(m);
        const ids = actionIdsOf(m.blocks);
        expect(new Set(ids).size).toBe(ids.length);
      }
      expectWithinSlackLimits(renderHome(prompt));
      if (prompt.form) expectWithinSlackLimits(renderModal(prompt));
    }
  });
});

const pool = (() => {
  const r = rng(99);
  const out = ['', '**b** _i_ [l](https://x.test) & <>', `${words(r, 300)}\n${words(r, 400)}\n\n${words(r, 200)}`, 'é😀'.repeat(1600)];
  for (let n = 1; n <= 800; n *= 3) out.push(words(r, n));
  return out;
})();

function randomPrompt(r: () => number): Prompt {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const text = () => pick(pool);
  const options = () => Array.from({ length: 1 + Math.floor(r() * 160) }, (_, i) => ({ value: `v${i}`, label: `${text().slice(0, 90)} ${i}` }));
  const blocks: Block[] = Array.from({ length: Math.floor(r() * 130) }, (): Block => {
    switch (Math.floor(r() * 10)) {
      case 0: return { kind: 'heading', text: text() };
      case 1: return { kind: 'text', text: text() };
      case 2: return { kind: 'note', text: text() };
      case 3: return { kind: 'steps', items: Array.from({ length: Math.floor(r() * 30) }, text), ordered: r() > 0.5 };
      case 4: return { kind: 'progress', current: Math.floor(r() * 20), total: Math.floor(r() * 20), label: words(r, 3) };
      case 5: return { kind: 'facts', facts: Array.from({ length: Math.floor(r() * 25) }, () => ({ label: words(r, 2), value: text() })) };
      case 6: return { kind: 'checklist', items: Array.from({ length: Math.floor(r() * 15) }, () => ({ label: text(), state: pick(['done', 'skipped', 'open'] as const), detail: r() > 0.5 ? text() : undefined })) };
      case 7: return { kind: 'actions', buttons: Array.from({ length: Math.floor(r() * 40) }, () => ({ action: pick(['a', 'b', 'c.d']), label: words(r, 1 + Math.floor(r() * 12)) })) };
      case 8: return { kind: 'choice', action: pick(['a', 'pick']), label: text().slice(0, 300) || 'x', options: options() };
      default: return { kind: 'divider' };
    }
  });
  const types: FormField['type'][] = ['text', 'multiline', 'select', 'multiselect', 'datetime', 'date', 'number', 'toggle'];
  const form = r() > 0.5 ? {
    id: 'f', title: words(r, 8), submitLabel: words(r, 6), cancelLabel: words(r, 6),
    fields: Array.from({ length: Math.floor(r() * 12) }, (_, i): FormField => ({ id: `f${i}`, label: text() || 'L', type: pick(types), options: options(), hint: text(), error: r() > 0.7 ? text() : undefined, maxLength: r() > 0.5 ? 5000 : undefined })),
  } : undefined;
  return { fallback: text(), blocks, ...(form ? { form } : {}) };
}

describe('renderModal', () => {
  const fields: FormField[] = [
    { id: 'title', label: 'Title', type: 'text', required: true, placeholder: 'Short title', maxLength: 100, initial: 'Hello' },
    { id: 'details', label: 'What happened?', type: 'multiline', hint: 'No names of children', maxLength: 9000 },
    { id: 'kind', label: 'Kind', type: 'select', options: [{ value: 'zoom', label: 'Zoom bombing' }, { value: 'chat', label: 'Chat abuse' }], initial: 'chat' },
    { id: 'who', label: 'Affected', type: 'multiselect', options: [{ value: 'pupils', label: 'Pupils' }, { value: 'staff', label: 'Staff' }, { value: 'parents', label: 'Parents' }], initial: 'pupils,parents' },
    { id: 'when', label: 'When', type: 'datetime', required: true, initial: '2025-03-04T09:30:00.000Z', error: 'Must be in the past' },
    { id: 'day', label: 'Day', type: 'date', initial: '2025-03-04' },
    { id: 'count', label: 'How many', type: 'number', initial: '3' },
    { id: 'reported', label: 'Reported to DSL', type: 'toggle', initial: 'true' },
  ];
  const prompt: Prompt = { fallback: 'Report', blocks: [{ kind: 'text', text: 'Tell us what happened.' }, { kind: 'actions', buttons: [{ action: 'title', label: 'Clash' }] }], form: { id: 'incident.report', title: 'Report an incident to the safeguarding lead', submitLabel: 'Send the report now please', cancelLabel: 'Cancel', fields, state: '{"step":2}' } };

  test('a modal with every field type', () => {
    const view = renderModal(prompt) as Json;
    expectWithinSlackLimits(view);
    expect(view).toMatchObject({ type: 'modal', callback_id: 'incident.report', private_metadata: '{"step":2}', close: { text: 'Cancel' } });
    expect(view.title.text).toHaveLength(L.MAX_MODAL_TITLE);
    expect(view.title.text.endsWith('…')).toBe(true);
    expect(view.submit.text.length).toBeLessThanOrEqual(L.MAX_MODAL_BUTTON);
    expect(view.blocks[0].type).toBe('section');
    expect(view.blocks[1].elements[0].action_id).toBe('title~2'); // a field already uses "title"
    const inputs = view.blocks.slice(2);
    expect(inputs.map((b: Json) => [b.block_id, b.element.action_id, b.element.type, b.optional])).toEqual([
      ['title', 'title', 'plain_text_input', false],
      ['details', 'details', 'plain_text_input', true],
      ['kind', 'kind', 'static_select', true],
      ['who', 'who', 'multi_static_select', true],
      ['when', 'when', 'datetimepicker', false],
      ['day', 'day', 'datepicker', true],
      ['count', 'count', 'number_input', true],
      ['reported', 'reported', 'checkboxes', true],
    ]);
    expect(inputs[0].element).toMatchObject({ initial_value: 'Hello', max_length: 100, placeholder: { text: 'Short title' } });
    expect(inputs[1].element).toMatchObject({ multiline: true, max_length: 3000 });
    expect(inputs[1].hint.text).toBe('No names of children');
    expect(inputs[2].element.initial_option.value).toBe('chat');
    expect(inputs[3].element.initial_options.map((o: Json) => o.value)).toEqual(['pupils', 'parents']);
    expect(inputs[4].element.initial_date_time).toBe(Date.parse('2025-03-04T09:30:00Z') / 1000);
    expect(inputs[4].hint.text).toContain('Must be in the past');
    expect(inputs[5].element.initial_date).toBe('2025-03-04');
    expect(inputs[6].element).toMatchObject({ initial_value: '3', is_decimal_allowed: false });
    expect(inputs[7].element.initial_options).toHaveLength(1);
  });

  test('formValuesFromView inverts the initial values (round trip)', () => {
    const view = renderModal(prompt) as Json;
    const values: Record<string, Record<string, ViewStateValue>> = {};
    for (const b of view.blocks.filter((x: Json) => x.type === 'input')) values[b.block_id] = { [b.element.action_id]: stateFromElement(b.element) };
    expect(formValuesFromView(values)).toEqual({
      title: 'Hello', details: '', kind: 'chat', who: 'pupils,parents', when: '2025-03-04T09:30:00.000Z', day: '2025-03-04', count: '3', reported: 'true',
    });
    expect(formValuesFromView({ reported: { reported: { type: 'checkboxes', selected_options: [] } }, when: { when: { type: 'datetimepicker', selected_date_time: null } } })).toEqual({ reported: 'false', when: '' });
  });

  test('too many blocks: content is trimmed visibly, inputs are kept', () => {
    const blocks: Block[] = Array.from({ length: 150 }, (_, i) => ({ kind: 'text', text: `t${i}` }));
    const view = renderModal({ ...prompt, blocks }) as Json;
    expectWithinSlackLimits(view);
    expect(view.blocks).toHaveLength(L.MAX_VIEW_BLOCKS);
    expect(view.blocks.filter((b: Json) => b.type === 'input')).toHaveLength(fields.length);
    const home = renderHome({ fallback: 'h', blocks }) as Json;
    expect(home.type).toBe('home');
    expect(home.blocks).toHaveLength(L.MAX_VIEW_BLOCKS);
    expect(home.blocks.at(-1).elements[0].text).toBe('…');
    expectWithinSlackLimits(home);
  });

  test('programming errors are loud', () => {
    expect(() => renderModal({ fallback: 'x', blocks: [] })).toThrow(/no form/);
    expect(() => renderModal({ ...prompt, form: { ...prompt.form!, state: 's'.repeat(3001) } })).toThrow(/state/);
    expect(() => renderModal({ ...prompt, form: { ...prompt.form!, fields: [fields[0]!, fields[0]!] } })).toThrow(/two fields/);
  });

  test('formErrors', () => {
    expect(formErrors({ when: 'Must be in the past' })).toEqual({ response_action: 'errors', errors: { when: 'Must be in the past' } });
  });

  test('errors show in the open modal only when it has every field of the form as it is now', () => {
    const form = (ids: string[]): Prompt => ({ fallback: 'f', blocks: [], form: { id: 'f', title: 'F', submitLabel: 'Save', fields: ids.map((id) => ({ id, label: id, type: 'text' as const })) } });
    const open = [{ block_id: 'intro~0' }, { block_id: 'decision' }, { block_id: 'ico_ref' }];
    expect(fitsOpenModal(open, form(['decision', 'ico_ref']), { ico_ref: 'Needed' })).toBe(true);
    // A field added since the modal opened (the reason for the delay, once the deadline has passed).
    expect(fitsOpenModal(open, form(['decision', 'ico_ref', 'delay_reason']), { delay_reason: 'Needed' })).toBe(false);
    expect(fitsOpenModal(open, form(['decision', 'ico_ref', 'delay_reason']), { ico_ref: 'Needed' })).toBe(false);
    expect(fitsOpenModal(open, form(['decision']), { other: 'x' })).toBe(false);
  });
});

/** What Slack would report in view.state.values for an untouched element (its initial value). */
function stateFromElement(e: Json): ViewStateValue {
  switch (e.type) {
    case 'static_select': return { type: e.type, selected_option: e.initial_option ?? null };
    case 'multi_static_select':
    case 'checkboxes': return { type: e.type, selected_options: e.initial_options ?? [] };
    case 'datetimepicker': return { type: e.type, selected_date_time: e.initial_date_time ?? null };
    case 'datepicker': return { type: e.type, selected_date: e.initial_date ?? null };
    default: return { type: e.type, value: e.initial_value ?? null };
  }
}
