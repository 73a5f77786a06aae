/**
 * Every prompt the setup can produce, on all three call platforms, goes through both renderers:
 * Slack (within Block Kit's limits) and Teams (a valid Adaptive Card 1.5).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { plainText, stripMarkup, type Prompt } from '../../src/core/prompt.js';
import { MAX_OPTION_TEXT } from '../../src/slack/limits.js';
import type { Reply } from '../../src/core/conversation.js';
import { renderMessage, renderModal } from '../../src/slack/render.js';
import { MAX_BUTTON_LABEL, renderCard } from '../../src/teams/render.js';
import { expectWithinSlackLimits } from '../helpers/slack-limits.js';
import { expectValidCard } from '../helpers/validate-card.js';
import { CALL_PLATFORMS, type CallPlatform } from '../../src/core/guidance/schema.js';
import { addChannel, Chat, TEACHERS, realContent, type Row } from './secure-call.harness.js';
import type { Turn } from '../../src/core/conversation.js';
import { buildBot } from '../../src/app.js';
import { memoryStore } from '../../src/core/memory.js';
import { GUIDE_ACTIONS } from '../../src/core/guidance/ids.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const khan = TEACHERS.khan!;

// Teams cuts a button's title at the card's edge: MAX_BUTTON_LABEL (40) is what the real client's card shows whole.
/** Words that promise something that is not there yet. */
export const UNFINISHED = /later release|not switched on|switched on yet|don't know any channels|coming soon|not available yet|not built yet|isn't ready yet/i;

/** Everything a card shows: its text and notes, button and menu labels, and a form's labels, hints and errors. */
function onScreen(p: Prompt): string {
  const controls = p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons.map((x) => x.label) : b.kind === 'choice' ? [b.label, ...b.options.map((o) => o.label)] : []));
  const form = p.form ? [p.form.title, p.form.submitLabel, p.form.cancelLabel ?? '', ...p.form.fields.flatMap((f) => [f.label, f.hint ?? '', f.placeholder ?? '', f.error ?? '', ...(f.options ?? []).map((o) => o.label)])] : [];
  return [p.fallback, plainText(p.blocks), ...controls, ...form].join('\n');
}

/** Drives every path of the setup on one platform and returns every reply given. */
async function everyPath(platform: CallPlatform): Promise<Reply[]> {
  const any = /[\s\S]*/;
  // The emergency card when nothing is known yet: the one-tap platform question first.
  const first = new Chat();
  await first.replay([
    ['say someone is zoombombing my lesson', any],
    [`action setup.now ${platform}`, any],
    ['action setup.report', any],
  ]);
  const chat = new Chat(undefined, { reminders: true });
  // Known before the checklist shows, so it offers "Post to a channel".
  await addChannel(chat, 'C-STAFF-ROOM');
  const rows: Row[] = [
    ['start', any],
    [`action setup.platform ${platform}`, any],
    ['action setup.change-platform', any],
    [`action setup.platform ${platform}`, any],
    ['action setup.kind class', any],
  ];
  // A first-time class walk: each card plain, with Why? and with I can't find it where the card offers it (not
  // where there is no setting to find); the last card is the list for IT.
  const cards = 9;
  const offersCantFind = () =>
    chat.find(khan, 'setup.why').message.prompt.blocks.some((b) => b.kind === 'actions' && b.buttons.some((x) => x.action === 'setup.cant-find'));
  const walkCards = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      await chat.replay([['action setup.why', any]]);
      if (offersCantFind()) await chat.replay([['action setup.cant-find', any]]);
      await chat.replay([[i === cards - 1 ? 'action setup.copy-for-it' : 'action setup.done', any]]);
    }
  };
  await chat.replay(rows);
  await walkCards(0, 3);
  await chat.replay([
    ['action setup.now', any],
    ['action setup.report', any],
    ['action setup.back', any],
    ['action setup.change-platform', any],
    [`action setup.platform ${platform}`, any],
    ['snapshot setup.done', any],
    ['start', any],
    ['action setup.carry-on', any],
    ['action setup.done', any],
    ['old setup.done', any],
    ['as jones action setup.done', any],
  ]);
  await walkCards(4, cards);
  await chat.replay([
    ['action setup.copy', any],
    ['action setup.remind', any],
    ['submit when=2020-01-01T09:00:00Z', any],
    ['submit when=tomorrow', any],
    ['submit when=2026-12-01T08:00:00Z', any],
  ]);
  await chat.replay([
    ['action setup.post', any],
    ['submit channel=C-NOPE', any],
    ['submit channel=C-STAFF-ROOM', any],
    ['action setup.start-again', any],
    ['action setup.account include', any],
    ['action setup.account leave', any],
    ['action setup.kind meeting', any],
    ['action setup.finish', any],
    ['start', any],
    ['action setup.carry-on', any],
    ['say happening now', any],
  ]);
  await chat.deps.store.dialogs.delete(`setup:slack:${chat.where.id}:${khan.id}`);
  await chat.replay([['old setup.done', any]]);
  // A Teams teacher pressing someone else's button gets the Teams wording.
  const teams = { ...TEACHERS.jones!, platform: 'teams' as const };
  const stamped = chat.find(khan, 'setup.post').button.value ?? '';
  chat.all.push(...(await chat.feature.onAction!({ who: teams, where: chat.where, input: { kind: 'action', action: 'setup.post', value: stamped }, at: new Date() }, 'setup.post', stamped)));
  return [...first.all, ...chat.all];
}

function distinct(replies: Reply[]): Prompt[] {
  const seen = new Map<string, Prompt>();
  for (const r of replies) seen.set(JSON.stringify(r.prompt), r.prompt);
  return [...seen.values()];
}

describe.each(CALL_PLATFORMS)('every setup prompt on %s renders', (platform) => {
  let prompts: Prompt[] = [];
  let replies: Reply[] = [];

  beforeAll(async () => {
    replies = await everyPath(platform);
    prompts = distinct(replies);
  });

  it('covers every kind of reply and every block kind', () => {
    expect(new Set(replies.map((r) => r.mode))).toEqual(new Set(['post', 'update', 'private', 'modal', 'form-errors']));
    const kinds = new Set(prompts.flatMap((p) => p.blocks.map((b) => b.kind)));
    for (const k of ['heading', 'text', 'note', 'steps', 'progress', 'facts', 'checklist', 'actions']) expect(kinds).toContain(k);
    expect(prompts.length).toBeGreaterThan(40);
  });

  it('within Slack limits (messages and modals)', () => {
    for (const p of prompts) {
      if (p.form) expectWithinSlackLimits(renderModal(p));
      else for (const m of renderMessage(p)) expectWithinSlackLimits(m);
    }
  });

  it('as valid Adaptive Cards 1.5 for Teams', () => {
    for (const p of prompts) expectValidCard(renderCard(p));
  });

  it('with no label cut off: buttons within 40 characters (a Teams card\'s row), menu options within Slack\'s 75', () => {
    const labels = prompts.flatMap((p) => p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons.map((x) => x.label) : [])));
    expect(labels.filter((l) => l.length > MAX_BUTTON_LABEL)).toEqual([]);
    const options = prompts.flatMap((p) => [...p.blocks.flatMap((b) => (b.kind === 'choice' ? b.options : [])), ...(p.form?.fields.flatMap((f) => f.options ?? []) ?? [])]);
    expect(options.filter((o) => o.label.length > MAX_OPTION_TEXT)).toEqual([]);
  });

  it('with nothing unfinished on screen (the report advice, guidance text, buttons and forms included)', () => {
    // The scan sees the emergency's report advice card, with the breach procedure's steps and note.
    const report = realContent().strings.t('setup.report.heading');
    const advice = prompts.filter((p) => p.blocks.some((b) => b.kind === 'heading' && b.text === report));
    expect(advice.length).toBeGreaterThan(0);
    const breach = realContent().guidance.byId.get('breach-procedure')!.platforms[platform];
    for (const p of advice) expect(onScreen(p)).toContain(breach.ifNotFound);
    const offending = prompts.filter((p) => UNFINISHED.test(onScreen(p)));
    expect(offending.map((p) => p.fallback.slice(0, 120))).toEqual([]);
  });

  it('never says a setting is missing and then that its name is unconfirmed', () => {
    const noSetting = (b: Prompt['blocks'][number]) => b.kind === 'text' && /no setting for this|has no [a-z -]*(switch|button|setting)|We found no/i.test(b.text);
    const notes = prompts.flatMap((p) => p.blocks.filter((b, i) => b.kind === 'note' && /couldn't confirm/.test(b.text) && p.blocks.slice(0, i).some(noSetting)));
    expect(notes.filter((n) => n.kind === 'note' && /name of this setting/.test(n.text))).toEqual([]);
  });

  it('says a platform can only do part of something, or nothing, once: in the alternative\'s own words', () => {
    const { guidance } = realContent();
    const shown = guidance.items.filter((i) => i.platforms[platform].support !== 'full').map((i) => i.platforms[platform].alternative!);
    // (With I can't find it open, the alternative moves under "What to do instead" and the short line stays.)
    const instead = stripMarkup(realContent().strings.t('setup.step.instead'));
    const cards = prompts.filter((p) => shown.some((a) => plainText(p.blocks).includes(stripMarkup(a))) && !plainText(p.blocks).includes(instead));
    expect(cards.length).toBeGreaterThan(0);
    for (const p of cards) expect(plainText(p.blocks)).not.toMatch(/can only do part of this\.|has no setting for this\.\n/);
  });

  it('shows progress once per card', () => {
    for (const p of prompts) {
      const text = plainText(p.blocks);
      expect(text.match(/Step \d+ of \d+/g)?.length ?? 0).toBeLessThanOrEqual(1);
      // Not as dots (●●○○) beside the count either, on Slack or Teams.
      for (const m of renderMessage(p)) expect(JSON.stringify(m)).not.toMatch(/\(\d+\/\d+\)|[●○]/);
      expect(JSON.stringify(renderCard(p))).not.toMatch(/[●○]/);
    }
  });

  it('with "Sources" once and one name per source document', () => {
    const notes = prompts.flatMap((p) => p.blocks.flatMap((b) => (b.kind === 'note' && /Sources/.test(b.text) ? [b.text] : [])));
    expect(notes.length).toBeGreaterThan(0);
    for (const n of notes) {
      expect(n.match(/Sources?:?/g)).toHaveLength(1);
      expect(n).not.toMatch(/Zoom DPIA|PCPD \(|\bPCPD\b/);
    }
  });

  it('spells out DPO and DPIA at their first use on each card', () => {
    const firstUse = (text: string, short: string, long: string) => {
      const at = text.search(new RegExp(`\\b${short}\\b`));
      // The long form may start a sentence or a name ("Data protection impact assessment (DPIA) of Zoom").
      return at < 0 || text.slice(0, at + short.length).toLowerCase().endsWith(`${long} (${short}`.toLowerCase());
    };
    const bad = prompts.map((p) => plainText(p.blocks)).filter((t) => !firstUse(t, 'DPO', 'data protection officer') || !firstUse(t, 'DPIA', 'data protection impact assessment'));
    expect(bad.map((t) => t.slice(0, 100))).toEqual([]);
  });

  it('keeps before-the-call settings out of the in-call playbook', () => {
    const playbooks = prompts.filter((p) => p.blocks.some((b) => b.kind === 'heading' && /disrupting your call/.test(b.text)));
    expect(playbooks.length).toBeGreaterThan(0);
    const before = realContent().guidance.items.filter((i) => i.phase === 'before').map((i) => i.title);
    for (const p of playbooks) for (const title of before) expect(plainText(p.blocks)).not.toContain(title);
  });

  it('with a plain-text fallback for every prompt', () => {
    for (const p of prompts) expect(p.fallback.trim()).not.toBe('');
  });
});

describe('the words cards are made of', () => {
  it('promise nothing unfinished: every text in content/en-GB (strings and guidance, every platform)', () => {
    const texts: string[] = [];
    const collect = (v: unknown) => {
      if (typeof v === 'string') texts.push(v);
      else if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    const dir = fileURLToPath(new URL('../../content/en-GB', import.meta.url));
    for (const file of readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.yaml'))) collect(parse(readFileSync(join(dir, file), 'utf8')));
    expect(texts.length).toBeGreaterThan(500);
    expect(texts.filter((t) => UNFINISHED.test(t))).toEqual([]);
    // The scan knows the words issue 12 found on screen.
    for (const seen of ['These arrive in a later release.', 'Reminders are not switched on yet.', "I don't know any channels yet."]) expect(seen).toMatch(UNFINISHED);
  });
});

describe('every other card a teacher can reach (help, welcome, topics, each topic)', () => {
  const turn = (input: Turn['input'], platform: 'slack' | 'teams' = 'slack'): Turn => ({
    who: { platform, id: 'U-ANY', name: 'Ms Any' },
    where: { platform, id: 'D-ANY', kind: 'dm' },
    input,
    at: new Date('2026-11-23T09:00:00Z'),
  });

  async function reachable(school: { name?: string; timezone: string }): Promise<Prompt[]> {
    const clock = { now: () => new Date('2026-11-23T09:00:00Z') };
    const { bot } = buildBot({ store: memoryStore(clock), clock, log: silent, school });
    const out: Prompt[] = [];
    const take = async (t: Turn) => out.push(...(await bot.handle(t)).map((r) => r.prompt));
    await take(turn({ kind: 'installed' }));
    await take(turn({ kind: 'installed' }, 'teams'));
    await take(turn({ kind: 'message', text: 'help' }));
    await take(turn({ kind: 'message', text: 'topics' }));
    await take(turn({ kind: 'message', text: 'what is the weather tomorrow' }));
    await take(turn({ kind: 'message', text: 'lobby' }));
    for (const item of realContent().guidance.items) await take(turn({ kind: 'action', action: GUIDE_ACTIONS.show, value: item.id }));
    return out;
  }

  it('has nothing unfinished on screen and no label cut off', async () => {
    const prompts = await reachable({ name: 'Hillside Primary', timezone: 'Europe/London' });
    expect(prompts.filter((p) => UNFINISHED.test(onScreen(p))).map((p) => p.fallback.slice(0, 80))).toEqual([]);
    // Buttons, and the topics card's choices (Teams shows them as buttons), within a Teams row.
    const labels = prompts.flatMap((p) => p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons.map((x) => x.label) : b.kind === 'choice' ? b.options.map((o) => o.label) : [])));
    expect(labels.filter((l) => l.length > MAX_BUTTON_LABEL)).toEqual([]);
    expect(prompts.some((p) => /Hillside Primary's helper/.test(p.fallback))).toBe(true);
  });

  it('shows the topics card with one kind of control: every topic a button on Teams, every group a menu on Slack', async () => {
    const prompts = await reachable({ name: 'Hillside Primary', timezone: 'Europe/London' });
    const topics = prompts.find((p) => p.blocks.some((b) => b.kind === 'choice'))!;
    const count = topics.blocks.reduce((n, b) => n + (b.kind === 'choice' ? b.options.length : 0), 0);
    expect(count).toBe(realContent().guidance.items.length);
    const body = renderCard(topics).content.body as { type: string; actions?: { data?: { safecall?: { action?: string } } }[] }[];
    expect(body.filter((e) => e.type === 'Input.ChoiceSet')).toEqual([]);
    const topicButtons = body.flatMap((e) => e.actions ?? []).filter((a) => a.data?.safecall?.action === GUIDE_ACTIONS.show);
    expect(topicButtons).toHaveLength(count);
    const slack = renderMessage(topics).flatMap((m) => (m.blocks ?? []) as { type: string; elements?: { type: string; action_id?: string }[] }[]);
    const controls = slack.flatMap((b) => b.elements ?? []).filter((e) => e.action_id?.startsWith(GUIDE_ACTIONS.show));
    expect(new Set(controls.map((e) => e.type))).toEqual(new Set(['static_select']));
  });

  it('names the school only when the settings do: never "Your school\'s"', async () => {
    const prompts = await reachable({ timezone: 'Europe/London' });
    for (const p of prompts) expect(p.fallback).not.toMatch(/Your school's|undefined|\{school\}/);
    expect(prompts.some((p) => /your helper for safe class calls/.test(p.fallback))).toBe(true);
  });
});
