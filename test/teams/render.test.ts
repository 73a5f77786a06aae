import type { Block, FormField, Prompt } from '../../src/core/prompt.js';
import { renderCard, submitPayload, MAX_ACTIONS_PER_SET, MAX_BUTTON_LABEL, MAX_CHOICE_BUTTONS, type CardElement } from '../../src/teams/render.js';
import { cardProblems, expectValidCard } from '../helpers/validate-card.js';
import { rng } from '../helpers/rng.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** All actions of the card's ActionSets, in order. */
const actionsOf = (body: CardElement[] | Json[]): Json[] => (body as Json[]).filter((e) => e.type === 'ActionSet').flatMap((e) => e.actions as Json[]);

/** What Teams puts in activity.value when an Action.Submit is pressed: its data merged with the inputs. */
function press(action: Json, inputs: Record<string, unknown> = {}): unknown {
  return JSON.parse(JSON.stringify({ ...action.data, ...inputs }));
}

describe('validate-card helper', () => {
  test('reports what the SDK reports', () => {
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Input.Text', id: 'a', isRequired: true }, { type: 'Nope' }] }).length).toBeGreaterThan(0);
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'ok' }] })).toEqual([]);
  });
});

describe('renderCard', () => {
  const blocks: Block[] = [
    { kind: 'heading', text: 'Secure your call' },
    { kind: 'text', text: '**Lock** the _lobby_.\nThen see [the guide](https://x.test).' },
    { kind: 'note', text: 'Source: NCSC' },
    { kind: 'steps', items: ['Open settings', 'Lock meeting'] },
    { kind: 'progress', current: 2, total: 5, label: 'Step 2 of 5' },
    { kind: 'facts', facts: [{ label: 'Class', value: '**7B**' }] },
    { kind: 'checklist', items: [{ label: 'Lobby', state: 'done' }, { label: 'Chat', state: 'skipped', detail: 'not needed' }, { label: 'Record', state: 'open' }] },
    { kind: 'actions', buttons: [{ action: 'go', label: 'Go', value: '1', style: 'primary' }, { action: 'stop', label: 'Stop', style: 'danger' }, { action: 'help', label: 'Guide', url: 'https://x.test' }] },
    { kind: 'divider' },
  ];

  test('every block kind, as a valid Adaptive Card 1.5', () => {
    const card = renderCard({ fallback: 'Secure your call', blocks });
    expectValidCard(card);
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const c = card.content;
    expect(c).toMatchObject({ type: 'AdaptiveCard', version: '1.5', fallbackText: 'Secure your call', speak: 'Secure your call' });
    expect(c.$schema).toContain('adaptive-card.json');
    const body = c.body as Json[];
    expect(body[0]).toMatchObject({ type: 'TextBlock', text: 'Secure your call', size: 'Large', weight: 'Bolder', style: 'heading', wrap: true });
    expect(body[1]!.text).toBe('**Lock** the _lobby_.\n\nThen see [the guide](https://x.test).');
    expect(body[2]).toMatchObject({ isSubtle: true, size: 'Small' });
    expect(body[3]!.text).toBe('1. Open settings\r2. Lock meeting');
    expect(body[4]).toMatchObject({ isSubtle: true });
    // Progress once: the label, with no dots beside it.
    expect(body[4]!.text).toBe('Step 2 of 5');
    expect(body[5]).toEqual({ type: 'FactSet', facts: [{ title: 'Class', value: '**7B**' }] });
    expect(body[6]!.text).toBe('✅ Lobby\n\n⏭️ Chat — not needed\n\n⬜ Record');
    const [go, stop, help] = actionsOf(body);
    expect(go).toMatchObject({ type: 'Action.Submit', title: 'Go', style: 'positive', data: { safecall: { action: 'go', value: '1' } } });
    expect(stop).toMatchObject({ style: 'destructive', data: { safecall: { action: 'stop', value: '' } } });
    expect(help).toEqual({ type: 'Action.OpenUrl', title: 'Guide', url: 'https://x.test' });
    for (const b of body.filter((x) => x.type === 'TextBlock')) expect(b.wrap).toBe(true);
  });

  test('buttons are chunked into ActionSets of at most five', () => {
    const buttons = Array.from({ length: 12 }, (_, i) => ({ action: `a${i}`, label: `Button ${i}` }));
    const card = renderCard({ fallback: 'x', blocks: [{ kind: 'actions', buttons }] });
    expectValidCard(card);
    const sets = card.content.body.filter((e) => e.type === 'ActionSet');
    expect(sets.map((s) => (s.actions as unknown[]).length)).toEqual([5, 5, 2]);
    expect(Math.max(...sets.map((s) => (s.actions as unknown[]).length))).toBeLessThanOrEqual(MAX_ACTIONS_PER_SET);
  });

  test('a short choice is a row of buttons; a long one a compact menu with a submit', () => {
    const few = renderCard({ fallback: 'x', blocks: [{ kind: 'choice', action: 'pick', label: 'Which class?', options: ['a', 'b', 'c', 'd', 'e', 'f'].map((v) => ({ value: v, label: v.toUpperCase() })), initial: 'c' }] });
    expectValidCard(few);
    const buttons = actionsOf(few.content.body);
    expect(buttons).toHaveLength(6);
    expect(buttons[2]).toMatchObject({ title: 'C', style: 'positive' });
    expect(submitPayload(press(buttons[4]!))).toEqual({ kind: 'action', action: 'pick', value: 'e' });

    const options = Array.from({ length: MAX_CHOICE_BUTTONS + 1 }, (_, i) => ({ value: `v${i}`, label: `Option ${i}` }));
    const many = renderCard({ fallback: 'x', blocks: [{ kind: 'choice', action: 'pick', label: 'Which?', options }, { kind: 'choice', action: 'other', label: 'Other', options }] });
    expectValidCard(many);
    const menus = many.content.body.filter((e) => e.type === 'Input.ChoiceSet') as Json[];
    // A placeholder, so a menu never shows as a blank box.
    expect(menus.map((m) => [m.id, m.style, m.placeholder])).toEqual([['choice', 'compact', 'Which?'], ['choice_2', 'compact', 'Other']]);
    expect(menus[0]!.choices).toHaveLength(MAX_CHOICE_BUTTONS + 1);
    const [ok1, ok2] = actionsOf(many.content.body);
    expect(submitPayload(press(ok1!, { choice: 'v3', choice_2: 'v5' }))).toEqual({ kind: 'action', action: 'pick', value: 'v3' });
    expect(submitPayload(press(ok2!, { choice: 'v3', choice_2: 'v5' }))).toEqual({ kind: 'action', action: 'other', value: 'v5' });
  });

  test('one kind of control per card: when one choice must be a menu (too many options, or a label too long for a row), every choice is', () => {
    const short = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `s${i}`, label: `Short ${i}` }));
    const kinds = (blocks: Block[]) => {
      const body = renderCard({ fallback: 'x', blocks }).content.body;
      return { menus: body.filter((e) => e.type === 'Input.ChoiceSet').length, buttons: actionsOf(body).filter((a) => (a.data as Json | undefined)?.safecall && !('choice' in ((a.data as Json).safecall as Json))).length };
    };
    // The topics card's shape before the fix: two groups of three, one of eleven.
    expect(kinds([{ kind: 'choice', action: 'a', label: 'A', options: short(3) }, { kind: 'choice', action: 'b', label: 'B', options: short(11) }])).toEqual({ menus: 0, buttons: 14 });
    expect(kinds([{ kind: 'choice', action: 'a', label: 'A', options: short(3) }, { kind: 'choice', action: 'b', label: 'B', options: short(MAX_CHOICE_BUTTONS + 1) }])).toEqual({ menus: 2, buttons: 0 });
    const long = [{ value: 'l', label: 'x'.repeat(MAX_BUTTON_LABEL + 1) }];
    expect(kinds([{ kind: 'choice', action: 'a', label: 'A', options: short(3) }, { kind: 'choice', action: 'b', label: 'B', options: long }])).toEqual({ menus: 2, buttons: 0 });
    expect(MAX_BUTTON_LABEL).toBeLessThanOrEqual(40);
  });

  const fields: FormField[] = [
    { id: 'title', label: 'Title', type: 'text', required: true, placeholder: 'Short title', maxLength: 100, initial: 'Hello' },
    { id: 'details', label: 'What happened?', type: 'multiline', hint: 'No names of children' },
    { id: 'kind', label: 'Kind', type: 'select', required: true, options: [{ value: 'zoom', label: 'Zoom bombing' }, { value: 'chat', label: 'Chat abuse' }], initial: 'chat' },
    { id: 'who', label: 'Affected', type: 'multiselect', options: [{ value: 'pupils', label: 'Pupils' }, { value: 'staff', label: 'Staff' }], initial: 'pupils,staff' },
    { id: 'when', label: 'When', type: 'datetime', required: true, initial: '2025-07-04T08:30:00.000Z', error: 'Must be in the past' },
    { id: 'day', label: 'Day', type: 'date', initial: '2025-03-04' },
    { id: 'count', label: 'How many', type: 'number', initial: '3' },
    { id: 'reported', label: 'Reported to DSL', type: 'toggle', initial: 'true' },
  ];
  const formPrompt: Prompt = { fallback: 'Report', blocks: [{ kind: 'text', text: 'Tell us.' }, { kind: 'actions', buttons: [{ action: 'back', label: 'Back' }] }], form: { id: 'incident.report', title: 'Report an incident', submitLabel: 'Send', fields, state: '{"step":2}' } };

  test('a form renders every field type with labels, required and errors', () => {
    const card = renderCard(formPrompt);
    expectValidCard(card);
    const body = card.content.body as Json[];
    const byId = (id: string) => body.find((e) => e.id === id)!;
    expect(byId('title')).toMatchObject({ type: 'Input.Text', label: 'Title', isRequired: true, maxLength: 100, value: 'Hello', placeholder: 'Short title' });
    expect(byId('title').errorMessage).toBeTruthy();
    expect(byId('details')).toMatchObject({ type: 'Input.Text', isMultiline: true });
    expect(byId('kind')).toMatchObject({ type: 'Input.ChoiceSet', value: 'chat', style: 'compact' });
    expect(byId('who')).toMatchObject({ type: 'Input.ChoiceSet', isMultiSelect: true, value: 'pupils,staff' });
    // 08:30 UTC in July is 09:30 in London (BST).
    expect(byId('when__date')).toMatchObject({ type: 'Input.Date', value: '2025-07-04', isRequired: true, errorMessage: 'Must be in the past' });
    expect(byId('when__time')).toMatchObject({ type: 'Input.Time', value: '09:30' });
    expect(byId('day')).toMatchObject({ type: 'Input.Date', value: '2025-03-04' });
    expect(byId('count')).toMatchObject({ type: 'Input.Number', value: 3 });
    expect(byId('reported')).toMatchObject({ type: 'Input.Toggle', value: 'true', valueOn: 'true', valueOff: 'false' });
    const timeAt = body.indexOf(byId('when__time'));
    expect(body[timeAt + 1]).toMatchObject({ type: 'TextBlock', text: 'Must be in the past', color: 'Attention' });
    const hintAt = body.indexOf(byId('details'));
    expect(body[hintAt + 1]).toMatchObject({ type: 'TextBlock', text: 'No names of children', isSubtle: true });
    const submit = actionsOf(body).at(-1)!;
    expect(submit).toMatchObject({ type: 'Action.Submit', title: 'Send', data: { safecall: { form: 'incident.report', state: '{"step":2}' } } });
    expect(actionsOf(body)[0]).toMatchObject({ associatedInputs: 'none' });
  });

  test('submitPayload inverts the form (round trip of the initial values)', () => {
    const card = renderCard(formPrompt);
    const inputs: Record<string, unknown> = {};
    for (const e of card.content.body) if (typeof e.id === 'string' && e.type.startsWith('Input.') && e.value !== undefined) inputs[e.id] = String(e.value);
    const submit = actionsOf(card.content.body).at(-1)!;
    expect(submitPayload(press(submit, inputs))).toEqual({
      kind: 'form',
      formId: 'incident.report',
      state: '{"step":2}',
      values: { title: 'Hello', kind: 'chat', who: 'pupils,staff', when: '2025-07-04T08:30:00.000Z', day: '2025-03-04', count: '3', reported: 'true' },
    });
  });

  test('datetime inputs are read in the given time zone', () => {
    const value = { safecall: { form: 'f' }, at__date: '2025-01-15', at__time: '14:05' };
    expect(submitPayload(value)).toMatchObject({ values: { at: '2025-01-15T14:05:00.000Z' } });
    expect(submitPayload(value, 'America/New_York')).toMatchObject({ values: { at: '2025-01-15T19:05:00.000Z' } });
    expect(submitPayload({ ...value, at__time: '' })).toMatchObject({ values: { at: '' } });
    const shown = renderCard({ fallback: 'x', blocks: [], form: { id: 'f', title: 'T', submitLabel: 'S', fields: [{ id: 'at', label: 'At', type: 'datetime', initial: '2025-01-15T19:05:00Z' }] } }, { timeZone: 'America/New_York' });
    expect(shown.content.body.find((e) => e.id === 'at__time')?.value).toBe('14:05');
  });

  test('submitPayload rejects what is not ours', () => {
    for (const v of [null, undefined, 'x', 3, [], {}, { safecall: 'x' }, { safecall: {} }, { safecall: { action: 5 } }, { safecall: { action: '' } }, { safecall: { form: 'f', state: 3 } }, { safecall: { action: 'a', value: {} } }, { safecall: { action: 'a', choice: 'choice' } }, { action: 'a', value: 'b' }]) {
      expect(submitPayload(v)).toBeNull();
    }
    expect(submitPayload({ safecall: { action: 'a' } })).toEqual({ kind: 'action', action: 'a', value: '' });
    expect(submitPayload({ safecall: { form: 'f' }, n: 4, t: true, o: { x: 1 } })).toEqual({ kind: 'form', formId: 'f', values: { n: '4', t: 'true' } });
  });

  test('an empty prompt still shows its fallback', () => {
    const card = renderCard({ fallback: 'Nothing to show', blocks: [] });
    expectValidCard(card);
    expect(card.content.body[0]).toMatchObject({ type: 'TextBlock', text: 'Nothing to show' });
  });

  test('random prompts always give valid cards', () => {
    const r = rng(5);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    const texts = ['', ' ', 'Plain', '**b** _i_ [l](https://x.test)', 'line\nline\r\nline\n\n\npara', 'x'.repeat(3000), '{curly} <angle> & "quote"'];
    const opts = () => Array.from({ length: 1 + Math.floor(r() * 12) }, (_, i) => ({ value: `v${i}`, label: `${pick(texts).slice(0, 40)} ${i}` }));
    const types: FormField['type'][] = ['text', 'multiline', 'select', 'multiselect', 'datetime', 'date', 'number', 'toggle'];
    for (let n = 0; n < 120; n++) {
      const blocks: Block[] = Array.from({ length: Math.floor(r() * 20) }, (): Block => {
        switch (Math.floor(r() * 10)) {
          case 0: return { kind: 'heading', text: pick(texts) };
          case 1: return { kind: 'text', text: pick(texts) };
          case 2: return { kind: 'note', text: pick(texts) };
          case 3: return { kind: 'steps', items: Array.from({ length: Math.floor(r() * 6) }, () => pick(texts)), ordered: r() > 0.5 };
          case 4: return { kind: 'progress', current: Math.floor(r() * 8), total: Math.floor(r() * 8), label: pick(texts) };
          case 5: return { kind: 'facts', facts: Array.from({ length: Math.floor(r() * 6) }, () => ({ label: pick(texts), value: pick(texts) })) };
          case 6: return { kind: 'checklist', items: Array.from({ length: Math.floor(r() * 6) }, () => ({ label: pick(texts), state: pick(['done', 'skipped', 'open'] as const), detail: r() > 0.5 ? pick(texts) : undefined })) };
          case 7: return { kind: 'actions', buttons: Array.from({ length: Math.floor(r() * 14) }, (_, i) => ({ action: pick(['a', 'b']), label: `B${i}`, value: pick(texts), url: r() > 0.8 ? 'https://x.test' : undefined, style: pick([undefined, 'primary', 'danger'] as const) })) };
          case 8: return { kind: 'choice', action: 'c', label: pick(texts), options: opts(), initial: r() > 0.5 ? 'v1' : undefined };
          default: return { kind: 'divider' };
        }
      });
      const form = r() > 0.5 ? {
        id: 'f', title: pick(texts), submitLabel: 'Send', state: r() > 0.5 ? 's' : undefined,
        fields: Array.from({ length: Math.floor(r() * 8) }, (_, i): FormField => ({ id: pick(['choice', `f${i}`]) === 'choice' && i === 0 ? 'choice' : `f${i}`, label: pick(texts), type: pick(types), required: r() > 0.5, options: opts(), hint: r() > 0.5 ? pick(texts) : undefined, error: r() > 0.7 ? pick(texts) : undefined, initial: r() > 0.5 ? pick(['v1', '2025-02-03', '2025-02-03T10:00:00Z', '7', 'true', 'x']) : undefined })),
      } : undefined;
      const prompt: Prompt = { fallback: pick(texts), blocks, ...(form ? { form } : {}) };
      const card = renderCard(prompt);
      expectValidCard(card);
      for (const a of actionsOf(card.content.body)) {
        if (a.type !== 'Action.Submit') continue;
        const menu = a.data.safecall.choice as string | undefined;
        expect(submitPayload(press(a, menu ? { [menu]: 'v0' } : {}))).not.toBeNull();
      }
    }
  });
});
