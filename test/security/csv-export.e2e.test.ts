/**
 * The breach log a DPO opens in Excel cannot run anything: reports typed with cells that start with `=`, `+`,
 * `-`, `@`, a tab or a carriage return (formula injection), through the real server, come back in the CSV the
 * DPO gets in chat as text: each such cell starts with `'`, and reads back, through a CSV parser, as what was
 * typed with that quote in front.
 */
import { parse } from 'csv-parse/sync';
import { startRig, type Rig } from '../rig/harness.js';
import { FORM, postSlack, slashCommand } from '../rig/slack-requests.js';
import { REPORT_FIELDS as F } from '../../dialogs/incidents/ids.js';
import { SETTINGS, SLACK_DPO, nextCall, submitReport } from '../e2e/reports.rig.js';

const EVIL = ['=HYPERLINK("http://evil.example","open")', '+1+cmd|"/c calc"!A1', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
});
afterAll(async () => rig.stop());

test('formula-like cells typed into reports are neutralised in the breach log the DPO downloads', async () => {
  for (const [i, evil] of EVIL.entries()) await submitReport(rig, `U0CSV${i}`, { [F.narrative]: evil, [F.actionsTaken]: evil });
  const from = rig.slack.calls.length;
  await postSlack(rig.url, slashCommand({ user: SLACK_DPO, channel: 'D0DPO', text: 'breach log' }), FORM);
  await nextCall(rig.slack, from, (c) => c.path === '/api/files.completeUploadExternal');
  const csv = rig.slack.uploads().at(-1)!.content.replace(/^\uFEFF/, '');
  const rows = parse(csv, { columns: true, relax_column_count: false }) as Record<string, string>[];
  const cells = rows.flatMap((r) => Object.values(r));
  // No cell of the file starts with a character a spreadsheet would run.
  expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
  // Each comes back as typed, behind the quote (the form trims a leading tab or line break first).
  for (const evil of EVIL) expect([evil, cells.filter((c) => c === `'${evil}` || c === `'${evil.trimStart()}`).length >= 2]).toEqual([evil, true]);
});
