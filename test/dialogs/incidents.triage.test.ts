/** The DPO's side: the alert's buttons and forms, by the DPO and refused for anyone else; the alert redrawn in place. */
import type { Reply } from '../../src/core/conversation.js';
import type { Prompt } from '../../src/core/prompt.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { World, PEOPLE, DM, DPO_CHANNEL, TEAMS_DPO, TEAMS_DM, buttonsOf, formOf, goodValues, textOf } from './incidents.harness.js';

const REF = 'INC-2027-0001';
const promptOf = (r: Reply | undefined): Prompt => {
  if (!r || !('prompt' in r)) throw new Error('no prompt');
  return r.prompt;
};

async function reported(w = new World()) {
  await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
  return w;
}

/** Opens one of the DPO's forms from the alert and sends it. */
async function viaForm(w: World, who: typeof PEOPLE.dpo | typeof PEOPLE.teamsDpo, where: typeof DPO_CHANNEL, action: string, values: Record<string, string>) {
  const form = formOf(await w.action(who, where, action, REF));
  return { form, replies: await w.submit(who, where, form, values) };
}

describe('the DPO alert', () => {
  test('shows the reference, category, times, the deadline from when it was noticed with time left, and the buttons', async () => {
    const w = new World();
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now, { noticed: new Date(w.now.getTime() - 50 * 60_000).toISOString() }));
    const alert = (await w.deliveries()).find((d) => d.key === `incident.alert:${REF}:slack:C-DPO`)!;
    const text = textOf(alert.prompt!);
    expect(text).toMatch(/New incident report INC-2027-0001/);
    expect(text).toMatch(/What happened: Someone joined who wasn't invited/);
    expect(text).toMatch(/Happened: Mon, 1 Mar 2027, 08:00/);
    expect(text).toMatch(/Noticed: Mon, 1 Mar 2027, 08:10/);
    expect(text).toMatch(/Reported: Mon, 1 Mar 2027, 09:00/);
    // Noticed 50 minutes before it was reported: the school was aware then, and the 72 hours run from then.
    expect(text).toMatch(/The 72 hours run from: Mon, 1 Mar 2027, 08:10, when it was noticed/);
    expect(text).toMatch(/ICO deadline: Thu, 4 Mar 2027, 08:10 · 71 h 10 min left/);
    expect(buttonsOf(alert.prompt!).map((b) => b.action)).toEqual([A.acknowledge, A.risk, A.decision, A.told, A.note, A.aware]);
  });

  test('Acknowledge by the DPO: the pressed alert is updated, the Teams one through the outbox, once', async () => {
    const w = await reported();
    // The bot has met the DPO (src/core/people.ts remembers everyone it meets), so the alert names her.
    await w.store.users.put('slack:U-DPO', { platform: 'slack', id: 'U-DPO', name: 'Mrs Patel', firstSeen: w.now.toISOString(), lastSeen: w.now.toISOString() });
    w.advance(0.5);
    const replies = await w.action(PEOPLE.dpo, DPO_CHANNEL, A.acknowledge, REF);
    expect(replies.map((r) => r.mode)).toEqual(['update']);
    const shown = textOf(promptOf(replies[0]));
    expect(shown).toMatch(/Being looked at/);
    expect(shown).toMatch(/Acknowledged: Mrs Patel · Mon, 1 Mar 2027, 09:30/);
    expect(shown).toMatch(/Latest: Acknowledged by Mrs Patel at Mon, 1 Mar 2027, 09:30/);
    expect(shown).toMatch(/71 h 30 min left/);
    expect(buttonsOf(promptOf(replies[0])).map((b) => b.action)).not.toContain(A.acknowledge);
    const updates = (await w.deliveries()).filter((d) => d.kind === 'incident.alert-update');
    expect(updates.map((d) => [d.updateOf, d.to])).toEqual([[`incident.alert:${REF}:teams:user:aad-dpo`, { platform: 'teams', userId: 'aad-dpo' }]]);
    await w.action(PEOPLE.dpo, DPO_CHANNEL, A.acknowledge, REF);
    const r = (await w.store.reports.get(REF))!;
    expect(r.timeline.map((e) => e.kind)).toEqual(['acknowledged']);
  });

  test.each([A.acknowledge, A.risk, A.decision, A.told, A.note, A.close])('%s by someone not named in the settings is "not permitted", logged without content', async (action) => {
    const w = await reported();
    const before = await w.deliveries();
    const replies = await w.action(PEOPLE.teacher, DPO_CHANNEL, action, REF);
    expect(replies.map((r) => r.mode)).toEqual(['private']);
    expect(textOf(promptOf(replies[0]))).toMatch(/not permitted/);
    expect((await w.store.reports.get(REF))!.timeline).toEqual([]);
    expect(await w.deliveries()).toEqual(before);
    const line = w.logged.find((l) => (l.obj as { event?: string }).event === 'incident.not-permitted');
    expect(line?.obj).toMatchObject({ what: action, user: 'U-KHAN' });
    expect(JSON.stringify(w.logged)).not.toMatch(/stranger|home address/);
  });

  test('a DPO form sent by someone else (a forged submission) is refused too', async () => {
    const w = await reported();
    const form = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.note, REF));
    const replies = await w.submit(PEOPLE.teacher, DPO_CHANNEL, form, { [T.kind]: 'note', [T.note]: 'forged' });
    expect(textOf(promptOf(replies[0]))).toMatch(/not permitted/);
    expect((await w.store.reports.get(REF))!.timeline).toEqual([]);
  });

  test('the whole case: risk, decision, individuals told, note, close; each step refused until it may happen', async () => {
    const w = new World();
    const pupilForm = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    await w.submit(PEOPLE.pupil, DM, pupilForm, goodValues(w.now));
    w.advance(2);
    const risk = await viaForm(w, PEOPLE.dpo, DPO_CHANNEL, A.risk, { [T.risk]: 'high', [T.consequences]: 'Distress; the address is known' });
    expect(risk.replies.map((r) => r.mode)).toEqual(['update']);
    expect(textOf(promptOf(risk.replies[0]))).toMatch(/Risk: A high risk to people/);
    expect(textOf(promptOf(risk.replies[0]))).toMatch(/tell the people affected/);

    // No Close button yet, and pressing an old one is refused with the reason.
    expect(buttonsOf(promptOf(risk.replies[0])).map((b) => b.action)).not.toContain(A.close);
    expect(textOf(promptOf((await w.action(PEOPLE.dpo, DPO_CHANNEL, A.close, REF))[0]))).toMatch(/Record the ICO decision before closing/);

    // Reported without the ICO's case reference: refused in the form, what was typed kept.
    const decision = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, REF));
    const refused = await w.submit(PEOPLE.dpo, DPO_CHANNEL, decision, { [T.decision]: 'reported', [T.icoRef]: '' });
    const r0 = refused[0]!;
    if (r0.mode !== 'form-errors') throw new Error(r0.mode);
    expect(r0.errors).toEqual({ [T.icoRef]: expect.stringMatching(/case reference/) });
    expect(r0.prompt.form!.fields.find((f) => f.id === T.decision)!.initial).toBe('reported');
    const decided = await w.submit(PEOPLE.dpo, DPO_CHANNEL, r0.prompt, { [T.decision]: 'reported', [T.icoRef]: 'IC-123456-A1B2' });
    expect(textOf(promptOf(decided[0]))).toMatch(/ICO decision: Reported to the ICO \(IC-123456-A1B2\)/);
    expect(textOf(promptOf(decided[0]))).toMatch(/Decision recorded/);

    // High risk: closing needs individuals told.
    expect(textOf(promptOf((await w.action(PEOPLE.dpo, DPO_CHANNEL, A.close, REF))[0]))).toMatch(/high risk/);
    const tooSoon = await viaForm(w, PEOPLE.dpo, DPO_CHANNEL, A.told, { [T.toldAt]: '2027-03-01T07:00:00.000Z', [T.how]: 'Phoned the parents' });
    expect(tooSoon.replies[0]!.mode).toBe('form-errors');
    const told = await w.submit(PEOPLE.dpo, DPO_CHANNEL, tooSoon.form, { [T.toldAt]: w.now.toISOString(), [T.how]: 'Phoned the parents' });
    expect(textOf(promptOf(told[0]))).toMatch(/Individuals told: Mon, 1 Mar 2027, 11:00/);

    await viaForm(w, PEOPLE.dpo, DPO_CHANNEL, A.note, { [T.kind]: 'fact', [T.note]: 'The account was a former pupil' });

    w.advance(1);
    const closed = await w.action(PEOPLE.dpo, DPO_CHANNEL, A.close, REF);
    expect(textOf(promptOf(closed[0]))).toMatch(/Status: Closed/);
    expect(buttonsOf(promptOf(closed[0]))).toEqual([]);
    const r = (await w.store.reports.get(REF))!;
    expect(r.status).toBe('closed');
    expect(r.closedAt).toBe('2027-03-01T12:00:00.000Z');
    expect(r.timeline.map((e) => [e.kind, e.by.id])).toEqual([['risk', 'U-DPO'], ['decision', 'U-DPO'], ['told', 'U-DPO'], ['fact', 'U-DPO'], ['closed', 'U-DPO']]);
    // The report as made is untouched.
    expect(r).toMatchObject({ category: 'uninvited', reportedAt: '2027-03-01T09:00:00.000Z', occurredAt: '2027-03-01T08:00:00.000Z' });
    // A decision closes the clock: the deadline timers are gone, and the reporter's form sent again does not set them again.
    expect(await w.store.timers.list()).toEqual([]);
    expect(textOf(promptOf((await w.submit(PEOPLE.pupil, DM, pupilForm, goodValues(w.now)))[0]))).toMatch(/INC-2027-0001/);
    expect(await w.store.timers.list()).toEqual([]);
    // Closed: the forms no longer open.
    expect(textOf(promptOf((await w.action(PEOPLE.dpo, DPO_CHANNEL, A.note, REF))[0]))).toMatch(/already closed/);
  });

  test('not reported needs a reason; a decision after the 72 hours needs the reason for the delay and is marked late', async () => {
    const w = await reported();
    const open = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, REF));
    const noReason = await w.submit(PEOPLE.dpo, DPO_CHANNEL, open, { [T.decision]: 'not-reported' });
    expect(noReason[0]).toMatchObject({ mode: 'form-errors', errors: { [T.reason]: expect.stringMatching(/why it was not reported/) } });

    w.advance(73);
    const late = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, REF));
    expect(late.form!.fields.map((f) => f.id)).toContain(T.delayReason);
    const noDelay = await w.submit(PEOPLE.dpo, DPO_CHANNEL, late, { [T.decision]: 'not-reported', [T.reason]: 'Only a name was seen, no risk' });
    expect(noDelay[0]).toMatchObject({ mode: 'form-errors', errors: { [T.delayReason]: expect.stringMatching(/after the 72 hours/) } });
    // The form opened before the deadline, sent after it, is refused the same way and now shows the field.
    const early = await w.submit(PEOPLE.dpo, DPO_CHANNEL, open, { [T.decision]: 'not-reported', [T.reason]: 'Only a name' });
    expect(early[0]).toMatchObject({ mode: 'form-errors', errors: { [T.delayReason]: expect.any(String) } });
    expect(formOf(early).form!.fields.map((f) => f.id)).toContain(T.delayReason);
    await w.submit(PEOPLE.dpo, DPO_CHANNEL, late, { [T.decision]: 'not-reported', [T.reason]: 'Only a name', [T.delayReason]: 'Half term' });
    const decision = (await w.store.reports.get(REF))!.timeline.find((e) => e.kind === 'decision')!;
    expect(decision).toMatchObject({ decision: 'not-reported', late: true });
  });

  test('at exactly 72 hours the case is overdue, and a decision then is late too (needs the delay reason)', async () => {
    const w = await reported();
    w.advance(72);
    const form = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, REF));
    expect(form.form!.fields.map((f) => f.id)).toContain(T.delayReason);
    const noDelay = await w.submit(PEOPLE.dpo, DPO_CHANNEL, form, { [T.decision]: 'not-reported', [T.reason]: 'Only a name was seen' });
    expect(noDelay[0]).toMatchObject({ mode: 'form-errors', errors: { [T.delayReason]: expect.any(String) } });
  });

  test('a note form sent twice adds one note', async () => {
    const w = await reported();
    const form = formOf(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.note, REF));
    const values = { [T.kind]: 'note', [T.note]: 'Spoke to the teacher' };
    await Promise.all([w.submit(PEOPLE.dpo, DPO_CHANNEL, form, values), w.submit(PEOPLE.dpo, DPO_CHANNEL, form, values)]);
    expect((await w.store.reports.get(REF))!.timeline.map((e) => e.kind)).toEqual(['note']);
  });

  test('on Teams: "set dpo channel" there by the DPO sends later alerts to that chat; a form there answers with a note and redraws every alert', async () => {
    const w = new World();
    const refused = await w.command(PEOPLE.teamsTeacher, TEAMS_DM, 'dpo');
    expect(textOf(promptOf(refused[0]))).toMatch(/not permitted/);
    const set = await w.command(PEOPLE.teamsDpo, TEAMS_DPO, 'dpo');
    expect(textOf(promptOf(set[0]))).toMatch(/alerts will come to this chat/);
    await reported(w);
    expect((await w.deliveries()).map((d) => d.to)).toEqual([
      { platform: 'slack', conversationId: 'C-DPO' },
      { platform: 'teams', conversationId: TEAMS_DPO.id },
    ]);
    const { replies } = await viaForm(w, PEOPLE.teamsDpo, TEAMS_DPO, A.risk, { [T.risk]: 'none' });
    expect(replies.map((r) => r.mode)).toEqual(['private']);
    expect(textOf(promptOf(replies[0]))).toMatch(/Recorded on INC-2027-0001/);
    const updates = (await w.deliveries()).filter((d) => d.kind === 'incident.alert-update');
    expect(updates.map((d) => d.to.platform).sort()).toEqual(['slack', 'teams']);
    expect(textOf(updates[0]!.prompt!)).toMatch(/Risk: No risk/);
  });

  test('on Slack, "set dpo channel" is refused in favour of the settings when they name a channel', async () => {
    const w = new World();
    expect(textOf(promptOf((await w.command(PEOPLE.dpo, DPO_CHANNEL, 'dpo'))[0]))).toMatch(/settings file/);
    const open = new World({ options: {} });
    await open.command(PEOPLE.dpo, { ...DPO_CHANNEL, id: 'C-OTHER' }, 'dpo');
    await reported(open);
    expect((await open.deliveries())[0]!.to).toEqual({ platform: 'slack', conversationId: 'C-OTHER' });
  });
});
