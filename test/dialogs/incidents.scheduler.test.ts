/**
 * The incident clock through the real scheduler (src/core/schedule/runner.ts) with sealed deliveries:
 * the alert goes out on both platforms, a DPO action redraws the other platform's alert in place, the 24 h
 * reminder is sent once however often the scheduler ticks, and a scheduler started again on the same store
 * flags the report overdue once at 72 h, without the reminders that fell due while it was down. Only the platforms' far side is in memory (test/schedule/helpers.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Prompt } from '../../src/core/prompt.js';
import { aesSealer } from '../../src/core/sealer.js';
import { createScheduler } from '../../src/core/schedule/runner.js';
import { MemoryMessenger } from '../schedule/helpers.js';
import { REPORT_ACTIONS as A } from '../../dialogs/incidents/ids.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues, silent, textOf } from './incidents.harness.js';

test('alert, in-place update, reminders once, overdue once after a scheduler restart', async () => {
  const sealer = aesSealer(randomBytes(32));
  const w = new World({ sealer });
  const slack = new MemoryMessenger('slack');
  const teams = new MemoryMessenger('teams');
  const scheduler = () => createScheduler({ store: w.store, clock: w.clock, log: silent, policies: [w.feature.policy], messengers: { slack, teams }, sealer, wake: false });
  let s = scheduler();
  try {
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    await s.tick();
    expect(slack.sent.filter((m) => m.tag.kind === 'incident.alert').map((m) => [m.to.conversationId, m.tag.kind])).toEqual([['C-DPO', 'incident.alert']]);
    expect(teams.sent.map((m) => [m.to.userId, m.tag.kind])).toEqual([['aad-dpo', 'incident.alert']]);
    expect(textOf(slack.sent[0]!.prompt)).toMatch(/New incident report INC-2027-0001[\s\S]*stranger joined/);
    // Once an alert is out, the reporter hears (once) that it has reached someone.
    await s.tick();
    expect(slack.sent.filter((m) => m.tag.kind === 'incident.reporter-update').map((m) => [m.to.userId, textOf(m.prompt as Prompt).split('\n')[0]])).toEqual([
      ['U-PUPIL', expect.stringMatching(/INC-2027-0001.*has reached/)],
    ]);
    slack.sent.splice(0);

    // The DPO acknowledges on Slack: Slack's alert is the reply's update; Teams' is replaced in place.
    const replies = await w.action(PEOPLE.dpo, DPO_CHANNEL, A.acknowledge, 'INC-2027-0001');
    expect(replies.map((r) => r.mode)).toEqual(['update']);
    await s.tick();
    expect(slack.updates).toEqual([]);
    expect(teams.updates).toHaveLength(1);
    expect(teams.updates[0]!.ref.messageId).toBe('m1');
    expect(textOf(teams.updates[0]!.prompt)).toMatch(/Being looked at/);

    w.advance(24);
    await Promise.all([s.tick(), s.tick()]);
    await s.tick();
    const reminders = (m: MemoryMessenger) => m.sent.filter((x) => x.tag.kind === 'incident.reminder').map((x) => textOf(x.prompt as Prompt).split('\n')[0]);
    expect(reminders(slack)).toEqual(['INC-2027-0001: 24 hours since the school became aware. 48 h 0 min left to decide about the ICO.']);
    expect(reminders(teams)).toHaveLength(1);

    await s.stop();
    s = scheduler();
    w.advance(48);
    await s.tick();
    await s.tick();
    // Down from 24 h to 72 h: the 48 and 68 h reminders are past their time, so only the overdue notice goes.
    expect(reminders(slack)).toEqual([
      'INC-2027-0001: 24 hours since the school became aware. 48 h 0 min left to decide about the ICO.',
      'INC-2027-0001 is overdue: the 72 hours are up and no ICO decision is recorded.',
    ]);
    expect(await w.store.timers.list()).toEqual([]);
    expect((await w.store.reports.get('INC-2027-0001'))!.timeline.map((e) => e.kind)).toEqual(['acknowledged', 'overdue']);
    expect(textOf(slack.updates[slack.updates.length - 1]!.prompt)).toMatch(/Status: Overdue/);
  } finally {
    await s.stop();
  }
});

test('a first alert a restart cut short where the platform cannot be asked is sent again, saying so, and later redraws go to the repeat', async () => {
  const w = new World({});
  const slack = new MemoryMessenger('slack');
  const teams = new MemoryMessenger('teams');
  // Slack's DPO channel cannot be read back (no channels:history scope): as the real messenger answers.
  slack.readBack = 'unknown';
  const scheduler = () => createScheduler({ store: w.store, clock: w.clock, log: silent, policies: [w.feature.policy], messengers: { slack, teams }, wake: false });
  // The first process dies mid-send: its Slack alert stays `sending`, whether or not it arrived unknown.
  let die!: (err: Error) => void;
  slack.during = (tag) => (tag.kind === 'incident.alert' ? new Promise<void>((_, reject) => (die = reject)) : Promise.resolve());
  const first = scheduler();
  await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
  const dying = first.tick();
  await new Promise((r) => setTimeout(r, 50));
  const alertKey = 'incident.alert:INC-2027-0001:slack:C-DPO';
  expect((await w.store.deliveries.get(alertKey))?.status).toBe('sending');

  slack.during = undefined;
  const second = scheduler();
  try {
    w.advance(1); // past the dead process's lease
    await second.tick();
    expect((await w.store.deliveries.get(alertKey))?.status).toBe('uncertain');
    const again = slack.sent.filter((m) => m.tag.kind === 'incident.alert-again');
    expect(again.map((m) => m.to.conversationId)).toEqual(['C-DPO']);
    expect(textOf(again[0]!.prompt)).toMatch(/^Sent again: SafeCall restarted while sending this alert[\s\S]*New incident report INC-2027-0001/);
    // Teams' alert was not cut short: not sent again.
    expect(teams.sent.filter((m) => m.tag.kind !== 'incident.alert')).toEqual([]);

    // The DPO acknowledges on Teams: the Slack alert on screen (the repeat) is the one redrawn.
    const replies = await w.action(PEOPLE.teamsDpo, { platform: 'teams', id: 'D-aad-dpo', kind: 'dm' }, A.acknowledge, 'INC-2027-0001');
    expect(replies.map((r) => r.mode)).toEqual(['update']);
    await second.tick();
    await second.tick();
    expect(slack.sent.filter((m) => m.tag.kind === 'incident.alert-again')).toHaveLength(1);
    const repeatRef = (await w.store.deliveries.get(`incident.alert-again:${alertKey}`))?.ref;
    expect(repeatRef?.messageId).toBeDefined();
    expect(slack.updates.map((u) => u.ref.messageId)).toEqual([repeatRef!.messageId]);
  } finally {
    die(new Error('killed'));
    await dying.catch(() => undefined);
    await first.stop();
    await second.stop();
  }
});

test('a first alert left uncertain without its repeat (a kill between the two writes) gets the repeat at the next tick, once', async () => {
  const w = new World({});
  const slack = new MemoryMessenger('slack');
  const teams = new MemoryMessenger('teams');
  const s = createScheduler({ store: w.store, clock: w.clock, log: silent, policies: [w.feature.policy], messengers: { slack, teams }, wake: false });
  try {
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    await s.tick();
    const alertKey = 'incident.alert:INC-2027-0001:slack:C-DPO';
    const d = await w.store.deliveries.read(alertKey);
    // What reconcile writes, without the policy hearing of it.
    await w.store.deliveries.putIf(alertKey, { ...d!.value, status: 'uncertain', ref: undefined }, d!.revision);
    await s.tick();
    await s.tick();
    expect(slack.sent.filter((m) => m.tag.kind === 'incident.alert-again').map((m) => m.to.conversationId)).toEqual(['C-DPO']);
  } finally {
    await s.stop();
  }
});
