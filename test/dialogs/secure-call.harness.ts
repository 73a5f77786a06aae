/**
 * A tiny fake chat for replaying setup transcripts: it keeps the messages a teacher sees, applies
 * `update` replies to the message whose button was pressed, and finds buttons by action id and arg,
 * as a teacher would tap them. Rows are `[teacher does, bot shows]`, after BotBuilder's core-bot tests.
 */
import type { Person, Place, Reply, Turn, Input } from '../../src/core/conversation.js';
import { makeDeps as coreDeps, type Deps } from '../../src/core/deps.js';
import { memoryStore } from '../../src/core/memory.js';
import { plainText, type Button, type Prompt } from '../../src/core/prompt.js';
import { userKey, type Store } from '../../src/core/ports.js';
import { loadContent, type Content } from '../../src/content/load.js';
import { decodeToken } from '../../src/core/dialog/engine.js';
import { setupFeature, type SetupFeature } from '../../dialogs/secure-call/feature.js';
import type { SetupOptions } from '../../dialogs/secure-call/runtime.js';
import { accountStepIds, isAdminOnly } from '../../dialogs/secure-call/dialog.js';
import { CALL_PLATFORMS } from '../../src/core/guidance/schema.js';

export const NOW = new Date('2026-11-23T09:00:00Z');
export const CHANNEL: Place = { platform: 'slack', id: 'C-CLASS-7B', kind: 'channel', teamId: 'T1' };
export const DM: Place = { platform: 'slack', id: 'D-KHAN', kind: 'dm', teamId: 'T1' };
export const TEACHERS: Record<string, Person> = {
  khan: { platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1' },
  jones: { platform: 'slack', id: 'U-JONES', name: 'Mr Jones', teamId: 'T1' },
};

let content: Content | undefined;
export const realContent = () => (content ??= loadContent());

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** The store shares the deps' clock, so expiry is judged by the test's time, not the real date. */
export function makeDeps(store?: Store, clock = { now: () => NOW }): Deps {
  store ??= memoryStore(clock);
  const { guidance, strings } = realContent();
  return coreDeps({ store, clock, log: silent, guidance, strings, school: { name: 'Hillside Primary', timezone: 'Europe/London' } });
}

export interface Message {
  id: number;
  conversation: string;
  prompt: Prompt;
  /** Set for private (ephemeral) messages: only this person sees it. */
  only?: string;
}

/** The text a teacher sees: the fallback, the blocks as plain text, the buttons and any form. */
export function seen(p: Prompt): string {
  const buttons = p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons.map((x) => x.label) : []));
  const form = p.form ? [p.form.title, ...p.form.fields.flatMap((f) => [f.label, f.error ?? '', ...(f.options ?? []).map((o) => o.label)])] : [];
  return [p.fallback, plainText(p.blocks), buttons.length ? `[${buttons.join(' | ')}]` : '', ...form].join('\n');
}

export const argOf = (b: Button) => decodeToken(b.value ?? '')?.arg ?? b.value ?? '';

export type Shows = RegExp | RegExp[] | { text?: RegExp | RegExp[]; not?: RegExp | RegExp[]; modes?: Reply['mode'][] };
export type Row = [does: string, shows: Shows];

export class Chat {
  readonly messages: Message[] = [];
  /** Every reply ever given, for the render tests. */
  readonly all: Reply[] = [];
  last: Reply[] = [];
  feature: SetupFeature;
  where: Place = CHANNEL;
  private nextId = 1;
  private snapshot?: Message;
  private form?: { prompt: Prompt; by: string };

  constructor(
    readonly deps: Deps = makeDeps(),
    readonly options: SetupOptions = {},
  ) {
    this.feature = setupFeature(deps, options);
  }

  /** A new feature over the same store: what happens when the bot restarts. */
  restartBot(): void {
    this.feature = setupFeature({ ...this.deps }, this.options);
  }

  private turn(who: Person, input: Input): Turn {
    return { who, where: this.where, input, at: this.deps.clock.now() };
  }

  private deliver(who: Person, replies: Reply[], pressed?: Message): void {
    this.last = replies;
    this.all.push(...replies);
    for (const r of replies) {
      if (r.mode === 'update' && pressed) pressed.prompt = r.prompt;
      else if (r.mode === 'modal' || r.mode === 'form-errors') this.form = { prompt: r.prompt, by: who.id };
      else if (r.mode !== 'home') {
        const conversation = r.mode === 'post' && r.to ? r.to : this.where.id;
        this.messages.push({ id: this.nextId++, conversation, prompt: r.prompt, only: r.mode === 'private' ? who.id : undefined });
      }
    }
  }

  /**
   * The newest message in this conversation, visible to `who`, with a button for `action` (and `arg`):
   * the teacher's own message first, as a teacher taps their own setup in a shared channel.
   */
  find(who: Person, action: string, arg?: string): { message: Message; button: Button } {
    const visible = this.messages.filter((m) => m.conversation === this.where.id && (!m.only || m.only === who.id)).reverse();
    const candidates = visible.flatMap((message) =>
      message.prompt.blocks.flatMap((block) =>
        block.kind === 'actions' ? block.buttons.filter((b) => b.action === action && (arg === undefined || argOf(b) === arg)).map((button) => ({ message, button })) : [],
      ),
    );
    const own = candidates.find((c) => decodeToken(c.button.value ?? '')?.owner === who.id);
    const found = own ?? candidates[0];
    if (found) return found;
    throw new Error(`no "${action}${arg ? ` ${arg}` : ''}" button on screen for ${who.id}`);
  }

  async press(who: Person, action: string, arg?: string, from?: Message): Promise<Reply[]> {
    const found = from ? findIn(from, action, arg) : this.find(who, action, arg);
    const replies = await this.feature.onAction!(this.turn(who, { kind: 'action', action, value: found.button.value ?? '' }), action, found.button.value ?? '');
    this.deliver(who, replies, found.message);
    return replies;
  }

  async run(who: Person, does: string): Promise<Reply[]> {
    const [verb = '', ...rest] = does.split(' ');
    const words = rest.join(' ');
    switch (verb) {
      case 'start': {
        const r = await this.feature.start(this.turn(who, { kind: 'command', text: `setup ${words}`.trim() }), words ? { platform: words as 'zoom' } : {});
        this.deliver(who, r);
        return r;
      }
      case 'say': {
        const r = await this.feature.emergency(this.turn(who, { kind: 'message', text: words }));
        this.deliver(who, r);
        return r;
      }
      case 'action': {
        const [action = '', arg] = rest;
        return this.press(who, action, arg);
      }
      case 'double': {
        // Two quick clicks on the same button, before the message is updated.
        const [action = '', arg] = rest;
        const found = this.find(who, action, arg);
        const value = found.button.value ?? '';
        const first = await this.feature.onAction!(this.turn(who, { kind: 'action', action, value }), action, value);
        const again = await this.feature.onAction!(this.turn(who, { kind: 'action', action, value }), action, value);
        this.deliver(who, [...first, ...again], found.message);
        return this.last;
      }
      case 'snapshot':
        this.snapshot = structuredClone(this.find(who, rest[0] ?? '').message);
        this.last = [];
        return [];
      case 'old': {
        const [action = '', arg] = rest;
        if (!this.snapshot) throw new Error('no snapshot taken');
        return this.press(who, action, arg, structuredClone(this.snapshot));
      }
      case 'submit': {
        if (!this.form?.prompt.form) throw new Error('no form open');
        const values = Object.fromEntries(rest.map((kv) => kv.split('=') as [string, string]));
        const f = this.form.prompt.form;
        const r = await this.feature.onForm!(this.turn(who, { kind: 'form', formId: f.id, values, state: f.state }), f.id, values, f.state);
        this.deliver(who, r);
        return r;
      }
      case 'restart-bot':
        this.restartBot();
        this.last = [];
        return [];
      default:
        throw new Error(`unknown transcript verb "${verb}"`);
    }
  }

  get openForm(): Prompt | undefined {
    return this.form?.prompt;
  }

  /** Replays rows, asserting on the text of each turn's replies. */
  async replay(rows: Row[], who: Person = TEACHERS.khan!): Promise<void> {
    for (const [i, [does, shows]] of rows.entries()) {
      const actor = does.startsWith('as ') ? TEACHERS[does.split(' ')[1] ?? '']! : who;
      const command = does.startsWith('as ') ? does.split(' ').slice(2).join(' ') : does;
      const replies = await this.run(actor, command);
      const text = replies.map((r) => `(${r.mode}) ${seen(r.prompt)}`).join('\n---\n');
      const want = shows instanceof RegExp || Array.isArray(shows) ? { text: shows } : shows;
      const where = `row ${i + 1} "${does}":\n${text}`;
      for (const re of [want.text ?? []].flat()) if (!re.test(text)) throw new Error(`${where}\n\ndoes not match ${re}`);
      for (const re of [want.not ?? []].flat()) if (re.test(text)) throw new Error(`${where}\n\nshould not match ${re}`);
      if (want.modes && want.modes.join() !== replies.map((r) => r.mode).join()) throw new Error(`${where}\n\nmodes ${replies.map((r) => r.mode).join()} ≠ ${want.modes.join()}`);
    }
  }
}

function findIn(message: Message, action: string, arg?: string): { message: Message; button: Button } {
  for (const block of message.prompt.blocks) {
    if (block.kind !== 'actions') continue;
    const button = block.buttons.find((b) => b.action === action && (arg === undefined || argOf(b) === arg));
    if (button) return { message, button };
  }
  throw new Error(`no "${action}" button on that message`);
}

/**
 * Rows pressing one button from step `from` (on screen) until step `to` shows, in a walk of `total`
 * cards; by default to the end, where the checklist shows. The list for IT, when last, is passed on with
 * "Copy the list for IT" (or skipped).
 */
export function walk(action: 'setup.done' | 'setup.skip', from: number, total: number, to = total + 1, itLast = false): Row[] {
  const rows: Row[] = [];
  for (let step = from + 1; step <= Math.min(to, total); step++) rows.push([`action ${action}`, new RegExp(`Step ${step} of ${total}\\b`)]);
  if (to > total) rows.push([`action ${itLast && action === 'setup.done' ? 'setup.copy-for-it' : action}`, /Your secure-call checklist/]);
  return rows;
}

/** A teacher who has been through the one-off steps (account habits, the list for IT) before and uses `platform`. */
export async function returning(chat: Chat, platform?: 'zoom' | 'teams' | 'meet', who: Person = TEACHERS.khan!) {
  const items = chat.deps.guidance.items;
  const admin = items.filter((i) => CALL_PLATFORMS.some((p) => isAdminOnly(i, p))).map((i) => i.id);
  const ids = [...new Set([...accountStepIds(items), ...admin])];
  const at = chat.deps.clock.now().toISOString();
  await chat.deps.store.users.put(userKey(who.platform, who.id), {
    platform: who.platform, id: who.id, name: who.name, firstSeen: at, lastSeen: at,
    prefs: { callPlatform: platform, accountStepsSeen: ids },
  });
}

export async function addChannel(chat: Chat, id: string, teamId = 'T1', platform: 'slack' | 'teams' = 'slack') {
  const at = chat.deps.clock.now().toISOString();
  await chat.deps.store.conversations.put(`${platform}:${id}`, { platform, id, kind: 'channel', teamId, firstSeen: at, lastSeen: at });
}
