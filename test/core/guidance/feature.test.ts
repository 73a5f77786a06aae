/** The guide feature with the in-memory store: answers, paging, platform choice remembered, topics. */
import { loadContent } from '../../../src/content/load.js';
import type { Reply, Turn } from '../../../src/core/conversation.js';
import { makeDeps, type Deps } from '../../../src/core/deps.js';
import { decodeState, encodeState, MIN_SCORE } from '../../../src/core/guidance/answer.js';
import { guideFeature } from '../../../src/core/guidance/feature.js';
import { GUIDE_ACTIONS } from '../../../src/core/guidance/ids.js';
import { SETUP_ACTIONS } from '../../../dialogs/secure-call/ids.js';
import { GuidanceSearch } from '../../../src/core/guidance/search.js';
import { memoryStore } from '../../../src/core/memory.js';
import { userKey, type Log } from '../../../src/core/ports.js';
import type { Block, Button, Prompt } from '../../../src/core/prompt.js';

const content = loadContent();
const search = new GuidanceSearch(content.guidance, content.vocabulary);
const NOW = new Date('2026-11-23T10:00:00.000Z');
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const t = (key: string, vars?: Record<string, string | number>) => content.strings.t(`guide.${key}`, vars);

function setup() {
  const deps: Deps = makeDeps({
    store: memoryStore({ now: () => NOW }),
    clock: { now: () => NOW },
    log: silent,
    guidance: content.guidance,
    strings: content.strings,
    school: { name: 'Test School', timezone: 'Europe/London' },
  });
  return { deps, guide: guideFeature(deps, search, { setupStart: SETUP_ACTIONS.start }) };
}

const turn = (input: Turn['input'] = { kind: 'message', text: '' }): Turn => ({
  who: { platform: 'slack', id: 'U1', name: 'Ms Teacher', teamId: 'T1' },
  where: { platform: 'slack', id: 'D1', kind: 'dm' },
  input,
  at: NOW,
});
const only = (replies: Reply[]): Reply => {
  expect(replies).toHaveLength(1);
  return replies[0]!;
};
const buttons = (p: Prompt): Button[] => p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons : []));
const heading = (p: Prompt) => (p.blocks.find((b) => b.kind === 'heading') as Extract<Block, { kind: 'heading' }> | undefined)?.text;
const stepsOf = (p: Prompt) => p.blocks.filter((b) => b.kind === 'steps').flatMap((b) => (b.kind === 'steps' ? b.items : []));
const item = (id: string) => content.guidance.byId.get(id)!;

test('prefix is guide, and every action id starts with it', () => {
  const { guide } = setup();
  expect(guide.prefix).toBe('guide');
  for (const a of Object.values(GUIDE_ACTIONS)) expect(a.startsWith('guide.')).toBe(true);
});

test('a question is answered with a new message, for the platform it names', async () => {
  const { guide } = setup();
  const r = only(await guide.answer(turn(), 'lobby in teams'));
  expect(r.mode).toBe('post');
  expect(heading(r.prompt)).toBe(item('waiting-room').title);
  expect(stepsOf(r.prompt)).toEqual(item('waiting-room').platforms.teams.steps);
});

test('a question naming no platform uses the remembered one, else shows all three', async () => {
  const { guide, deps } = setup();
  const unknown = only(await guide.answer(turn(), 'lobby'));
  expect(stepsOf(unknown.prompt)).toEqual([]);
  expect(buttons(unknown.prompt).filter((b) => b.action === GUIDE_ACTIONS.platform)).toHaveLength(3);

  await deps.store.users.put(userKey('slack', 'U1'), { platform: 'slack', id: 'U1', firstSeen: 'x', lastSeen: 'x', prefs: { callPlatform: 'meet' } });
  const remembered = only(await guide.answer(turn(), 'lobby'));
  expect(stepsOf(remembered.prompt)).toEqual(item('waiting-room').platforms.meet.steps);
  // A platform named in the question wins over the remembered one.
  expect(stepsOf(only(await guide.answer(turn(), 'lobby on zoom')).prompt)).toEqual(item('waiting-room').platforms.zoom.steps);
});

test('choosing a platform remembers it (creating the record) and updates the answer with its steps', async () => {
  const { guide, deps } = setup();
  const first = only(await guide.answer(turn(), 'lobby'));
  const teams = buttons(first.prompt).find((b) => b.action === GUIDE_ACTIONS.platform && decodeState(b.value!)?.pf === 'teams')!;
  const r = only(await guide.onAction!(turn({ kind: 'action', action: teams.action, value: teams.value! }), teams.action, teams.value!));
  expect(r.mode).toBe('update');
  expect(stepsOf(r.prompt)).toEqual(item('waiting-room').platforms.teams.steps);
  expect(r.prompt.blocks[0]).toEqual({ kind: 'text', text: t('platformSaved', { platform: t('platformName.teams') }) });
  expect(await deps.store.users.get(userKey('slack', 'U1'))).toEqual({
    platform: 'slack',
    id: 'U1',
    name: 'Ms Teacher',
    teamId: 'T1',
    firstSeen: NOW.toISOString(),
    lastSeen: NOW.toISOString(),
    prefs: { callPlatform: 'teams' },
  });
  // The next question uses it.
  expect(stepsOf(only(await guide.answer(turn(), 'mute everyone')).prompt)).toEqual(item('mute-on-entry').platforms.teams.steps);
});

test('choosing a platform keeps the rest of an existing record', async () => {
  const { guide, deps } = setup();
  await deps.store.users.put(userKey('slack', 'U1'), {
    platform: 'slack',
    id: 'U1',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    dmConversationId: 'D1',
    prefs: { callPlatform: 'zoom', accountStepsSeen: ['data-region'] },
  });
  const value = encodeState({ q: 'lobby', p: 0, pf: 'meet' });
  await guide.onAction!(turn(), GUIDE_ACTIONS.platform, value);
  expect(await deps.store.users.get(userKey('slack', 'U1'))).toEqual({
    platform: 'slack',
    id: 'U1',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: NOW.toISOString(),
    dmConversationId: 'D1',
    prefs: { callPlatform: 'meet', accountStepsSeen: ['data-region'] },
    // The one user upsert also records what the turn says about the person.
    name: 'Ms Teacher',
    teamId: 'T1',
  });
});

test('Next match pages through the hits, updating the message', async () => {
  const { guide } = setup();
  const q = 'someone I dont know joined and is drawing on my screen';
  const first = only(await guide.answer(turn(), q));
  const seen = [heading(first.prompt)];
  let prompt = first.prompt;
  for (;;) {
    const more = buttons(prompt).find((b) => b.action === GUIDE_ACTIONS.more);
    if (!more) break;
    const r = only(await guide.onAction!(turn(), more.action, more.value!));
    expect(r.mode).toBe('update');
    prompt = r.prompt;
    seen.push(heading(prompt));
    expect(seen.length).toBeLessThanOrEqual(5);
  }
  expect(seen.length).toBeGreaterThan(1);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen[0]).toBe(item('zoombombing-response').title);
});

test("with a remembered platform, Next match keeps the first answer's order: each match once, in the order the answer counted them", async () => {
  const { guide, deps } = setup();
  await deps.store.users.put(userKey('slack', 'U1'), { platform: 'slack', id: 'U1', firstSeen: 'x', lastSeen: 'x', prefs: { callPlatform: 'zoom' } });
  const q = 'can pupils send files in the chat';
  const expected = search.search(q, { limit: 5 }).hits.filter((h) => h.score >= MIN_SCORE).map((h) => h.item.title);
  let prompt = only(await guide.answer(turn(), q)).prompt;
  const seen = [heading(prompt)];
  for (let more = buttons(prompt).find((b) => b.action === GUIDE_ACTIONS.more); more; more = buttons(prompt).find((b) => b.action === GUIDE_ACTIONS.more)) {
    prompt = only(await guide.onAction!(turn(), more.action, more.value!)).prompt;
    seen.push(heading(prompt));
  }
  expect(seen).toEqual(expected);
  // The steps shown are the remembered platform's all along.
  expect(stepsOf(prompt).length).toBeGreaterThan(0);
});

test('Pick my platform shows the same answer with the platform choice', async () => {
  const { guide } = setup();
  const first = only(await guide.answer(turn(), 'lobby in teams'));
  const pick = buttons(first.prompt).find((b) => b.action === GUIDE_ACTIONS.pick)!;
  const r = only(await guide.onAction!(turn(), pick.action, pick.value!));
  expect(r.mode).toBe('update');
  expect(heading(r.prompt)).toBe(item('waiting-room').title);
  expect(stepsOf(r.prompt)).toEqual([]);
  expect(buttons(r.prompt).filter((b) => b.action === GUIDE_ACTIONS.platform)).toHaveLength(3);
});

test('Show all topics, then one topic, then a platform for it', async () => {
  const { guide, deps } = setup();
  const topics = only(await guide.onAction!(turn(), GUIDE_ACTIONS.topics, ''));
  expect(topics.mode).toBe('update');
  expect(topics.prompt.blocks.filter((b) => b.kind === 'choice').length).toBeGreaterThan(1);

  const one = only(await guide.onAction!(turn(), GUIDE_ACTIONS.show, 'lock-meeting'));
  expect(one.mode).toBe('update');
  expect(heading(one.prompt)).toBe(item('lock-meeting').title);
  const zoom = buttons(one.prompt).find((b) => b.action === GUIDE_ACTIONS.platform && decodeState(b.value!)?.pf === 'zoom')!;
  const withZoom = only(await guide.onAction!(turn(), zoom.action, zoom.value!));
  expect(heading(withZoom.prompt)).toBe(item('lock-meeting').title);
  expect(stepsOf(withZoom.prompt)).toEqual(item('lock-meeting').platforms.zoom.steps);
  expect((await deps.store.users.get(userKey('slack', 'U1')))?.prefs?.callPlatform).toBe('zoom');

  // Now remembered: a topic shows the zoom steps straight away.
  expect(stepsOf(only(await guide.onAction!(turn(), GUIDE_ACTIONS.show, 'waiting-room')).prompt)).toEqual(item('waiting-room').platforms.zoom.steps);
});

test('stale or unknown values fall back to the topic list, saying why', async () => {
  const { guide, deps } = setup();
  const unknownTopic = only(await guide.onAction!(turn(), GUIDE_ACTIONS.show, 'no-such-topic'));
  expect(unknownTopic.prompt.blocks[0]).toEqual({ kind: 'text', text: t('unknownTopic') });
  for (const action of [GUIDE_ACTIONS.more, GUIDE_ACTIONS.platform, GUIDE_ACTIONS.pick, 'guide.nonsense']) {
    const r = only(await guide.onAction!(turn(), action, 'garbage'));
    expect(r.mode).toBe('update');
    expect(r.prompt.blocks[0]).toEqual({ kind: 'text', text: t('stale') });
  }
  expect(await deps.store.users.get(userKey('slack', 'U1'))).toBeUndefined();
});

test('no good match: says so with the setup and topics buttons', async () => {
  const { guide } = setup();
  const r = only(await guide.answer(turn(), 'what is the weather tomorrow'));
  expect(heading(r.prompt)).toBe(t('noMatch.heading'));
  expect(buttons(r.prompt).map((b) => b.action)).toEqual(['setup.start', GUIDE_ACTIONS.topics]);
});
