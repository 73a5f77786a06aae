/**
 * A small world for incident transcripts: a memory store, a clock the test moves, the real content, the
 * DPO and an admin in the roles, and a reporter. It fills in forms as a person would (the form the bot
 * opened, its state kept) and drains the outbox by reading store.deliveries.
 */
import type { Person, Place, Reply, Turn, Input } from '../../src/core/conversation.js';
import { makeDeps, type Deps, type Roles } from '../../src/core/deps.js';
import { memoryStore } from '../../src/core/memory.js';
import type { Prompt } from '../../src/core/prompt.js';
import type { Sealer } from '../../src/core/sealer.js';
import type { Store } from '../../src/core/ports.js';
import type { Delivery } from '../../src/core/schedule/types.js';
import { incidentsFeature, type IncidentsFeature } from '../../dialogs/incidents/feature.js';
import type { IncidentOptions } from '../../dialogs/incidents/alerts.js';
import { realContent } from './secure-call.harness.js';

export const START = new Date('2027-03-01T09:00:00Z');
export const PEOPLE = {
  pupil: { platform: 'slack', id: 'U-PUPIL', name: 'Sam Pupil', teamId: 'T1' },
  teacher: { platform: 'slack', id: 'U-KHAN', name: 'Ms Khan', teamId: 'T1' },
  dpo: { platform: 'slack', id: 'U-DPO', name: 'Mrs Patel', teamId: 'T1' },
  teamsDpo: { platform: 'teams', id: 'aad-dpo', name: 'Mrs Patel' },
  teamsTeacher: { platform: 'teams', id: 'aad-teacher', name: 'Mr Jones' },
} satisfies Record<string, Person>;
export const DPO_CHANNEL: Place = { platform: 'slack', id: 'C-DPO', kind: 'channel', teamId: 'T1' };
export const DM: Place = { platform: 'slack', id: 'D-PUPIL', kind: 'dm', teamId: 'T1' };
export const CLASS: Place = { platform: 'slack', id: 'C-7B', kind: 'channel', teamId: 'T1' };
export const TEAMS_DM: Place = { platform: 'teams', id: 'a:teacher-chat', kind: 'dm' };
export const TEAMS_DPO: Place = { platform: 'teams', id: '19:dpo@thread.tacv2', kind: 'channel' };

export const ROLES: Roles = { admins: { slack: ['U-ADMIN'], teams: [] }, dpo: { slack: ['U-DPO'], teams: ['aad-dpo'] } };

export const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

export class World {
  now = START;
  readonly clock = { now: () => this.now };
  readonly store: Store;
  readonly deps: Deps;
  feature: IncidentsFeature;
  readonly logged: { level: string; obj: object; msg?: string }[] = [];

  constructor(o: { sealer?: Sealer; options?: IncidentOptions; store?: Store } = {}) {
    this.store = o.store ?? memoryStore(this.clock);
    const { guidance, strings } = realContent();
    const log = {
      info: (obj: object, msg?: string) => this.logged.push({ level: 'info', obj, msg }),
      warn: (obj: object, msg?: string) => this.logged.push({ level: 'warn', obj, msg }),
      error: (obj: object, msg?: string) => this.logged.push({ level: 'error', obj, msg }),
      debug: () => undefined,
    };
    this.deps = makeDeps({ store: this.store, clock: this.clock, log, guidance, strings, school: { name: 'Hillside', timezone: 'Europe/London' }, sealer: o.sealer, roles: ROLES });
    // Escalation off unless a test is about it: the others count what the DPO destinations receive.
    this.feature = incidentsFeature(this.deps, o.options ?? { slackDpoChannel: 'C-DPO', escalateAfterHours: 0 });
  }

  advance(hours: number): void {
    this.now = new Date(this.now.getTime() + hours * 3_600_000);
  }

  turn(who: Person, where: Place, input: Input): Turn {
    return { who, where, input, at: this.now };
  }

  command(who: Person, where: Place, text: string): Promise<Reply[]> {
    const [name, ...rest] = text.split(' ');
    const names: Record<string, Parameters<NonNullable<IncidentsFeature['onCommand']>>[1]> = { report: 'report', mine: 'myReports', dpo: 'setDpoChannel', log: 'breachLog' };
    return this.feature.onCommand!(this.turn(who, where, { kind: 'command', text }), names[name!]!, rest.join(' '));
  }

  action(who: Person, where: Place, action: string, value: string): Promise<Reply[]> {
    return this.feature.onAction!(this.turn(who, where, { kind: 'action', action, value }), action, value);
  }

  submit(who: Person, where: Place, form: Prompt, values: Record<string, string>): Promise<Reply[]> {
    const f = form.form!;
    return this.feature.onForm!(this.turn(who, where, { kind: 'form', formId: f.id, values, state: f.state }), f.id, values, f.state);
  }

  async deliveries(): Promise<Delivery[]> {
    return (await this.store.deliveries.list()).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.key < b.key ? -1 : 1));
  }
}

export function formOf(replies: Reply[]): Prompt {
  const r = replies.find((x) => x.mode === 'modal' || x.mode === 'form-errors');
  if (!r || !('prompt' in r) || !r.prompt.form) throw new Error(`no form in the replies (${replies.map((x) => x.mode).join(', ')})`);
  return r.prompt;
}

export function textOf(p: Prompt): string {
  const lines: string[] = [p.fallback];
  for (const b of p.blocks) {
    if (b.kind === 'text' || b.kind === 'heading' || b.kind === 'note') lines.push(b.text);
    if (b.kind === 'facts') lines.push(...b.facts.map((f) => `${f.label}: ${f.value}`));
    if (b.kind === 'steps') lines.push(...b.items);
    if (b.kind === 'actions') lines.push(`[${b.buttons.map((x) => x.label).join(' | ')}]`);
  }
  return lines.join('\n');
}

export const buttonsOf = (p: Prompt) => p.blocks.flatMap((b) => (b.kind === 'actions' ? b.buttons : []));

/**
 * A good submission: happened an hour ago, noticed as it was reported (so the 72 hours run from now; the
 * awareness tests give an earlier `noticed`).
 */
export function goodValues(now: Date, extra: Record<string, string> = {}): Record<string, string> {
  return {
    category: 'uninvited',
    occurred: new Date(now.getTime() - 3_600_000).toISOString(),
    noticed: now.toISOString(),
    what: 'A stranger joined 7B science and shouted a pupil’s home address.',
    platform: 'zoom',
    meeting: '7B science',
    whose: 'students',
    how_many: '1',
    special: 'no',
    done: 'Removed them and locked the meeting.',
    evidence: 'I kept a screenshot',
    told: 'Head of year',
    ...extra,
  };
}
