/** Reporting: the form, its refusals, the durable record with its reference, duplicates, "my reports". */
import { REPORT_ACTIONS as A, REPORT_FIELDS as F } from '../../dialogs/incidents/ids.js';
import { World, PEOPLE, DM, CLASS, TEAMS_DM, formOf, goodValues, textOf } from './incidents.harness.js';
import { NO_ROLES, type Roles } from '../../src/core/deps.js';

describe('reporting an incident', () => {
  test('the command opens the form; a submission is stored and confirmed with the reference and the time', async () => {
    const w = new World();
    const opened = await w.command(PEOPLE.pupil, DM, 'report');
    expect(opened[0]!.mode).toBe('modal');
    const form = formOf(opened);
    expect(form.form!.fields.filter((f) => f.required).map((f) => f.id)).toEqual([F.category, F.occurredAt, F.narrative]);
    // When it happened starts at now, so a report made straight away needs two answers and a few words.
    expect(form.form!.fields.find((f) => f.id === F.occurredAt)!.initial).toBe('2027-03-01T09:00:00.000Z');

    const replies = await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.mode).toBe('post');
    const said = textOf((replies[0] as { prompt: import('../../src/core/prompt.js').Prompt }).prompt);
    expect(said).toMatch(/INC-2027-0001/);
    // 09:00 UTC on 1 March is 09:00 in London (GMT).
    expect(said).toMatch(/1 Mar 2027, 09:00/);

    const stored = await w.store.reports.get('INC-2027-0001');
    expect(stored).toMatchObject({
      ref: 'INC-2027-0001',
      reporter: { platform: 'slack', id: 'U-PUPIL' },
      category: 'uninvited',
      reportedAt: '2027-03-01T09:00:00.000Z',
      awareAt: '2027-03-01T09:00:00.000Z',
      deadlineAt: '2027-03-04T09:00:00.000Z',
      occurredAt: '2027-03-01T08:00:00.000Z',
      discoveredAt: '2027-03-01T09:00:00.000Z',
      status: 'open',
      timeline: [],
    });
    const alerts = await w.deliveries();
    // Slack: the DPO channel from the settings; Teams: no chat set yet, so the DPO named in the settings directly.
    expect(alerts.map((d) => [d.kind, d.to])).toEqual([
      ['incident.alert', { platform: 'slack', conversationId: 'C-DPO' }],
      ['incident.alert', { platform: 'teams', userId: 'aad-dpo' }],
    ]);
    expect((await w.store.timers.list()).map((t) => t.dueAt).sort()).toEqual([
      '2027-03-02T09:00:00.000Z',
      '2027-03-03T09:00:00.000Z',
      '2027-03-04T05:00:00.000Z',
      '2027-03-04T09:00:00.000Z',
    ]);
  });

  test('the least a person must do: choose what happened and say it in a few words (the time is already filled in)', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    const initial = Object.fromEntries(form.form!.fields.filter((f) => f.initial).map((f) => [f.id, f.initial!]));
    const replies = await w.submit(PEOPLE.pupil, DM, form, { ...initial, [F.category]: 'inappropriate', [F.narrative]: 'Rude picture shared' });
    expect(replies[0]!.mode).toBe('post');
    expect(await w.store.reports.get('INC-2027-0001')).toMatchObject({ category: 'inappropriate', occurredAt: '2027-03-01T09:00:00.000Z', discoveredAt: '2027-03-01T09:00:00.000Z', subjects: [] });
  });

  test('in a channel the confirmation is private to the reporter', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.teacher, CLASS, 'report'));
    const replies = await w.submit(PEOPLE.teacher, CLASS, form, goodValues(w.now));
    expect(replies.map((r) => r.mode)).toEqual(['private']);
  });

  test('on Teams the confirmation is private (the adapter turns the form card into it)', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.teamsTeacher, TEAMS_DM, 'report'));
    const replies = await w.submit(PEOPLE.teamsTeacher, TEAMS_DM, form, goodValues(w.now));
    expect(replies.map((r) => r.mode)).toEqual(['private']);
    expect((await w.store.reports.get('INC-2027-0001'))!.reporter).toEqual({ platform: 'teams', id: 'aad-teacher' });
  });

  test('report.start with a message link pre-fills the evidence; anything else is ignored', async () => {
    const w = new World();
    const link = 'https://hillside.slack.com/archives/C7B/p1700000000000100';
    const withLink = formOf(await w.action(PEOPLE.teacher, CLASS, A.start, link));
    expect(withLink.form!.fields.find((f) => f.id === F.evidence)!.initial).toBe(link);
    const plain = formOf(await w.action(PEOPLE.teacher, CLASS, A.start, 'javascript:alert(1)'));
    expect(plain.form!.fields.find((f) => f.id === F.evidence)!.initial).toBeUndefined();
  });

  test.each([
    ['a missing category', { category: '' }, F.category, /choose/],
    ['an unknown category', { category: 'aliens' }, F.category, /choose/],
    ['no narrative', { what: '   ' }, F.narrative, /fill this in/],
    ['no time', { occurred: '' }, F.occurredAt, /date and a time/],
    ['a time in the future', { occurred: '2027-03-01T12:00:00.000Z', noticed: '' }, F.occurredAt, /future/],
    ['noticed before it happened', { noticed: '2027-03-01T07:00:00.000Z' }, F.discoveredAt, /before it happened/],
    ['noticed in the future', { noticed: '2027-03-02T07:00:00.000Z' }, F.discoveredAt, /future/],
    ['a narrative too long', { what: 'x'.repeat(3001) }, F.narrative, /too long/],
  ])('%s is refused in the form, naming the field, and keeps what was typed', async (_name, change, field, message) => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    const values = goodValues(w.now, change);
    const replies = await w.submit(PEOPLE.pupil, DM, form, values);
    expect(replies).toHaveLength(1);
    const refused = replies[0]!;
    if (refused.mode !== 'form-errors') throw new Error(`expected form-errors, got ${refused.mode}`);
    expect(Object.keys(refused.errors)).toEqual([field]);
    expect(refused.errors[field]).toMatch(message);
    const again = refused.prompt.form!;
    expect(again.state).toBe(form.form!.state);
    expect(again.fields.find((f) => f.id === field)!.error).toMatch(message);
    for (const f of again.fields) if (values[f.id]?.trim()) expect(f.initial).toBe(values[f.id]);
    expect(await w.store.reports.list()).toEqual([]);
    expect(await w.deliveries()).toEqual([]);
  });

  test('a refused form corrected and sent makes one report', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    const refused = formOf(await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now, { what: '' })));
    await w.submit(PEOPLE.pupil, DM, refused, goodValues(w.now));
    expect((await w.store.reports.list()).map((r) => r.ref)).toEqual(['INC-2027-0001']);
  });

  test('a double-clicked submit, a retry and a redelivery of the same form make exactly one report', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    const values = goodValues(w.now);
    const all = await Promise.all([w.submit(PEOPLE.pupil, DM, form, values), w.submit(PEOPLE.pupil, DM, form, values), w.submit(PEOPLE.pupil, DM, form, values)]);
    // A later redelivery (a Teams retry after the reply was lost).
    w.advance(0.01);
    all.push(await w.submit(PEOPLE.pupil, DM, form, values));
    expect((await w.store.reports.list()).map((r) => r.ref)).toEqual(['INC-2027-0001']);
    for (const replies of all) expect(textOf((replies[0] as { prompt: import('../../src/core/prompt.js').Prompt }).prompt)).toMatch(/INC-2027-0001/);
    expect((await w.deliveries()).filter((d) => d.kind === 'incident.alert')).toHaveLength(2);
    expect(await w.store.timers.list()).toHaveLength(4);
    // The counter did not lose numbers to the duplicates: the next report is 0002.
    const next = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    await w.submit(PEOPLE.pupil, DM, next, values);
    expect((await w.store.reports.list()).map((r) => r.ref).sort()).toEqual(['INC-2027-0001', 'INC-2027-0002']);
  });

  test('two instances over one store handling the same form at once make one report and use one number', async () => {
    const a = new World();
    const b = new World({ store: a.store });
    b.now = a.now;
    const form = formOf(await a.command(PEOPLE.pupil, DM, 'report'));
    const values = goodValues(a.now);
    const [ra, rb] = await Promise.all([a.submit(PEOPLE.pupil, DM, form, values), b.submit(PEOPLE.pupil, DM, form, values)]);
    for (const r of [ra, rb]) expect(textOf((r[0] as { prompt: import('../../src/core/prompt.js').Prompt }).prompt)).toMatch(/INC-2027-0001/);
    await a.submit(PEOPLE.pupil, DM, formOf(await a.command(PEOPLE.pupil, DM, 'report')), values);
    expect((await a.store.reports.list()).map((r) => r.ref).sort()).toEqual(['INC-2027-0001', 'INC-2027-0002']);
  });

  test('a restart after the reference was taken but before the report was written: the form sent again makes that report', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now));
    // The crash: the report record is lost, the submission record (with its reference) survived.
    await w.store.reports.delete('INC-2027-0001');
    await w.store.deliveries.delete('incident.alert:INC-2027-0001:slack:C-DPO');
    const restarted = new World({ store: w.store });
    restarted.now = w.now;
    const replies = await restarted.submit(PEOPLE.pupil, DM, form, goodValues(w.now));
    expect(textOf((replies[0] as { prompt: import('../../src/core/prompt.js').Prompt }).prompt)).toMatch(/INC-2027-0001/);
    expect((await w.store.reports.list()).map((r) => r.ref)).toEqual(['INC-2027-0001']);
    expect((await restarted.deliveries()).map((d) => d.key)).toContain('incident.alert:INC-2027-0001:slack:C-DPO');
  });

  test('a claim left pending by a crash is taken over once stale', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    await w.store.runtime.put(`reports.submission.slack:U-PUPIL:${form.form!.state}`, { value: { pending: w.now.toISOString() }, setBy: { platform: 'slack', id: 'U-PUPIL' }, setAt: w.now.toISOString() });
    w.advance(1 / 60);
    await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now));
    expect((await w.store.reports.list()).map((r) => r.ref)).toEqual(['INC-2027-0001']);
  });

  test('someone else sending the same form state makes their own report, not a view of the first', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now));
    const replies = await w.submit(PEOPLE.teacher, CLASS, form, goodValues(w.now));
    expect(textOf((replies[0] as { prompt: import('../../src/core/prompt.js').Prompt }).prompt)).toMatch(/INC-2027-0002/);
  });

  test('50 reports sent at once get 50 different references, 0001 to 0050', async () => {
    const w = new World();
    const forms = await Promise.all(Array.from({ length: 50 }, () => w.command(PEOPLE.pupil, DM, 'report')));
    await Promise.all(forms.map((f) => w.submit(PEOPLE.pupil, DM, formOf(f), goodValues(w.now))));
    const refs = (await w.store.reports.list()).map((r) => r.ref).sort();
    expect(refs).toEqual(Array.from({ length: 50 }, (_, i) => `INC-2027-${String(i + 1).padStart(4, '0')}`));
  });

  test('the reference takes the year in the school time zone', async () => {
    const w = new World();
    w.now = new Date('2027-12-31T23:30:00Z'); // 23:30 in London, still 2027
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    w.now = new Date('2028-01-01T00:30:00Z');
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    expect((await w.store.reports.list()).map((r) => r.ref).sort()).toEqual(['INC-2027-0001', 'INC-2028-0001']);
  });

  test('"my reports" lists the reporter\'s own reports, newest first, with their status', async () => {
    const w = new World();
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    w.advance(1);
    await w.submit(PEOPLE.teacher, CLASS, formOf(await w.command(PEOPLE.teacher, CLASS, 'report')), goodValues(w.now));
    w.advance(1);
    await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now, { category: 'other' }));
    const mine = textOf((await w.command(PEOPLE.pupil, DM, 'mine'))[0]!.prompt as import('../../src/core/prompt.js').Prompt);
    expect(mine).toMatch(/INC-2027-0003[^\n]*Something else[^\n]*Received[\s\S]*INC-2027-0001/);
    expect(mine).not.toMatch(/INC-2027-0002/);
    const none = textOf((await w.command(PEOPLE.dpo, DM, 'mine'))[0]!.prompt as import('../../src/core/prompt.js').Prompt);
    expect(none).toMatch(/haven't made any/);
  });

  test('report content never reaches the log', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now, { what: '' }));
    await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now));
    const logged = JSON.stringify(w.logged);
    expect(w.logged.length).toBeGreaterThan(1);
    for (const secret of ['stranger', 'home address', '7B science', 'screenshot', 'Head of year', 'Sam Pupil']) expect(logged).not.toContain(secret);
  });
});

describe('what the reporter is told about who has it', () => {
  const said = (replies: import('../../src/core/conversation.js').Reply[]) => textOf((replies[0] as { prompt: import('../../src/core/prompt.js').Prompt }).prompt);

  test('with nobody set up to receive reports, the reporter is asked to tell the DPO themselves; the error is logged once, not at every tick', async () => {
    const w = new World({ options: {} });
    (w.deps as { roles: Roles }).roles = NO_ROLES;
    const replies = await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now));
    expect(said(replies)).toMatch(/can't reach anyone at school who deals with data protection yet. Please tell the person who looks after data protection yourself and give them the reference \*\*INC-2027-0001\*\*/);
    expect(said(replies)).not.toMatch(/has been told/);
    for (let i = 0; i < 3; i++) {
      w.advance(0.1);
      await w.feature.policy.due!({ now: w.now, outbox: w.deps.outbox, timers: w.deps.timers });
    }
    expect(w.logged.filter((l) => l.level === 'error' && (l.obj as { event?: string }).event === 'incident.route-problem')).toHaveLength(1);
    expect(await w.deliveries()).toEqual([]);
  });

  test('a form sent again after its alert was delivered is told the DPO has been told', async () => {
    const w = new World();
    const form = formOf(await w.command(PEOPLE.pupil, DM, 'report'));
    expect(said(await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now)))).toMatch(/being sent to the person who looks after data protection now/);
    await w.store.deliveries.update('incident.alert:INC-2027-0001:slack:C-DPO', (d) => d && { ...d, status: 'sent', sentAt: w.now.toISOString() });
    expect(said(await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now)))).toMatch(/The person who looks after data protection has been told/);
  });
});
