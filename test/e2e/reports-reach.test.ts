/**
 * Every report reaches someone who can act on it, through a school's ordinary changes (issue 22), end to end
 * through the real server (real Bolt, real botbuilder) with only Slack's Web API and the Bot Connector faked:
 * - a report made before any DPO destination exists goes to the admins at once, and to the DPO channel once
 *   an admin types "set dpo channel", one alert, with the reminders following it there, across a restart;
 * - the DPO replaced in the settings file while the server runs: the new DPO gets every open case and may
 *   act on it without a restart, the old one's alert loses its details and their buttons are refused, and
 *   after a restart the reminders go to the new DPO only;
 * - the bot not yet in the DPO channel: the admins are told in chat to invite it (and /healthz, the start-up
 *   lines say so), the case goes to them meanwhile, and once invited the channel gets every waiting alert;
 * - and the reporter is told no more than is true at each step.
 */
import { slackButtons } from '../rig/clicks.js';
import { FORM, postSlack, slashCommand } from '../rig/slack-requests.js';
import { REPORT_ACTIONS as A } from '../../dialogs/incidents/ids.js';
import { nextCall } from './reports.rig.js';
import { alertHealth, alertsIn, HOUR, MINUTE, MONDAY_9, postedTo, pressOnSlack, reportOnSlack, respondUrl, startReach, tickAt, flush, updatedIn, type Reach } from './reports-reach.rig.js';
import { TEAM } from '../rig/fake-slack.js';

const HEAD = `school:
  name: Hillside
  timezone: Europe/London
`;

describe('a report made before any DPO destination exists', () => {
  let x: Reach;
  afterAll(async () => x?.rig.stop());

  test('goes to the admins at once, then to the DPO channel an admin sets, once, and the reminders follow it there', async () => {
    x = await startReach(`${HEAD}slack:\n  teamId: ${TEAM}\n  admins: [U0ADMIN]\n`);
    const { rig } = x;
    const { ref, told } = await reportOnSlack(x, 'U0PUPIL');
    // Nobody was alerted yet: the reporter is not told the DPO has been.
    expect(told).not.toMatch(/has been told/);
    expect(told).toMatch(/school's admins instead/);
    await flush(rig);
    // The admin has the case (led by why) and is told what to fix.
    const toAdmin = alertsIn(rig, 'U0ADMIN', ref);
    expect(toAdmin).toHaveLength(1);
    expect(JSON.stringify(toAdmin[0]!.body)).toMatch(/can't reach the person who looks after data protection/);
    expect(postedTo(rig, 'U0ADMIN', /No DPO destination is set/)).toHaveLength(1);
    // Now it has reached someone who can act, the reporter hears so.
    expect(postedTo(rig, 'U0PUPIL', new RegExp(`${ref}\\W+it has reached`))).toHaveLength(1);

    // The admin sets the DPO channel: the open case goes there at once, one alert.
    const from = rig.slack.calls.length;
    await postSlack(rig.url, slashCommand({ user: 'U0ADMIN', channel: 'C0NEWDPO', text: 'set dpo channel', responseUrl: respondUrl(rig, 'U0ADMIN') }), FORM);
    const answer = await nextCall(rig.slack, from, (c) => JSON.stringify(c.body).includes('Open cases sent here now: 1'));
    expect(answer).toBeDefined();
    await flush(rig);
    expect(alertsIn(rig, 'C0NEWDPO', ref)).toHaveLength(1);
    // Later ticks send it no more.
    await tickAt(x, MONDAY_9.getTime() + MINUTE);
    await tickAt(x, MONDAY_9.getTime() + 2 * MINUTE);
    expect(alertsIn(rig, 'C0NEWDPO', ref)).toHaveLength(1);
    // The reporter is told once.
    expect(postedTo(rig, 'U0PUPIL', new RegExp(`${ref}\\W+it has reached`))).toHaveLength(1);

    // A restart in between: the 24-hour reminder goes where the DPO's alerts go now.
    await rig.restart();
    await tickAt(x, MONDAY_9.getTime() + 24 * HOUR);
    expect(postedTo(rig, 'C0NEWDPO', new RegExp(`${ref}: 24 hours since`))).toHaveLength(1);

    // A new report now goes to the channel, and its reporter is told it is on its way, not that it arrived.
    const second = await reportOnSlack(x, 'U0PUPIL2');
    expect(second.told).toMatch(/being sent to the person who looks after data protection now/);
    await flush(rig);
    expect(alertsIn(rig, 'C0NEWDPO', second.ref)).toHaveLength(1);
    expect(alertsIn(rig, 'U0ADMIN', second.ref)).toHaveLength(0);
    expect(postedTo(rig, 'U0PUPIL2', new RegExp(`${second.ref}\\W+it has reached`))).toHaveLength(1);
    // The alert shows the case and its deadline; its buttons work for the admin.
    const alert = alertsIn(rig, 'C0NEWDPO', ref)[0]!;
    expect(slackButtons(alert.body).map((b) => b.action)).toContain(A.acknowledge);
    const pressed = await pressOnSlack(rig, 'U0ADMIN', 'C0NEWDPO', String(alert.reply?.ts), A.acknowledge, ref);
    expect(pressed.path).toBe('/api/chat.update');
  });
});

describe('the DPO replaced in the settings file while a case is open', () => {
  let x: Reach;
  afterAll(async () => x?.rig.stop());
  const settings = (dpo: string) => `${HEAD}slack:\n  teamId: ${TEAM}\n  admins: [U0ADMIN]\n  dpo: [${dpo}]\n`;

  test('the new DPO gets the open case and may act on it without a restart; the old one loses it; after a restart the reminders go to the new one', async () => {
    x = await startReach(settings('U0OLD'));
    const { rig } = x;
    const { ref } = await reportOnSlack(x, 'U0PUPIL');
    await flush(rig);
    const old = alertsIn(rig, 'U0OLD', ref);
    expect(old).toHaveLength(1);

    // The school replaces its DPO in the settings file; the server keeps running.
    await rig.editSettings(settings('U0NEW'));
    await tickAt(x, MONDAY_9.getTime() + 10 * MINUTE);
    const fresh = alertsIn(rig, 'U0NEW', ref);
    expect(fresh).toHaveLength(1);
    // The old DPO's alert keeps no details of the case, and their buttons are refused.
    const moved = updatedIn(rig, 'U0OLD', /current DPO destination/);
    expect(moved.map((c) => c.body.ts)).toEqual([old[0]!.reply?.ts]);
    expect(JSON.stringify(moved[0]!.body)).not.toMatch(/stranger/);
    const refused = await pressOnSlack(rig, 'U0OLD', 'U0OLD', String(old[0]!.reply?.ts), A.acknowledge, ref);
    expect(JSON.stringify(refused.body)).toMatch(/not permitted/);
    // The new DPO's press is theirs to make, at once.
    const pressed = await pressOnSlack(rig, 'U0NEW', 'U0NEW', String(fresh[0]!.reply?.ts), A.acknowledge, ref);
    expect(pressed.path).toBe('/api/chat.update');
    expect(slackButtons(pressed.body).map((b) => b.action)).not.toContain(A.acknowledge);

    // Later ticks send nothing again; after a restart, the 24-hour reminder goes to the new DPO only.
    await tickAt(x, MONDAY_9.getTime() + 20 * MINUTE);
    await rig.restart();
    await tickAt(x, MONDAY_9.getTime() + 24 * HOUR);
    expect(postedTo(rig, 'U0NEW', new RegExp(`${ref}: 24 hours since`))).toHaveLength(1);
    expect(postedTo(rig, 'U0OLD', new RegExp(`${ref}: 24 hours since`))).toHaveLength(0);
    expect(alertsIn(rig, 'U0NEW', ref)).toHaveLength(1);
    expect(alertsIn(rig, 'U0OLD', ref)).toHaveLength(1);
  });
});

describe('the bot not yet invited to the DPO channel', () => {
  let x: Reach;
  afterAll(async () => x?.rig.stop());

  test('the admins are told to invite it and have the cases meanwhile; once invited, the channel gets every waiting alert, once', async () => {
    x = await startReach(`${HEAD}slack:\n  teamId: ${TEAM}\n  admins: [U0ADMIN]\n  dpo: [U0DPO]\n  dpoChannel: C0DPO\n`);
    const { rig } = x;
    rig.slack.notIn.add('C0DPO');
    const first = await reportOnSlack(x, 'U0PUPIL');
    // Nothing was known to be wrong yet: it is on its way, which is true; nothing more.
    expect(first.told).toMatch(/being sent to the person who looks after data protection now/);
    expect(first.told).not.toMatch(/has been told/);
    await flush(rig);
    expect(alertsIn(rig, 'C0DPO', first.ref)).toHaveLength(0);
    // The admins are told what to do, and have the case meanwhile.
    const told = postedTo(rig, 'U0ADMIN', /Invite SafeCall to the channel/);
    expect(told).toHaveLength(1);
    expect(JSON.stringify(told[0]!.body)).toMatch(/C0DPO/);
    expect(alertsIn(rig, 'U0ADMIN', first.ref)).toHaveLength(1);
    // The reporter hears that the DPO could not be reached, then that it has reached someone.
    expect(postedTo(rig, 'U0PUPIL', new RegExp(`${first.ref}\\W+SafeCall couldn.t reach`))).toHaveLength(1);
    expect(postedTo(rig, 'U0PUPIL', new RegExp(`${first.ref}\\W+it has reached`))).toHaveLength(1);
    // An operator sees it too.
    const health = await alertHealth(rig);
    expect(health.ok).toBe(false);
    expect(health.problems.map((p) => `${p.problem} ${p.fix}`)).toEqual([expect.stringMatching(/not in the Slack channel C0DPO.*\/invite @SafeCall/)]);

    // A report made now is told the truth straight away, and only that.
    x.clock.at = new Date(MONDAY_9.getTime() + MINUTE);
    const second = await reportOnSlack(x, 'U0PUPIL2');
    expect(second.told).toMatch(/school's admins instead/);
    await flush(rig);
    expect(postedTo(rig, 'U0PUPIL2', /couldn't reach/)).toHaveLength(0);
    expect(postedTo(rig, 'U0PUPIL2', new RegExp(`${second.ref}\\W+it has reached`))).toHaveLength(1);

    // A restart: the problem is in the start-up lines and the log.
    await rig.restart();
    expect(rig.banner.join('\n')).toMatch(/Incident alerts: PROBLEM: SafeCall is not in the Slack channel C0DPO/);
    expect(rig.logs.some((l) => l.includes('incident.route-problem') && l.includes('"level":40'))).toBe(true);

    // Invited: within the next retry, the channel gets both cases, one alert each, and the problem is gone.
    rig.slack.notIn.delete('C0DPO');
    await tickAt(x, MONDAY_9.getTime() + 6 * MINUTE);
    expect(alertsIn(rig, 'C0DPO', first.ref)).toHaveLength(1);
    expect(alertsIn(rig, 'C0DPO', second.ref)).toHaveLength(1);
    expect((await alertHealth(rig)).ok).toBe(true);
    await tickAt(x, MONDAY_9.getTime() + 12 * MINUTE);
    expect(alertsIn(rig, 'C0DPO', first.ref)).toHaveLength(1);
    expect(alertsIn(rig, 'C0DPO', second.ref)).toHaveLength(1);
    // The admins were told once (a day), not at every failed try.
    expect(postedTo(rig, 'U0ADMIN', /Invite SafeCall to the channel/)).toHaveLength(1);
  });
});
