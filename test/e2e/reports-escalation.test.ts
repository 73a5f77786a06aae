/**
 * Escalation, as incident tools do (issue 22), end to end on a clock the test moves: an alert nobody answers
 * within 4 working hours goes to the DPO's deputies (on Slack and Teams), then to the admins, each saying
 * why and that weekends and holidays do not stop the ICO's 72 hours; the case says so (its timeline and every
 * alert); a deputy may act on it; a Friday-evening report does not wait for Monday; an answered one does
 * not escalate at all.
 */
import { REPORT_ACTIONS as A, REPORT_FIELDS as F } from '../../dialogs/incidents/ids.js';
import { TEAM } from '../rig/fake-slack.js';
import type { StoredReport } from '../../src/core/records/report.js';
import { alertsIn, HOUR, MINUTE, MONDAY_9, pressOnSlack, reportOnSlack, sayOnTeams, sentOnTeams, startReach, teamsChat, tickAt, flush, updatedIn, type Reach } from './reports-reach.rig.js';

const SETTINGS = `school:
  name: Hillside
  timezone: Europe/London
slack:
  teamId: ${TEAM}
  admins: [U0ADMIN]
  dpo: [U0DPO]
  dpoDeputies: [U0DEP]
teams:
  dpoDeputies: [aad-dep]
`;

let x: Reach;
beforeAll(async () => {
  x = await startReach(SETTINGS);
  // The Teams deputy has talked to the bot, so it has a chat with them.
  await sayOnTeams(x, 'aad-dep', 'hello');
});
afterAll(async () => x?.rig.stop());

const escalations = (r: StoredReport | undefined) => (r?.timeline ?? []).filter((e) => e.kind === 'escalated').map((e) => [e.level, e.reason, e.at]);
async function stored(ref: string): Promise<StoredReport | undefined> {
  const view = await x.rig.view();
  try {
    return await view.reports.get(ref);
  } finally {
    await view.close();
  }
}

test('unanswered: to the deputies after 4 working hours, then to the admins, saying so on the case; a deputy may act', async () => {
  const { rig } = x;
  const { ref } = await reportOnSlack(x, 'U0PUPIL');
  await flush(rig);
  expect(alertsIn(rig, 'U0DPO', ref)).toHaveLength(1);

  await tickAt(x, MONDAY_9.getTime() + 4 * HOUR - MINUTE);
  expect(alertsIn(rig, 'U0DEP', ref)).toHaveLength(0);
  await tickAt(x, MONDAY_9.getTime() + 4 * HOUR);
  const toDeputy = alertsIn(rig, 'U0DEP', ref);
  expect(toDeputy).toHaveLength(1);
  const said = JSON.stringify(toDeputy[0]!.body);
  expect(said).toMatch(/Escalated to you/);
  expect(said).toMatch(/4 working hours \(Mon–Fri 08:00–17:00\)/);
  expect(said).toMatch(/Weekends and school holidays don't stop the ICO's 72-hour clock/);
  expect(sentOnTeams(rig, teamsChat('aad-dep'), ref).filter((a) => JSON.stringify(a.body).includes(A.acknowledge))).toHaveLength(1);
  // The DPO's own alert now says it was escalated; the admins have nothing yet.
  expect(updatedIn(rig, 'U0DPO', /To the deputies/).length).toBeGreaterThan(0);
  expect(alertsIn(rig, 'U0ADMIN', ref)).toHaveLength(0);
  expect(escalations(await stored(ref))).toEqual([[1, 'no-answer', new Date(MONDAY_9.getTime() + 4 * HOUR).toISOString()]]);

  // Still nobody: at 8 working hours (17:00, closing), the admins.
  await tickAt(x, MONDAY_9.getTime() + 8 * HOUR);
  expect(alertsIn(rig, 'U0ADMIN', ref)).toHaveLength(1);
  expect(JSON.stringify(alertsIn(rig, 'U0ADMIN', ref)[0]!.body)).toMatch(/Escalated to you/);
  expect(escalations(await stored(ref)).map((e) => e[0])).toEqual([1, 2]);
  // Each once.
  await tickAt(x, MONDAY_9.getTime() + 9 * HOUR);
  expect([alertsIn(rig, 'U0DEP', ref).length, alertsIn(rig, 'U0ADMIN', ref).length]).toEqual([1, 1]);

  // The deputy is an officer: their press is accepted.
  const pressed = await pressOnSlack(rig, 'U0DEP', 'U0DEP', String(toDeputy[0]!.reply?.ts), A.acknowledge, ref);
  expect(pressed.path).toBe('/api/chat.update');
});

test('a report on Friday evening reaches the deputies on Saturday evening (a third of the 72 hours), not on Monday', async () => {
  const friday = new Date('2027-03-05T18:00:00Z');
  await tickAt(x, friday);
  // Noticed as it was reported: the whole 72 hours are left, so a third of them is 24 hours.
  const { ref } = await reportOnSlack(x, 'U0PUPIL2', { [F.discoveredAt]: friday.toISOString() });
  await flush(x.rig);
  await tickAt(x, friday.getTime() + 24 * HOUR - MINUTE);
  expect(alertsIn(x.rig, 'U0DEP', ref)).toHaveLength(0);
  // A restart over the weekend: the escalation is a timer in the store.
  await x.rig.restart();
  await tickAt(x, friday.getTime() + 24 * HOUR);
  const toDeputy = alertsIn(x.rig, 'U0DEP', ref);
  expect(toDeputy).toHaveLength(1);
  expect(JSON.stringify(toDeputy[0]!.body)).toMatch(/Weekends and school holidays don't stop/);
});

test('an alert the DPO answers is not escalated', async () => {
  const monday = new Date('2027-03-08T09:00:00Z');
  await tickAt(x, monday);
  const { ref } = await reportOnSlack(x, 'U0PUPIL3');
  await flush(x.rig);
  const alert = alertsIn(x.rig, 'U0DPO', ref)[0]!;
  x.clock.at = new Date(monday.getTime() + HOUR);
  expect((await pressOnSlack(x.rig, 'U0DPO', 'U0DPO', String(alert.reply?.ts), A.acknowledge, ref)).path).toBe('/api/chat.update');
  await tickAt(x, monday.getTime() + 8 * HOUR);
  expect([alertsIn(x.rig, 'U0DEP', ref).length, alertsIn(x.rig, 'U0ADMIN', ref).length]).toEqual([0, 0]);
  expect(escalations(await stored(ref))).toEqual([]);
});
