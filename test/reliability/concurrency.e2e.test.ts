/**
 * Many people at once, through the real server (real Bolt over HTTP, the store of this jest project):
 * - REPORTS people open the report form and then all submit at the same moment: every report is stored, each
 *   under its own reference, each person is confirmed with theirs, and nothing else is stored. Beyond what it
 *   can take at once, SafeCall's work limiter answers 503 with Retry-After before reading the body; the client
 *   here then presses again a second later, as a person would on the modal, which keeps what they typed.
 * - DECISIONS officers open the ICO decision form on one case and all save at once: one decision is
 *   recorded, every other officer is told it was already decided, and the case's timeline has one decision.
 * `npm test` runs the targets (200 reports, 50 decisions); `npm run soak` runs more.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { FORM, blockAction, postSlack } from '../rig/slack-requests.js';
import { figures, sized } from '../helpers/soak.js';
import { onPostgres } from '../rig/store-env.js';
import { auditRecords } from './records.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { reportState } from '../../src/core/records/report.js';
import {
  REF,
  SETTINGS,
  SLACK_ADMIN,
  SLACK_DPO,
  SLACK_DPO_CHANNEL,
  admitted,
  answers,
  busy,
  openReportView,
  respondUrlOf,
  slackState,
  submitReport,
  submitView,
  type SlackView,
} from '../e2e/reports.rig.js';

const REPORTS = sized(200, 1000);
/** How many times a person presses again on "busy" (1 s apart) before the test counts them refused. */
const PATIENCE = sized(60, 300);
const DECISIONS = sized(50, 200);
const STORE = onPostgres ? 'postgresql' : 'lowdb';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
});
afterAll(async () => rig.stop());

const rows: Record<string, number | string> = { store: STORE };

test(`${REPORTS} report submissions at once: ${REPORTS} stored, ${REPORTS} unique references, each person confirmed with theirs`, async () => {
  const people = Array.from({ length: REPORTS }, (_, i) => `U0R${String(i).padStart(4, '0')}`);
  // Everyone has the form open first (as in a real rush), then everyone presses Submit together.
  const views = await Promise.all(people.map((u) => openReportView(rig, u, PATIENCE)));
  const started = Date.now();
  const busyBefore = busy.answers;
  const answered = await Promise.all(people.map((u, i) => admitted(() => submitView(rig, u, views[i]!, slackState(views[i]!, answers(new Date()))), PATIENCE)));
  const busyAnswers = busy.answers - busyBefore;
  const submitMs = Date.now() - started;
  expect(answered.map((r) => r.status)).toEqual(people.map(() => 200));

  // Each person's confirmation names a reference; the references are all different.
  const confirmed = await eventually(() => {
    const byPerson = people.map((u) => rig.slack.calls.find((c) => c.path === `/respond/${u}` && REF.test(JSON.stringify(c.body))));
    const missing = byPerson.filter((c) => !c).length;
    if (missing) throw new Error(`${missing} people not confirmed yet`);
    return byPerson.map((c) => JSON.stringify(c!.body).match(REF)![0]);
  }, sized(60_000, 300_000));
  const confirmedMs = Date.now() - started;
  expect(new Set(confirmed).size).toBe(REPORTS);

  // The store holds exactly those reports, one per person, each whole.
  const view = await rig.view();
  try {
    const stored = await view.reports.list();
    expect(stored.map((r) => r.ref).sort()).toEqual([...confirmed].sort());
    expect(new Set(stored.map((r) => r.reporter.id)).size).toBe(REPORTS);
    const audit = await auditRecords(view);
    expect(audit.junk).toEqual([]);
  } finally {
    await view.close();
  }
  Object.assign(rows, {
    'reports submitted at once': REPORTS,
    'reports answered 200': answered.filter((r) => r.status === 200).length,
    '503 "busy, try again in 1 s" answers on the way': busyAnswers,
    'reports confirmed': confirmed.length,
    'unique references': new Set(confirmed).size,
    'reports stored': REPORTS,
    'all submitted, answered in': `${submitMs} ms`,
    'all confirmed in': `${confirmedMs} ms`,
  });
}, sized(180_000, 1_200_000));

test(`${DECISIONS} ICO decisions on one case at once: one recorded, ${DECISIONS - 1} told it was already decided`, async () => {
  const ref = await submitReport(rig, 'U0CASE');
  // Each officer (the DPO and the admin, taking turns) opens the decision form, before anyone saves.
  const officers = Array.from({ length: DECISIONS }, (_, i) => (i % 2 ? SLACK_ADMIN : SLACK_DPO));
  const forms: SlackView[] = [];
  for (const who of officers) {
    const from = rig.slack.calls.length;
    await postSlack(rig.url, blockAction({ user: who, channel: SLACK_DPO_CHANNEL, actionId: A.decision, value: ref, responseUrl: respondUrlOf(rig, who) }), FORM);
    forms.push((await rig.slack.waitFor((c) => rig.slack.calls.indexOf(c) >= from && c.path === '/api/views.open')).body.view as SlackView);
  }
  expect(new Set(forms.map((f) => f.private_metadata)).size).toBe(DECISIONS);

  const told = () => rig.slack.calls.filter((c) => JSON.stringify(c.body).includes(`The ICO decision on ${ref} is already recorded`)).length;
  const before = told();
  const answered = await Promise.all(
    forms.map((f, i) => admitted(() => submitView(rig, officers[i]!, f, slackState(f, i % 2 ? { [T.decision]: 'reported', [T.icoRef]: `ICO-${i}` } : { [T.decision]: 'not-reported', [T.reason]: `contained, attempt ${i}` })))),
  );
  expect(answered.map((r) => r.status)).toEqual(officers.map(() => 200));
  await eventually(() => expect(told() - before).toBe(DECISIONS - 1), 30_000);

  const view = await rig.view();
  try {
    const report = await view.reports.get(ref);
    const decisions = report!.timeline.filter((e) => e.kind === 'decision');
    expect(decisions).toHaveLength(1);
    expect(reportState(report!).decision).toEqual(decisions[0]);
  } finally {
    await view.close();
  }
  expect(rig.logs.filter((l) => l.includes('"incident.decision"') && l.includes(ref))).toHaveLength(1);
  Object.assign(rows, { 'decisions saved at once': DECISIONS, 'decisions recorded': 1, 'told already decided': told() - before });
  figures(`concurrency-${STORE}`, rows);
}, sized(120_000, 600_000));
