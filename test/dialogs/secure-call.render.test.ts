/**
 * Every prompt the setup can produce, on all three call platforms, goes through both renderers:
 * Slack (within Block Kit's limits) and Teams (a valid Adaptive Card 1.5).
 */
import { plainText, type Prompt } from '../../src/core/prompt.js';
import { MAX_OPTION_TEXT } from '../../src/slack/limits.js';
import type { Reply } from '../../src/core/conversation.js';
import { renderMessage, renderModal } from '../../src/slack/render.js';
import { renderCard } from '../../src/teams/render.js';
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

/** Teams cuts a button's title at the card's edge; on a phone-width card about 30 characters fit. */
const MAX_BUTTON_LABEL = 30;
/** Words that promise something that is not there yet. */
export const UNFINISHED = /later release|not switched on|switched on yet|don't know any channels|coming soon|not available yet/i;

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
  // A first-time class walk: each card plain, with Why? and with I can't find it; the last is the list for IT.
  const cards = 9;
  for (let i = 0; i < cards - 1; i++) rows.push(['action setup.why', any], ['action setup.cant-find', any], ['action setup.done', any]);
  rows.push(['action setup.why', any], ['action setup.cant-find', any], ['action setup.copy-for-it', any]);
  await chat.replay(rows.slice(0, 5 + 3 * 3));
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
  await chat.replay(rows.slice(5 + 3 * 4));
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

  it('with no label cut off: buttons within 30 characters (a phone-width Teams card), menu options within Slack\'s 75', () => {
    const labels = prompts.flatMap((p) => p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons.map((x) => x.label) : [])));
    expect(labels.filter((l) => l.length > MAX_BUTTON_LABEL)).toEqual([]);
    const options = prompts.flatMap((p) => [...p.blocks.flatMap((b) => (b.kind === 'choice' ? b.options : [])), ...(p.form?.fields.flatMap((f) => f.options ?? []) ?? [])]);
    expect(options.filter((o) => o.label.length > MAX_OPTION_TEXT)).toEqual([]);
  });

  it('with nothing unfinished on screen', () => {
    const offending = prompts.filter((p) => UNFINISHED.test(p.fallback) || UNFINISHED.test(plainText(p.blocks)));
    expect(offending.map((p) => p.fallback.slice(0, 120))).toEqual([]);
  });

  it('shows progress once per card', () => {
    for (const p of prompts) {
      const text = plainText(p.blocks);
      expect(text.match(/Step \d+ of \d+/g)?.length ?? 0).toBeLessThanOrEqual(1);
      for (const m of renderMessage(p)) expect(JSON.stringify(m).match(/\(\d+\/\d+\)/)).toBeNull();
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
      return at < 0 || text.slice(0, at + short.length).endsWith(`${long} (${short}`);
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

describe('every other card a teacher can reach (help, welcome, topics, each topic)', () => {
  const turn = (input: Turn['input'], platform: 'slack' | 'teams' = 'slack'): Turn => ({
    who: { platform, id: 'U-ANY', name: 'Ms Any' },
    where: { platform, id: 'D-ANY', kind: 'dm' },
    input,
    at: new Date('2026-11-23T09:00:00Z'),
  });

  async function reachable(school: { name?: string; timezone: string }): Promise<Prompt[]> {
    const { bot } = buildBot({ store: memoryStore(), clock: { now: () => new Date('2026-11-23T09:00:00Z') }, log: silent, school });
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
    expect(prompts.filter((p) => UNFINISHED.test(p.fallback) || UNFINISHED.test(plainText(p.blocks))).map((p) => p.fallback.slice(0, 80))).toEqual([]);
    const labels = prompts.flatMap((p) => p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons.map((x) => x.label) : [])));
    expect(labels.filter((l) => l.length > MAX_BUTTON_LABEL)).toEqual([]);
    expect(prompts.some((p) => /Hillside Primary's helper/.test(p.fallback))).toBe(true);
  });

  it('names the school only when the settings do: never "Your school\'s"', async () => {
    const prompts = await reachable({ timezone: 'Europe/London' });
    for (const p of prompts) expect(p.fallback).not.toMatch(/Your school's|undefined|\{school\}/);
    expect(prompts.some((p) => /your helper for safe class calls/.test(p.fallback))).toBe(true);
  });
});
