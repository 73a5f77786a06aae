/**
 * The ICO clock with a fixed clock: reminders at 24, 48 and 68 hours, overdue at 72, each once, from
 * timers kept in the store (so a restarted bot fires the same ones). The due timers are handed to the
 * policy's onTimer as the scheduler does (src/core/schedule/types.ts): due by the index, deleted after.
 */
import type { Prompt } from '../../src/core/prompt.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues, textOf } from './incidents.harness.js';
import type { IncidentSettings } from '../../dialogs/incidents/alerts.js';
import { escalationTimerKey } from '../../dialogs/incidents/policy.js';

const REF = 'INC-2027-0001';

/** What the scheduler does with timers: every one due by now goes to the policy that owns its kind, then is deleted. */
async function tick(w: World, opts: { keep?: boolean } = {}): Promise<number> {
  const due = await w.store.timers.query({ index: 'due', before: new Date(w.now.getTime() + 1).toISOString() });
  for (const t of due) {
    expect(w.feature.policy.timerKinds).toContain(t.value.kind);
    await w.feature.policy.onTimer!(t.value, { now: w.now, outbox: w.deps.outbox, timers: w.deps.timers });
    if (!opts.keep) await w.store.timers.delete(t.key);
  }
  return due.length;
}

const reminders = async (w: World) => (await w.deliveries()).filter((d) => d.kind === 'incident.reminder');
const texts = async (w: World) => (await reminders(w)).filter((d) => d.to.platform === 'slack').map((d) => textOf(d.prompt as Prompt).split('\n')[0]);

async function reported(w = new World()) {
  await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
  return w;
}

test('no decision: reminders at 24, 48 and 68 hours and overdue at 72, each once, on both destinations', async () => {
  const w = await reported();
  w.advance(23.9);
  expect(await tick(w)).toBe(0);
  w.advance(0.1);
  expect(await tick(w)).toBe(1);
  expect(await texts(w)).toEqual(['INC-2027-0001: 24 hours since the school became aware. 48 h 0 min left to decide about the ICO.']);
  w.advance(24);
  await tick(w);
  w.advance(20);
  await tick(w);
  expect(await texts(w)).toEqual([
    'INC-2027-0001: 24 hours since the school became aware. 48 h 0 min left to decide about the ICO.',
    'INC-2027-0001: 48 hours since the school became aware. 24 h 0 min left to decide about the ICO.',
    'INC-2027-0001: only 4 h 0 min left to decide about the ICO.',
  ]);
  w.advance(4);
  await tick(w);
  const all = await texts(w);
  expect(all[3]).toMatch(/INC-2027-0001 is overdue/);
  expect((await reminders(w)).filter((d) => d.to.platform === 'teams')).toHaveLength(4);
  const r = (await w.store.reports.get(REF))!;
  expect(r.timeline.map((e) => [e.kind, e.by.id, e.at])).toEqual([['overdue', 'safecall', '2027-03-04T09:00:00.000Z']]);
  // The alert itself is redrawn in place as overdue.
  const last = (await w.deliveries()).filter((d) => d.kind === 'incident.alert-update' && d.to.platform === 'slack').pop()!;
  expect(last.updateOf).toBe(`incident.alert:${REF}:slack:C-DPO`);
  expect(textOf(last.prompt as Prompt)).toMatch(/Status: Overdue/);
  expect(textOf(last.prompt as Prompt)).toMatch(/Overdue by 0 h 0 min/);
  expect(await w.store.timers.list()).toEqual([]);
});

test('a timer run twice (a crash before it was deleted) sends once', async () => {
  const w = await reported();
  w.advance(24);
  await tick(w, { keep: true });
  await tick(w);
  w.advance(48);
  await tick(w, { keep: true });
  await tick(w);
  // 24 h, then (48 and 68 h being past their time at 72 h) the overdue notice: each once.
  expect(await texts(w)).toEqual([expect.stringMatching(/24 hours since/), expect.stringMatching(/is overdue/)]);
  expect((await w.store.reports.get(REF))!.timeline.filter((e) => e.kind === 'overdue')).toHaveLength(1);
});

test('the timers survive a restart: a new bot over the same store fires them', async () => {
  const w = await reported();
  const restarted = new World({ store: w.store });
  restarted.now = new Date(w.now.getTime() + 24 * 3_600_000);
  expect(await tick(restarted)).toBe(1);
  expect(await texts(restarted)).toHaveLength(1);
});

test('a decision before 48 hours stops the clock: no more reminders, never overdue', async () => {
  const w = await reported();
  w.advance(30);
  await tick(w);
  const form = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, REF));
  await w.submit(PEOPLE.dpo, DPO_CHANNEL, form, { [T.decision]: 'not-reported', [T.reason]: 'No personal data was seen' });
  w.advance(50);
  await tick(w);
  expect(await texts(w)).toHaveLength(1);
  expect((await w.store.reports.get(REF))!.timeline.map((e) => e.kind)).toEqual(['decision']);
});

test('after downtime, reminders past their time are skipped: only the latest due one is sent', async () => {
  const w = await reported();
  w.advance(50);
  await tick(w);
  expect(await texts(w)).toEqual(['INC-2027-0001: 48 hours since the school became aware. 22 h 0 min left to decide about the ICO.']);
});

test('a timer for a report that has gone (purged) does nothing', async () => {
  const w = await reported();
  await w.store.reports.delete(REF);
  w.advance(72);
  expect(await tick(w)).toBe(4);
  expect(await reminders(w)).toEqual([]);
});

test('retention: a closed report is deleted at a tick once its period has run out; open ones stay', async () => {
  const w = new World({ options: { slackDpoChannel: 'C-DPO', retentionDays: 30, escalateAfterHours: 0 } });
  await reported(w);
  await w.submit(PEOPLE.teacher, DM, formOf(await w.command(PEOPLE.teacher, DM, 'report')), goodValues(w.now));
  const form = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, REF));
  await w.submit(PEOPLE.dpo, DPO_CHANNEL, form, { [T.decision]: 'not-reported', [T.reason]: 'No risk' });
  await w.action(PEOPLE.dpo, DPO_CHANNEL, A.close, REF);
  const run = () => w.feature.policy.due!({ now: w.now, outbox: w.deps.outbox, timers: w.deps.timers });
  w.advance(29 * 24);
  await run();
  expect((await w.store.reports.list()).map((r) => r.ref).sort()).toEqual([REF, 'INC-2027-0002']);
  w.advance(2 * 24);
  await run();
  expect((await w.store.reports.list()).map((r) => r.ref)).toEqual(['INC-2027-0002']);
  expect((await w.deliveries()).filter((d) => d.key.includes(REF))).toEqual([]);
});

test('escalation follows the settings as they are now: turned on after a report was made, then brought forward', async () => {
  const settings: IncidentSettings = { slackDpoChannel: 'C-DPO', escalateAfterHours: 0 };
  const w = new World({ options: { settings: () => settings } });
  await reported(w);
  const run = () => w.feature.policy.due!({ now: w.now, outbox: w.deps.outbox, timers: w.deps.timers });
  const toAdmin = async () => (await w.deliveries()).filter((d) => d.kind === 'incident.alert' && d.to.userId === 'U-ADMIN');
  w.advance(1);
  await run();
  expect(await w.store.timers.get(escalationTimerKey(REF, 1))).toBeUndefined();
  // Turned on (8 working hours): the open case gets its steps, from when it was reported (09:00 Monday).
  settings.escalateAfterHours = 8;
  await run();
  expect((await w.store.timers.get(escalationTimerKey(REF, 1)))?.dueAt).toBe('2027-03-01T17:00:00.000Z');
  // Brought forward to 2 hours: the step moves to 11:00, which has passed, and the admins (no deputies) get it.
  settings.escalateAfterHours = 2;
  await run();
  expect((await w.store.timers.get(escalationTimerKey(REF, 1)))?.dueAt).toBe('2027-03-01T11:00:00.000Z');
  w.advance(1);
  await tick(w);
  await run();
  expect((await toAdmin()).map((d) => textOf(d.prompt as Prompt).split('\n')[0])).toEqual([expect.stringMatching(/Escalated to you/)]);
});
