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
import { REPORT_ACTIONS, REPORT_FIELDS as F, REPORT_FORMS } from '../../dialogs/incidents/ids.js';
import { SETUP_ACTIONS } from '../../dialogs/secure-call/ids.js';
import { find, teamsButtons } from '../rig/clicks.js';
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

test('the "It\'s happening now" card leads to the form card', async () => {
  const who = 'aad-now';
  let from = rig.connector.calls.length;
  await postTeams(rig.url, message(rig.connector.url, conv(who), { id: who }, 'happening now'));
  // Their own chat: the DPO's alerts (with buttons too) go out meanwhile, to the DPO.
  let card = await nextCall(rig.connector, from, (c) => c.path.includes(encodeURIComponent(conv(who))) && teamsButtons(c.body).length > 0);
  for (const [action, label] of [[SETUP_ACTIONS.now, /Zoom/], [SETUP_ACTIONS.report, undefined], [REPORT_ACTIONS.start, undefined]] as const) {
    const buttons = teamsButtons(card.body);
    if (action === SETUP_ACTIONS.now && buttons.some((b) => b.action === SETUP_ACTIONS.report)) continue;
    const b = find(buttons, action, label);
    from = rig.connector.calls.length;
    await postTeams(rig.url, cardSubmit(rig.connector.url, conv(who), { id: who }, { safecall: { action: b.action, value: b.value } }, String(card.reply?.id ?? card.path.split('/').pop())));
    card = await nextCall(rig.connector, from, (c) => c.path.includes(encodeURIComponent(conv(who))));
  }
  expect(hasForm(card)).toBe(true);
});

test('"report" in a team channel: the shared card only opens the form in a dialog of the person\'s own, and the confirmation stays there', async () => {
  const channel = '19:class-8c@thread.tacv2';
  const who = 'aad-channel';
  const from = rig.connector.calls.length;
  await postTeams(rig.url, message(rig.connector.url, channel, { id: who }, 'report', 'channel'));
  const shared = await nextCall(rig.connector, from, (c) => c.path.includes(encodeURIComponent(channel)));
  // Nothing on the shared card to type into: only the button that opens the form.
  expect(teamsShown(cardOf(shared.body))).toEqual({});
  await expectValidCard(cardOf(shared.body) as never);
  let opener: Record<string, unknown> | undefined;
  JSON.stringify(cardOf(shared.body), (_k, v: unknown) => {
    const d = (v as { data?: { msteams?: { type?: string } } } | null)?.data;
    if (d?.msteams?.type === 'task/fetch') opener = d as Record<string, unknown>;
    return v;
  });
  expect(opener).toBeDefined();
  const task = JSON.parse((await postTeams(rig.url, invoke(rig.connector.url, channel, { id: who }, 'task/fetch', { type: 'task/fetch', data: opener, context: { theme: 'default' } }))).text) as { task: { type: string; value: { card: { content: unknown } } } };
  expect(task.task.type).toBe('continue');
  const form = task.task.value.card.content;
  expect(Object.keys(teamsShown(form))).toEqual(expect.arrayContaining([F.category, F.narrative]));
  const done = JSON.parse((await postTeams(rig.url, invoke(rig.connector.url, channel, { id: who }, 'task/submit', { data: teamsSubmitValue(form, answers(new Date())) }))).text) as typeof task;
  const confirmation = cardTexts(done.task.value.card.content).join('\n');
  expect(confirmation).toMatch(/INC-\d{4}-\d{4}/);
  expect(sent(channel, from)).toHaveLength(1);
  expect(await myReports(who)).toEqual([confirmation.match(/INC-\d{4}-\d{4}/)![0]]);
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

describe('the breach log on Teams', () => {
  const FILE_CONSENT = 'application/vnd.microsoft.teams.card.file.consent';
  const attachmentsOf = (c: Recorded) => (c.body.attachments ?? []) as { contentType: string; name?: string; content: Record<string, unknown>; contentUrl?: string }[];

  async function offered(): Promise<{ key: string; name: string; size: number }> {
    const from = rig.connector.calls.length;
    await postTeams(rig.url, message(rig.connector.url, conv(TEAMS_DPO), { id: TEAMS_DPO }, 'breach log'));
    const card = await nextCall(rig.connector, from, (c) => attachmentsOf(c).some((a) => a.contentType === FILE_CONSENT));
    const consent = attachmentsOf(card).find((a) => a.contentType === FILE_CONSENT)!;
    // The consent card holds no content, only a key to the file waiting in the store.
    expect(JSON.stringify(card.body)).not.toContain(NARRATIVE);
    return { key: String((consent.content.acceptContext as { file: string }).file), name: consent.name!, size: Number(consent.content.sizeInBytes) };
  }
  const consentAnswer = (who: string, key: string, action: 'accept' | 'decline', name = 'breach-log.csv') =>
    invoke(rig.connector.url, conv(who), { id: who }, 'fileConsent/invoke', {
      type: 'fileUpload',
      action,
      context: { file: key },
      uploadInfo: { name, uploadUrl: `${rig.connector.url}/files/${encodeURIComponent(key)}`, contentUrl: `https://onedrive.example/${name}`, uniqueId: 'u-1', fileType: 'csv' },
    });

  test('the DPO in their personal chat is offered the file; once they accept, the CSV is uploaded and its card posted', async () => {
    const { key, name, size } = await offered();
    expect(name).toMatch(/^breach-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const from = rig.connector.calls.length;
    const res = await postTeams(rig.url, consentAnswer(TEAMS_DPO, key, 'accept', name));
    expect(res.status).toBe(200);
    const put = rig.connector.calls.slice(from).find((c) => c.method === 'PUT' && c.path.startsWith('/files/'))!;
    expect(put.headers['content-range']).toBe(`bytes 0-${size - 1}/${size}`);
    expect(put.raw!.startsWith('\uFEFF')).toBe(true);
    expect(put.raw).toMatch(/INC-\d{4}-\d{4}/);
    const info = await nextCall(rig.connector, from, (c) => attachmentsOf(c).some((a) => a.contentType === 'application/vnd.microsoft.teams.card.file.info'));
    expect(attachmentsOf(info)[0]).toMatchObject({ name, contentUrl: `https://onedrive.example/${name}`, content: { uniqueId: 'u-1', fileType: 'csv' } });
    // Taken once: the same consent again finds nothing waiting, and nothing is uploaded twice.
    const n = rig.connector.calls.length;
    await postTeams(rig.url, consentAnswer(TEAMS_DPO, key, 'accept', name));
    expect(rig.connector.calls.slice(n).filter((c) => c.path.startsWith('/files/'))).toEqual([]);
  });

  test('declined, the file is deleted; someone else answering the DPO\'s consent gets nothing', async () => {
    const { key } = await offered();
    let from = rig.connector.calls.length;
    await postTeams(rig.url, consentAnswer('aad-reporter', key, 'accept'));
    expect(rig.connector.calls.slice(from).filter((c) => c.path.startsWith('/files/'))).toEqual([]);
    from = rig.connector.calls.length;
    await postTeams(rig.url, consentAnswer(TEAMS_DPO, key, 'decline'));
    await postTeams(rig.url, consentAnswer(TEAMS_DPO, key, 'accept'));
    expect(rig.connector.calls.slice(from).filter((c) => c.path.startsWith('/files/'))).toEqual([]);
  });

  test('asked for in a channel: no file there, the DPO is told to ask in the personal chat', async () => {
    const channel = '19:staff@thread.tacv2';
    const from = rig.connector.calls.length;
    await postTeams(rig.url, message(rig.connector.url, channel, { id: TEAMS_DPO }, 'breach log', 'channel'));
    const replies = sent(channel, from);
    expect(replies.some((c) => attachmentsOf(c).some((a) => a.contentType === FILE_CONSENT))).toBe(false);
    expect(replies.map((c) => cardTexts(cardOf(c.body)).join(' ')).join(' ')).toMatch(/personal chat/);
    expect(JSON.stringify(replies)).not.toContain(NARRATIVE);
  });
});

test('no log line holds what a reporter typed (checked last, over every activity above)', () => {
  expect(rig.logs.some((l) => l.includes('incident.reported'))).toBe(true);
  expect(leaks(rig)).toEqual([]);
});
