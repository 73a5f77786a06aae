/**
 * A school for the reminders' tests: a memory store, a clock the test moves, the real content, and the
 * policy and feature as buildBot wires them. `tick()` runs the policy as the scheduler would: `due`, then
 * the timers that fell due (deleted once handled).
 */
import { buildBot } from '../../src/app.js';
import { settingsSchema, type Settings } from '../../src/config.js';
import { memoryStore } from '../../src/core/memory.js';
import { userKey, type KnownUser, type Store } from '../../src/core/ports.js';
import type { Person, Place, Reply, Turn } from '../../src/core/conversation.js';
import type { Delivery, ScheduleContext, SchedulePolicy } from '../../src/core/schedule/types.js';
import { storeOutbox, storeTimers } from '../../src/core/schedule/store-ports.js';
import type { Bot } from '../../src/core/bot.js';
import type { StaffDirectory, TeamsStaffDirectory } from '../../dialogs/reminders/settings.js';
import { plainText } from '../../src/core/prompt.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

export interface School {
  store: Store;
  clock: { now(): Date; set(iso: string): void };
  settings: Settings;
  /** Replaces the settings the policy reads at its next tick (an admin editing the file while it runs). */
  setSettings(settings: Record<string, unknown>): void;
  /** Loads records as another version of SafeCall stored them (`entries()` of each collection). */
  load(dump: Partial<Record<'users' | 'reminders' | 'deliveries' | 'timers', { key: string; value: unknown }[]>>): Promise<void>;
  policy: SchedulePolicy;
  policies: SchedulePolicy[];
  bot: Bot;
  tick(): Promise<void>;
  deliveries(): Promise<Delivery[]>;
  meet(user: Partial<KnownUser> & { platform: 'slack' | 'teams'; id: string }): Promise<void>;
  press(who: Person, action: string, value: string, where?: Place): Promise<Reply[]>;
  say(who: Person, text: string): Promise<Reply[]>;
  /** The settings file edited while the server runs: the next tick reads these. */
  edit(settings: Record<string, unknown>): void;
}

export function school(o: { now: string; settings?: Record<string, unknown>; directory?: StaffDirectory; teams?: TeamsStaffDirectory }): School {
  let now = new Date(o.now);
  const clock = { now: () => now, set: (iso: string) => void (now = new Date(iso)) };
  const store = memoryStore(clock);
  const settings = settingsSchema.parse(o.settings ?? {});
  const live = { current: settings };
  const built = buildBot({
    store,
    clock,
    log: silent,
    school: { name: 'Hillside Primary', timezone: settings.school.timezone },
    roles: { admins: { slack: settings.slack.admins, teams: settings.teams.admins }, dpo: { slack: settings.slack.dpo, teams: settings.teams.dpo } },
    reminders: { settings: () => live.current, directory: o.directory, teams: o.teams },
  });
  const ctx = (): ScheduleContext => ({ now: clock.now(), outbox: storeOutbox(store, clock), timers: storeTimers(store, clock) });
  const policies = built.policies;
  return {
    store,
    clock,
    settings,
    setSettings: (next) => void (live.current = settingsSchema.parse(next)),
    async load(dump) {
      for (const name of ['users', 'reminders', 'deliveries', 'timers'] as const) {
        for (const { key, value } of dump[name] ?? []) await (store[name] as { put(k: string, v: unknown): Promise<number> }).put(key, value);
      }
    },
    policy: policies.find((p) => p.name === 'reminders')!,
    policies,
    bot: built.bot,
    async tick() {
      const c = ctx();
      for (const p of policies) await p.due?.(c);
      for (const { key, value } of await store.timers.query({ index: 'due', before: new Date(c.now.getTime() + 1).toISOString() })) {
        const owner = policies.find((p) => p.timerKinds?.includes(value.kind));
        await owner?.onTimer?.(value, c);
        await store.timers.delete(key);
      }
    },
    deliveries: () => store.deliveries.list(),
    edit(next) {
      live.current = settingsSchema.parse(next);
    },
    async meet(user) {
      const at = clock.now().toISOString();
      await store.users.put(userKey(user.platform, user.id), { firstSeen: at, lastSeen: at, ...user });
    },
    press(who, action, value, where) {
      const place = where ?? { platform: who.platform, id: `D-${who.id}`, kind: 'dm' };
      const turn: Turn = { who, where: place, input: { kind: 'action', action, value }, at: clock.now() };
      return built.bot.handle(turn);
    },
    say(who, text) {
      const turn: Turn = { who, where: { platform: who.platform, id: `D-${who.id}`, kind: 'dm' }, input: { kind: 'message', text }, at: clock.now() };
      return built.bot.handle(turn);
    },
  };
}

export const textOf = (r: { prompt?: { fallback: string; blocks: Parameters<typeof plainText>[0] } }) => (r.prompt ? `${r.prompt.fallback}\n${plainText(r.prompt.blocks)}` : '');
export const buttonsOf = (d: Delivery) => (d.prompt?.blocks ?? []).flatMap((b) => (b.kind === 'actions' ? b.buttons : []));
