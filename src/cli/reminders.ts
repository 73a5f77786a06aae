/**
 * `safecall reminders report --term NAME`: the DPO's summary of a term-end round, every name included.
 * `safecall reminders preview [--at ISO-TIME]`: who would get what at that time, without sending.
 * Both read the store read-only (safe while the server runs; they never write it). The preview runs the
 * real policies over an in-memory copy of what they read, with the outbox recording what they enqueue.
 */
import { openServerStoreForReading } from './data-dir.js';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli.js';
import { buildBot } from '../app.js';
import { loadSettings, type Settings } from '../config.js';
import { loadContent } from '../content/load.js';
import { memoryStore } from '../core/memory.js';
import type { Collection, Store } from '../core/ports.js';
import { plainText } from '../core/prompt.js';
import { DateTime } from 'luxon';
import { showLocal, termInfos, termSlug } from '../core/reminders/calendar.js';
import { storeOutbox, storeTimers } from '../core/schedule/store-ports.js';
import type { Delivery } from '../core/schedule/types.js';
import { slackDirectory } from '../slack/directory.js';
import { roundFigures } from '../../dialogs/reminders/report.js';
import { findRound, readRounds } from '../../dialogs/reminders/rounds.js';
import { summaryPrompt } from '../../dialogs/reminders/views.js';
import { DPO_RUNTIME_KEYS } from '../core/dpo.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

interface Common {
  settings: Settings;
  /** --data-dir, for the lowdb store (PostgreSQL when DATABASE_URL is set). */
  dataDir: string | undefined;
}

function common(name: string, values: { 'data-dir'?: string; settings?: string }): Common | undefined {
  try {
    return { settings: loadSettings(values.settings ?? process.env.SAFECALL_SETTINGS), dataDir: values['data-dir'] };
  } catch (err) {
    console.error(`safecall reminders ${name}: ${(err as Error).message}`);
    return undefined;
  }
}

async function report(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args, options: { term: { type: 'string' }, 'data-dir': { type: 'string' }, settings: { type: 'string' } } }).values;
  } catch (err) {
    console.error(`safecall reminders report: ${(err as Error).message}`);
    return 2;
  }
  if (!values.term) {
    console.error('safecall reminders report: name the term, e.g. --term "Autumn 2026"');
    return 2;
  }
  const c = common('report', values);
  if (!c) return 1;
  let store;
  try {
    store = await openServerStoreForReading(c.dataDir);
  } catch (err) {
    console.error(`safecall reminders report: ${(err as Error).message}`);
    return 1;
  }
  try {
    const zone = c.settings.school.timezone;
    const index = await readRounds(store.reminders, zone, new Date());
    const round = await findRound(store.reminders, index, values.term, c.settings.terms);
    const figures = round ? await roundFigures(store, round, zone) : undefined;
    if (!figures) {
      const terms = termInfos(c.settings.terms, c.settings.reminders.termEndTime, zone);
      const term = terms.find((t) => t.id === termSlug(values.term!));
      if (!term) {
        const known = [...new Set([...terms.map((t) => t.name), ...Object.values(index.rounds).map((r) => r.termName)])].map((n) => `"${n}"`).join(', ') || 'none';
        console.error(`safecall reminders report: "${values.term}" is not a term in the settings and has no reminder round. The terms are: ${known} (npx safecall terms list)`);
        return 1;
      }
      console.error(`safecall reminders report: no term-end reminder has been sent for "${term.name}" yet; it is due ${showLocal(term.remindAt, zone)}`);
      return 1;
    }
    const { strings, guidance } = loadContent();
    console.log(plainText(summaryPrompt({ t: (k, v) => strings.t(k, v), guidance }, figures, { allNames: true, catchUpDays: c.settings.reminders.catchUpDays }).blocks));
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * What the policies read, copied from the read-only store, so they can run and "write" without touching it.
 * Queried by an index every record has, since a query answers with the keys.
 */
async function copyOf(source: Store, clock: { now(): Date }): Promise<Store> {
  const copy = memoryStore(clock);
  const all = async <T>(from: Collection<T>, to: Collection<T>, index: string) => {
    for (const r of await from.query({ index, from: '' })) await to.put(r.key, r.value);
  };
  await all(source.users, copy.users, 'platform');
  await all(source.conversations, copy.conversations, 'place');
  await all(source.reminders, copy.reminders, 'round');
  await all(source.timers, copy.timers, 'due');
  for (const d of await source.deliveries.list()) await copy.deliveries.put(d.key, d);
  for (const key of Object.values(DPO_RUNTIME_KEYS)) {
    const dpo = await source.runtime.get(key);
    if (dpo) await copy.runtime.put(key, dpo);
  }
  return copy;
}

async function preview(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args, options: { at: { type: 'string' }, 'data-dir': { type: 'string' }, settings: { type: 'string' }, json: { type: 'boolean' } } }).values;
  } catch (err) {
    console.error(`safecall reminders preview: ${(err as Error).message}`);
    return 2;
  }
  const c = common('preview', values);
  if (!c) return 1;
  const zone = c.settings.school.timezone;
  // A time without an offset is the school's wall clock (not the zone of the machine running the command).
  const parsedAt = values.at ? DateTime.fromISO(values.at, { zone }) : DateTime.now();
  if (!parsedAt.isValid) {
    console.error(`safecall reminders preview: --at must be a time like 2026-12-18T15:00 (school time, ${zone}) or 2026-12-18T15:00:00Z`);
    return 2;
  }
  const at = parsedAt.toJSDate();
  let source;
  try {
    source = await openServerStoreForReading(c.dataDir);
  } catch (err) {
    console.error(`safecall reminders preview: ${(err as Error).message}`);
    return 1;
  }
  const clock = { now: () => at };
  let store: Store;
  try {
    store = await copyOf(source, clock);
  } finally {
    await source.close();
  }
  const s = c.settings;
  const built = buildBot({
    store,
    clock,
    log: silent,
    school: s.school,
    roles: { admins: { slack: s.slack.admins, teams: s.teams.admins }, dpo: { slack: s.slack.dpo, teams: s.teams.dpo } },
    // With a Slack token the staff channel's members are read too (a read; nothing is sent).
    reminders: { settings: () => s, directory: process.env.SLACK_BOT_TOKEN ? slackDirectory({ token: process.env.SLACK_BOT_TOKEN, apiUrl: process.env.SLACK_API_URL, log: silent }) : undefined },
  });
  const before = new Set((await store.deliveries.list()).map((d) => d.key));
  const ctx = { now: at, outbox: storeOutbox(store, clock), timers: storeTimers(store, clock) };
  for (const p of built.policies) await p.due?.(ctx);
  for (const { value } of await store.timers.query({ index: 'due', before: new Date(at.getTime() + 1).toISOString() }))
    await built.policies.find((p) => p.timerKinds?.includes(value.kind))?.onTimer?.(value, ctx);
  const added = (await store.deliveries.list()).filter((d) => !before.has(d.key));
  const users = new Map((await store.users.list()).map((u) => [`${u.platform}:${u.id}`, u.name]));
  const who = (d: Delivery) => {
    const name = d.to.userId ? users.get(`${d.to.platform}:${d.to.userId}`) : undefined;
    return `${d.to.platform} ${name ? `${name} (${d.to.userId})` : (d.to.userId ?? d.to.conversationId ?? '?')}`;
  };
  if (values.json) {
    console.log(JSON.stringify(added.map((d) => ({ key: d.key, kind: d.kind, to: d.to, text: d.prompt?.fallback })), null, 2));
    return 0;
  }
  const notes = [
    ...(s.slack.staffChannel && !process.env.SLACK_BOT_TOKEN ? ['not counting staff channel members who never used the bot: set SLACK_BOT_TOKEN to read them'] : []),
    // The Teams roster is read through the Bot Connector with the server's credentials; the preview does not call it.
    ...(s.teams.staffTeam ? ['not counting Teams staff team members who never used the bot'] : []),
  ];
  const staffNote = notes.length ? ` (${notes.join('; ')})` : '';
  console.log(`At ${showLocal(at, zone)} (${zone}; ${at.toISOString()}) SafeCall would send ${added.length} message(s)${staffNote}:`);
  const byKind = new Map<string, Delivery[]>();
  for (const d of added) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
  for (const [kind, ds] of byKind) {
    console.log(`\n${kind}: ${ds.length}`);
    for (const d of ds) console.log(`  ${who(d).padEnd(40)} ${d.prompt?.fallback.split('\n')[0] ?? ''}`);
  }
  return 0;
}

export const reportCommand: CliCommand = {
  summary: 'The summary of a term-end reminder: who confirmed, who has not, who could not be reached',
  usage: 'reminders report --term NAME|YYYY-MM-DD [--data-dir DIR] [--settings FILE]',
  run: report,
};

export const previewCommand: CliCommand = {
  summary: 'Who would get which reminder at a time, without sending anything',
  usage: 'reminders preview [--at ISO-TIME] [--data-dir DIR] [--settings FILE] [--json]',
  run: preview,
};
