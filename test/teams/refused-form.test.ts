/** A refused form on Teams comes back with what was typed and each message beside its field. */
import { renderCard } from '../../src/teams/render.js';
import { refusedForm } from '../../src/teams/render-form.js';
import type { Prompt } from '../../src/core/prompt.js';
import { expectValidCard } from '../helpers/validate-card.js';

const form: Prompt = {
  fallback: 'Report',
  blocks: [],
  form: {
    id: 'report.form',
    title: 'Report an incident',
    submitLabel: 'Send',
    fields: [
      { id: 'category', label: 'What happened', type: 'select', required: true, options: [{ value: 'zoombombing', label: 'Uninvited participant' }, { value: 'other', label: 'Other' }] },
      { id: 'occurredAt', label: 'When it happened', type: 'datetime', required: true },
      { id: 'narrative', label: 'In your words', type: 'multiline', initial: 'old text' },
      { id: 'count', label: 'Roughly how many people', type: 'number' },
    ],
    state: 'draft-1',
  },
};

const inputsOf = (p: Prompt) => {
  const out: Record<string, unknown> = {};
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Input.')) out[String(o.id)] = o.value;
    Object.values(o).forEach(walk);
  };
  walk(renderCard(p, { timeZone: 'Europe/London' }).content);
  return out;
};
const errorTexts = (p: Prompt) => JSON.stringify(renderCard(p).content).match(/"color":"Attention"/g)?.length ?? 0;

test('typed values replace the initial ones, errors sit beside their fields, the state is kept', async () => {
  const typed = { category: 'other', occurredAt: '2027-03-01T10:30:00.000Z', narrative: 'what I typed', count: '12' };
  const shown = refusedForm(form, { occurredAt: 'That time is in the future.' }, typed);
  expect(inputsOf(form)).toEqual({ category: undefined, occurredAt__date: undefined, occurredAt__time: undefined, narrative: 'old text', count: undefined });
  expect(inputsOf(shown)).toEqual({ category: 'other', occurredAt__date: '2027-03-01', occurredAt__time: '10:30', narrative: 'what I typed', count: 12 });
  expect(JSON.stringify(renderCard(shown).content)).toContain('That time is in the future.');
  expect(errorTexts(form)).toBe(0);
  expect(errorTexts(shown)).toBe(1);
  expect(shown.form!.state).toBe('draft-1');
  await expectValidCard(renderCard(shown).content as never);
});

test("a field left out of the submission keeps the form's own value, and a prompt without a form is unchanged", () => {
  expect(inputsOf(refusedForm(form, {}, { category: 'zoombombing' }))).toMatchObject({ category: 'zoombombing', narrative: 'old text' });
  const plain: Prompt = { fallback: 'x', blocks: [{ kind: 'text', text: 'x' }] };
  expect(refusedForm(plain, { a: 'b' }, { a: 'c' })).toBe(plain);
});
