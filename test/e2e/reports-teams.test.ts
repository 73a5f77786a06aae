/**
 * Incident reports on Teams end to end, through real activities to the real server (botbuilder, lowdb): the
 * command "report" and the "Report this message" message action open the form, a submission gets its
 * reference, a refused form comes back with what was typed and the messages, and a redelivered submission
 * makes one report. No log line holds what the reporter typed.
 */
import { startRig, type Rig } from '../rig/harness.js';
import type { Recorded } from '../rig/recorder.js';
import { cardSubmit, invoke, message, postTeams } from '../rig/teams-requests.js';
import { expectValidCard } from '../helpers/validate-card.js';
import { REPORT_FIELDS as F, REPORT_FORMS } from '../../dialogs/incidents/ids.js';
import { NARRATIVE, SETTINGS, TEAMS_DPO, answers, cardOf, cardTexts, leaks, nextCall, teamsShown, teamsSubmitValue } from './reports.rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
});
afterAll(async () => rig.stop());

const REF = /INC-\d{4}-\d{4}/g;
const conv = (who: string) => `a:chat-${who}`;
const sent = (conversation: string, from: number) => rig.connector.calls.slice(from).filter((c) => c.path.includes(`/v3/conversations/${encodeURIComponent(conversation)}/`));
const hasForm = (c: Recorded) => JSON.stringify(c.body).includes(`"form":"${REPORT_FORMS.report}"`);

/** "report" in the person's chat with the bot: the form card and its activity id. */
async function openForm(who: string): Promise<{ card: unknown; id: string }> {
  const from = rig.connector.calls.length;
  expect((await postTeams(rig.url, message(rig.connector.url, conv(who), { id: who }, 'report'))).status).toBe(200);
  const call = await nextCall(rig.connector, from, hasForm);
  return { card: cardOf(call.body), id: String(call.reply?.id) };
}

async function myReports(who: string): Promise<string[]> {
  const from = rig.connector.calls.length;
  await postTeams(rig.url, message(rig.connector.url, conv(who), { id: who }, 'my reports'));
  const reply = await nextCall(rig.connector, from, (c) => c.path.includes(encodeURIComponent(conv(who))));
  return [...new Set(JSON.stringify(reply.body).match(REF) ?? [])];
}

describe('the command "report" in the chat with the bot', () => {
  test('shows the form in a card; a submission is confirmed with its reference and listed as theirs', async () => {
    const who = 'aad-reporter';
    const { card, id } = await openForm(who);
    await expectValidCard(card as never);
    expect(Object.keys(teamsShown(card))).toEqual(expect.arrayContaining([F.category, `${F.occurredAt}__date`, `${F.occurredAt}__time`, F.narrative]));
    const from = rig.connector.calls.length;
    const res = await postTeams(rig.url, cardSubmit(rig.connector.url, conv(who), { id: who }, teamsSubmitValue(card, answers(new Date())), id));
    expect(res.status).toBe(200);
    const confirmed = await nextCall(rig.connector, from, (c) => REF.test(JSON.stringify(c.body)));
    const ref = JSON.stringify(confirmed.body).match(REF)![0];
    expect(await myReports(who)).toEqual([ref]);
  });

  test('a refused form comes back in its card with what was typed and the messages beside the fields; the fix goes through', async () => {
    const who = 'aad-refused';
    const { card, id } = await openForm(who);
    const future = new Date(Date.now() + 3 * 3600_000).toISOString();
    const typed = answers(new Date(), { [F.occurredAt]: future, [F.discoveredAt]: '' });
    const from = rig.connector.calls.length;
    await postTeams(rig.url, cardSubmit(rig.connector.url, conv(who), { id: who }, teamsSubmitValue(card, typed), id));
    const again = await nextCall(rig.connector, from, hasForm);
    // The same card, replaced in place.
    expect(again.method).toBe('PUT');
    expect(again.path).toContain(encodeURIComponent(id));
    const shown = teamsShown(cardOf(again.body));
    expect(shown).toMatchObject({ [F.category]: 'uninvited', [F.narrative]: typed[F.narrative], [F.actionsTaken]: typed[F.actionsTaken], [F.subjects]: 'students' });
    expect(shown[`${F.occurredAt}__date`]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(cardTexts(cardOf(again.body)).join('\n')).toMatch(/future/i);
    await expectValidCard(cardOf(again.body) as never);
    expect(sent(conv(who), from).filter((c) => REF.test(JSON.stringify(c.body)))).toEqual([]);
    expect(await myReports(who)).toEqual([]);

    const n = rig.connector.calls.length;
    await postTeams(rig.url, cardSubmit(rig.connector.url, conv(who), { id: who }, teamsSubmitValue(cardOf(again.body), { [F.occurredAt]: answers(new Date())[F.occurredAt]! }), id));
    await nextCall(rig.connector, n, (c) => REF.test(JSON.stringify(c.body)));
    expect(await myReports(who)).toHaveLength(1);
  });

  test('a submission Teams delivers twice (the same activity, at once) makes one report and one confirmation', async () => {
    const who = 'aad-redelivery';
    const { card, id } = await openForm(who);
    const activity = cardSubmit(rig.connector.url, conv(who), { id: who }, teamsSubmitValue(card, answers(new Date())), id);
    const from = rig.connector.calls.length;
    const results = await Promise.all([postTeams(rig.url, activity), postTeams(rig.url, activity)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await nextCall(rig.connector, from, (c) => REF.test(JSON.stringify(c.body)));
    expect(await myReports(who)).toHaveLength(1);
    expect(sent(conv(who), from).filter((c) => /Your reference/.test(JSON.stringify(c.body)))).toHaveLength(1);
  });
});

describe('the "Report this message" message action', () => {
  const channel = '19:class-7b@thread.tacv2';
  const link = 'https://teams.microsoft.com/l/message/19:class-7b@thread.tacv2/1700000000000?context=%7B%7D';
  const fetchTask = (who: string) =>
    invoke(rig.connector.url, channel, { id: who }, 'composeExtension/fetchTask', {
      commandId: 'reportMessage',
      commandContext: 'message',
      context: { theme: 'default' },
      messagePayload: { id: '1700000000000', linkToMessage: link, body: { contentType: 'html', content: 'the reported message' }, from: { user: { id: 'x', displayName: 'Someone' } } },
    });
  const submitAction = (who: string, data: unknown) => invoke(rig.connector.url, channel, { id: who }, 'composeExtension/submitAction', { commandId: 'reportMessage', commandContext: 'message', data });
  const taskOf = (text: string) => JSON.parse(text) as { task: { type: string; value: { title: string; card: { content: unknown } } } };

  test('opens the form in a dialog with the link to the message; the confirmation stays in the dialog, not the channel', async () => {
    const who = 'aad-action';
    const from = rig.connector.calls.length;
    const opened = await postTeams(rig.url, { ...fetchTask(who), conversation: { id: channel, conversationType: 'channel', tenantId: 'tenant-0001' } });
    expect(opened.status).toBe(200);
    const task = taskOf(opened.text).task;
    expect(task.type).toBe('continue');
    const card = task.value.card.content;
    await expectValidCard(card as never);
    expect(teamsShown(card)[F.evidence]).toBe(link);

    const done = await postTeams(rig.url, { ...submitAction(who, teamsSubmitValue(card, answers(new Date()))), conversation: { id: channel, conversationType: 'channel', tenantId: 'tenant-0001' } });
    const confirmation = taskOf(done.text).task;
    expect(confirmation.type).toBe('continue');
    expect(cardTexts(confirmation.value.card.content).join('\n')).toMatch(REF);
    // Nothing was posted in the class channel: who reported what is not the class's business.
    expect(sent(channel, from)).toEqual([]);
  });

  test('a refused form comes back in the dialog with what was typed and the messages', async () => {
    const who = 'aad-action-refused';
    const opened = taskOf((await postTeams(rig.url, fetchTask(who))).text).task.value.card.content;
    const typed = answers(new Date(), { [F.narrative]: '' });
    const again = taskOf((await postTeams(rig.url, submitAction(who, teamsSubmitValue(opened, typed)))).text).task;
    expect(again.type).toBe('continue');
    const shown = teamsShown(again.value.card.content);
    expect(shown).toMatchObject({ [F.category]: 'uninvited', [F.evidence]: link, [F.actionsTaken]: typed[F.actionsTaken] });
    expect(JSON.stringify(again.value.card.content)).toContain('"color":"Attention"');
  });

  test('an unknown message action gets an answer and opens nothing', async () => {
    const res = await postTeams(rig.url, invoke(rig.connector.url, channel, { id: 'aad-x' }, 'composeExtension/fetchTask', { commandId: 'somethingElse', commandContext: 'message' }));
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(REPORT_FORMS.report);
  });
});

test('the breach log asked for on Teams: the DPO is told what it holds and how to get the file (no file is sent)', async () => {
  const from = rig.connector.calls.length;
  await postTeams(rig.url, message(rig.connector.url, conv(TEAMS_DPO), { id: TEAMS_DPO }, 'breach log'));
  const replies = sent(conv(TEAMS_DPO), from).map((c) => cardTexts(cardOf(c.body)).join(' '));
  expect(replies).toHaveLength(2);
  expect(replies[1]).toContain('npx safecall reports export');
  expect(JSON.stringify(sent(conv(TEAMS_DPO), from))).not.toContain(NARRATIVE);
});

test('no log line holds what a reporter typed (checked last, over every activity above)', () => {
  expect(rig.logs.some((l) => l.includes('incident.reported'))).toBe(true);
  expect(leaks(rig)).toEqual([]);
});
