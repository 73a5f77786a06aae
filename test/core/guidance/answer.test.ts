/** The answer prompts: pure functions of content, strings and a search result. */
import { loadContent } from '../../../src/content/load.js';
import {
  answerPrompt,
  decodeState,
  encodeState,
  goodHits,
  MAX_VALUE_LENGTH,
  MIN_SCORE,
  noMatchPrompt,
  topicPrompt,
  topicsPrompt,
  type AnswerContext,
} from '../../../src/core/guidance/answer.js';
import { GUIDE_ACTIONS } from '../../../src/core/guidance/ids.js';
import { MAX_OPTION_TEXT } from '../../../src/slack/limits.js';
import { SETUP_ACTIONS } from '../../../dialogs/secure-call/ids.js';

const SETUP_START = SETUP_ACTIONS.start;
import type { GuidanceItem } from '../../../src/core/guidance/schema.js';
import { GuidanceSearch, type SearchResult } from '../../../src/core/guidance/search.js';
import type { Block, Button, Prompt } from '../../../src/core/prompt.js';
import { loadQuestions, QUESTION_FILES } from './quality.js';

const content = loadContent();
const ctx: AnswerContext = { strings: content.strings, guidance: content.guidance, setupStart: SETUP_START };
const search = new GuidanceSearch(content.guidance, content.vocabulary);
const t = (key: string, vars?: Record<string, string | number>) => content.strings.t(`guide.${key}`, vars);

const item = (id: string) => content.guidance.byId.get(id)!;
const buttons = (p: Prompt): Button[] => p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons : []));
const texts = (p: Prompt): string[] =>
  p.blocks.flatMap((b: Block) =>
    b.kind === 'heading' || b.kind === 'text' || b.kind === 'note' ? [b.text] : b.kind === 'steps' ? b.items : b.kind === 'facts' ? b.facts.map((f) => `${f.label}: ${f.value}`) : [],
  );
const has = (p: Prompt, text: string) => texts(p).some((x) => x.includes(text));

/** A copy of the waiting-room item changed for a case the real content may not have. */
function variant(change: (i: GuidanceItem) => void): GuidanceItem {
  const copy = structuredClone(item('waiting-room'));
  change(copy);
  return copy;
}
const result = (items: GuidanceItem[], platform?: 'zoom' | 'teams' | 'meet', score = 500): SearchResult => ({
  platform,
  hits: items.map((i, n) => ({ item: i, score: score - n })),
});

describe('no good match', () => {
  test('says so and offers the whole setup and all topics', () => {
    const p = answerPrompt(ctx, result([]), 'what is the weather tomorrow');
    expect(texts(p)[0]).toBe(t('noMatch.heading'));
    expect(has(p, 'what is the weather tomorrow')).toBe(true);
    expect(buttons(p).map((b) => b.action)).toEqual([SETUP_START, GUIDE_ACTIONS.topics]);
    expect(p).toEqual(noMatchPrompt(ctx, 'what is the weather tomorrow'));
  });

  test('the threshold: a hit below MIN_SCORE is not a match, one at it is', () => {
    const wr = item('waiting-room');
    expect(goodHits({ hits: [{ item: wr, score: MIN_SCORE - 0.01 }] })).toEqual([]);
    expect(goodHits({ hits: [{ item: wr, score: MIN_SCORE }] })).toHaveLength(1);
    expect(texts(answerPrompt(ctx, result([wr], undefined, MIN_SCORE - 1), 'x'))[0]).toBe(t('noMatch.heading'));
  });

  // Sharing a word with an item is not enough: "staff room" is not a waiting room, "day off" not the DPIA's
  // sign-off (search.ts: a word qualified otherwise; an item matching only words found in most items).
  test.each([
    'what is the weather tomorrow',
    'can you order more printer paper',
    'where is the staff room',
    'tell me a joke',
    'how do i mark homework',
    'can i have a day off',
    'how do i book the minibus',
    'where is the seating plan template',
  ])(
    'off-topic "%s" finds no good match',
    (q) => expect(goodHits(search.search(q))).toEqual([]),
  );

  // What else school staff type to a bot in the staff channel: the off-topic questions of the unseen set's
  // tune half (test/core/guidance/questions-unseen.yaml), written before the search was changed for them.
  const staffRoom = [
    'can i get a coffee from the staff room',
    'whens the next inset day',
    'can i swap my duty on thursday',
    'where is the seating plan template',
    'how do i book the minibus for the trip',
    'whats for lunch in the canteen today',
    'who is covering my year 9 lesson tomorrow',
    'where do i print the mock exam papers',
    'photocopier jammed again who do i call',
    'who has the key for the science room',
    'who do i ask about my payslip',
    'my classroom is freezing who do i tell',
    'who is on break duty today',
  ];
  test.each(staffRoom)('off-topic "%s" finds no good match', (q) => expect(goodHits(search.search(q))).toEqual([]));

  // Known gaps: these share a specific word with an item ("term", "week", "new", "shut", "lost", and the DPIA's
  // "risk assessment") and still get a weak answer. Each is expected to find no good match, and is marked
  // failing until it does: when one starts to pass, move it to the list above.
  const stillAnswered = [
    'when is parents evening this term',
    'how do i report a broken projector in room 12',
    'how many weeks till half term',
    'what time is the staff meeting in the library',
    'can i order new whiteboard pens',
    'is the car park shut tomorow',
    'when are the end of year reports due',
    'can i leave early on friday for a dentist appointment',
    'where does lost property go',
    'how do i write a risk assesment for the trip',
    'do we have a fire drill this week',
    'how do i take the register on the new system',
  ];
  test.failing.each(stillAnswered)('known gap: off-topic "%s" still gets a weak answer', (q) => expect(goodHits(search.search(q))).toEqual([]));

  test('the two lists are the tune half\'s off-topic questions, each once', () => {
    const offTopic = loadQuestions(QUESTION_FILES.unseen)
      .filter((q) => q.set === 'tune' && q.expect.length === 0)
      .map((q) => q.q);
    expect([...staffRoom, ...stillAnswered].sort()).toEqual([...offTopic].sort());
    expect(staffRoom.length + stillAnswered.length).toBeGreaterThanOrEqual(25);
  });

  test.each(['lobby', 'mute', 'pasword', 'record', 'kick someone out'])('a one- or two-word topic "%s" is a good match', (q) =>
    expect(goodHits(search.search(q)).length).toBeGreaterThan(0),
  );
});

describe('the best match', () => {
  test('shows title, why and the source cited by document and part', () => {
    const wr = item('waiting-room');
    const p = answerPrompt(ctx, result([wr], 'zoom'), 'lobby');
    expect(p.blocks.find((b) => b.kind === 'heading')).toEqual({ kind: 'heading', text: wr.title });
    expect(has(p, wr.why)).toBe(true);
    // Each document by its one name (strings/sources.yaml), never by its id.
    for (const s of wr.sources) expect(has(p, t('sourceItem', { doc: content.strings.t(`sources.${s.doc}`), part: s.part }))).toBe(true);
    expect(has(p, 'PCPD (')).toBe(false);
    expect(p.fallback).not.toMatch(/Source: Source/);
    expect(p.fallback).toContain(wr.title);
  });

  test('with a known platform: that platform\'s steps, where, if-not-found, and a Pick my platform button', () => {
    const wr = item('waiting-room');
    const p = answerPrompt(ctx, result([wr], 'teams'), 'lobby in teams');
    expect(p.blocks).toContainEqual({ kind: 'steps', ordered: true, items: wr.platforms.teams.steps });
    expect(has(p, wr.platforms.teams.where!)).toBe(true);
    expect(has(p, wr.platforms.teams.ifNotFound)).toBe(true);
    expect(has(p, wr.platforms.zoom.steps[0]!)).toBe(false);
    const acts = buttons(p).map((b) => b.action);
    expect(acts).toEqual([SETUP_START, GUIDE_ACTIONS.pick]);
    expect(buttons(p)[0]!.value).toBe('teams');
    expect(decodeState(buttons(p)[1]!.value!)).toEqual({ q: 'lobby in teams', p: 0, pf: 'teams' });
  });

  test('with the platform unknown: all three briefly, with buttons to pick one', () => {
    const wr = item('waiting-room');
    const p = answerPrompt(ctx, result([wr]), 'lobby');
    const facts = p.blocks.find((b) => b.kind === 'facts');
    expect(facts && facts.kind === 'facts' && facts.facts.map((f) => f.label)).toEqual([
      t('platformName.zoom'),
      t('platformName.teams'),
      t('platformName.meet'),
    ]);
    expect(has(p, wr.platforms.meet.where!)).toBe(true);
    expect(p.blocks.some((b) => b.kind === 'steps')).toBe(false);
    const pick = buttons(p).filter((b) => b.action === GUIDE_ACTIONS.platform);
    expect(pick.map((b) => decodeState(b.value!)?.pf)).toEqual(['zoom', 'teams', 'meet']);
    expect(pick.every((b) => decodeState(b.value!)?.q === 'lobby')).toBe(true);
    expect(buttons(p).some((b) => b.action === GUIDE_ACTIONS.pick)).toBe(false);
    expect(buttons(p).some((b) => b.action === SETUP_START)).toBe(true);
  });

  test('partial or no support: the alternative is shown', () => {
    const partial = variant((i) => {
      i.platforms.meet = { ...i.platforms.meet, support: 'partial', alternative: 'Do it by hand instead.' };
    });
    const p = answerPrompt(ctx, result([partial], 'meet'), 'lobby');
    expect(has(p, t('support.partial', { platform: t('platformName.meet') }))).toBe(true);
    expect(has(p, t('instead', { text: 'Do it by hand instead.' }))).toBe(true);

    const none = variant((i) => {
      i.platforms.zoom = { support: 'none', steps: [], alternative: 'Ask IT.', ifNotFound: 'n/a', refs: [] };
    });
    const q = answerPrompt(ctx, result([none], 'zoom'), 'lobby');
    expect(has(q, t('support.none', { platform: t('platformName.zoom') }))).toBe(true);
    expect(has(q, t('instead', { text: 'Ask IT.' }))).toBe(true);
    expect(q.blocks.some((b) => b.kind === 'steps')).toBe(false);
    // Briefly, when the platform is unknown.
    expect(has(answerPrompt(ctx, result([none]), 'lobby'), t('support.noneShort', { text: 'Ask IT.' }))).toBe(true);
  });

  test('an unconfirmed setting carries a note; a confirmed one does not', () => {
    const unconfirmed = variant((i) => {
      i.platforms.zoom.unconfirmed = true;
    });
    const note = t('unconfirmed', { platform: t('platformName.zoom') });
    expect(answerPrompt(ctx, result([unconfirmed], 'zoom'), 'lobby').blocks).toContainEqual({ kind: 'note', text: note });
    expect(has(answerPrompt(ctx, result([item('lock-meeting')], 'zoom'), 'lobby'), note)).toBe(false);
    expect(has(answerPrompt(ctx, result([unconfirmed]), 'lobby'), t('unconfirmedShort', { text: '', platform: t('platformName.zoom') }).trim())).toBe(true);
  });
});

describe('paging', () => {
  const three = [item('waiting-room'), item('lock-meeting'), item('meeting-passcode')];

  test('Next match carries the next page; the last page has none and says it is the last', () => {
    const first = answerPrompt(ctx, result(three, 'zoom'), 'strangers getting in');
    expect(has(first, t('match', { n: 1, total: 3, question: 'strangers getting in' }))).toBe(true);
    const more = buttons(first).find((b) => b.action === GUIDE_ACTIONS.more)!;
    expect(decodeState(more.value!)).toEqual({ q: 'strangers getting in', p: 1, pf: 'zoom' });
    expect(buttons(first)[0]!.action).toBe(GUIDE_ACTIONS.more);

    const second = answerPrompt(ctx, result(three, 'zoom'), 'strangers getting in', 1);
    expect(second.blocks.find((b) => b.kind === 'heading')).toEqual({ kind: 'heading', text: three[1]!.title });
    expect(decodeState(buttons(second).find((b) => b.action === GUIDE_ACTIONS.more)!.value!)?.p).toBe(2);

    const last = answerPrompt(ctx, result(three, 'zoom'), 'strangers getting in', 2);
    expect(last.blocks.find((b) => b.kind === 'heading')).toEqual({ kind: 'heading', text: three[2]!.title });
    expect(buttons(last).some((b) => b.action === GUIDE_ACTIONS.more)).toBe(false);
    expect(has(last, t('lastMatch', { question: 'strangers getting in' }))).toBe(true);

    // A page past the end shows the last match.
    expect(answerPrompt(ctx, result(three, 'zoom'), 'strangers getting in', 9)).toEqual(last);
  });

  test('only good hits are paged through', () => {
    const r: SearchResult = { hits: [{ item: three[0]!, score: 500 }, { item: three[1]!, score: MIN_SCORE - 1 }] };
    const p = answerPrompt(ctx, r, 'lobby');
    expect(buttons(p).some((b) => b.action === GUIDE_ACTIONS.more)).toBe(false);
  });

  test('a single match shows no counter', () => {
    expect(has(answerPrompt(ctx, result([three[0]!]), 'lobby'), t('match', { n: 1, total: 1, question: 'lobby' }))).toBe(false);
  });
});

describe('button values', () => {
  test('stay within the limit however long the question', () => {
    const long = 'how do I stop "strangers" getting in '.repeat(200);
    const v = encodeState({ q: long, p: 3, pf: 'meet' });
    expect(v.length).toBeLessThanOrEqual(MAX_VALUE_LENGTH);
    const back = decodeState(v)!;
    expect(long.startsWith(back.q)).toBe(true);
    expect(back).toMatchObject({ p: 3, pf: 'meet' });
    for (const b of buttons(answerPrompt(ctx, result([item('waiting-room'), item('lock-meeting')]), long))) {
      expect((b.value ?? '').length).toBeLessThanOrEqual(MAX_VALUE_LENGTH);
    }
  });
  test.each(['', 'not json', '[]', '{"q":1,"p":0}', '{"q":"x","p":-1}', '{"q":"x","p":0,"pf":"skype"}', '{"q":"x","p":0.5}'])(
    'a bad value "%s" decodes to undefined',
    (v) => expect(decodeState(v)).toBeUndefined(),
  );
});

describe('topics', () => {
  test('every item once, grouped by phase in call order, each group a menu of item ids', () => {
    const p = topicsPrompt(ctx);
    const choices = p.blocks.filter((b) => b.kind === 'choice');
    const ids = choices.flatMap((c) => (c.kind === 'choice' ? c.options.map((o) => o.value) : []));
    expect([...ids].sort()).toEqual(content.guidance.items.map((i) => i.id).sort());
    expect(choices.every((c) => c.kind === 'choice' && c.action === GUIDE_ACTIONS.show)).toBe(true);
    // Each menu is labelled with its phase, in call order.
    const labels = choices.map((c) => (c.kind === 'choice' ? c.label : ''));
    const order = ['account', 'before', 'start', 'during', 'after', 'incident', 'ongoing'].map((ph) => t(`topics.phase.${ph}`));
    expect(labels).toEqual(order.filter((h) => labels.includes(h)));
    expect(p.blocks.length).toBeLessThanOrEqual(20);
  });

  test('lists each topic once, with one kind of control, and no label longer than Slack lets an option be', () => {
    const p = topicsPrompt(ctx);
    const cardText = JSON.stringify(p.blocks);
    // Each by its short title where it has one (40 characters show whole on a Teams card's row of buttons).
    for (const i of content.guidance.items) expect(cardText.split(JSON.stringify(i.shortTitle ?? i.title)).length - 1).toBe(1);
    expect(p.blocks.flatMap((b) => (b.kind === 'choice' ? b.options.filter((o) => o.label.length > 40).map((o) => o.label) : []))).toEqual([]);
    // Topics are menus only: the one button is the setup's, not a topic.
    expect(p.blocks.filter((b) => b.kind === 'steps')).toEqual([]);
    expect(buttons(p).map((b) => b.action)).toEqual([ctx.setupStart]);
    const options = p.blocks.flatMap((b) => (b.kind === 'choice' ? [b.label, ...b.options.map((o) => o.label)] : []));
    expect(options.filter((o) => o.length > MAX_OPTION_TEXT)).toEqual([]);
    // The fallback has the list once too.
    for (const i of content.guidance.items) expect(p.fallback.split(`- ${i.title}\n`).length - 1 + Number(p.fallback.endsWith(`- ${i.title}`))).toBe(1);
  });

  test('one topic: the item, with the platform choice when unknown, and a way back to all topics', () => {
    const wr = item('waiting-room');
    const p = topicPrompt(ctx, wr);
    const pick = buttons(p).filter((b) => b.action === GUIDE_ACTIONS.platform);
    expect(pick.map((b) => decodeState(b.value!))).toEqual(['zoom', 'teams', 'meet'].map((pf) => ({ q: '', p: 0, id: 'waiting-room', pf })));
    expect(buttons(p).some((b) => b.action === GUIDE_ACTIONS.topics)).toBe(true);
    const known = topicPrompt(ctx, wr, 'meet');
    expect(known.blocks).toContainEqual({ kind: 'steps', ordered: true, items: wr.platforms.meet.steps });
  });
});

test('every item renders for every platform and none, without a missing string', () => {
  for (const i of content.guidance.items) {
    for (const pf of [undefined, 'zoom', 'teams', 'meet'] as const) expect(() => answerPrompt(ctx, result([i], pf), 'q')).not.toThrow();
  }
});

test('the question is shown back without markup and shortened', () => {
  const p = answerPrompt(ctx, result([]), 'what is *this* _thing_ [x](y) ' + 'z'.repeat(400));
  const text = texts(p)[1]!;
  expect(text).toContain('what is this thing x(y) z');
  expect(text).not.toContain('z'.repeat(200));
});
