/**
 * The logs of the whole test run, scanned for what people typed. Every rig and every server process started
 * through the rig keeps its log lines for this run (test/helpers/run-logs.ts); the sequencer
 * (test/helpers/sequencer.mjs) runs this file last, after every other suite of both projects. Words tests
 * type as a person would carry a marker (`Zq81-`, `Qx77-`): report narratives, notes, reasons, DMs. This file
 * first types some of its own on both platforms (a DM, a question, a report), so it never passes on an empty
 * scan, then reads every line of the run.
 */
import { startRig } from '../rig/harness.js';
import { FORM, event, postSlack, slashCommand } from '../rig/slack-requests.js';
import { message, postTeams } from '../rig/teams-requests.js';
import { SETTINGS, submitReport } from '../e2e/reports.rig.js';
import { rmSync } from 'node:fs';
import { TYPED_MARKERS, runLogDir, runLogs } from '../helpers/run-logs.js';
import { figures } from '../helpers/soak.js';

const DM = 'Qx77-dm: a parent recorded the lesson and posted it on TikTok, what do I do';

test('no log line of the whole run holds what anyone typed', async () => {
  const rig = await startRig({ settingsYaml: SETTINGS });
  try {
    await postSlack(rig.url, event({ type: 'message', channel_type: 'im', channel: 'D0SCAN', user: 'U0SCAN', text: DM, ts: '3.1' }), 'application/json');
    await rig.slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D0SCAN');
    await postSlack(rig.url, slashCommand({ user: 'U0SCAN', channel: 'C0SCAN', text: `ask ${DM}` }), FORM);
    await postTeams(rig.url, message(rig.connector.url, 'a:scan', { id: 'aad-scan' }, DM));
    await rig.connector.waitForConversation('a:scan');
    await submitReport(rig, 'U0SCAN');
  } finally {
    await rig.stop();
  }
  const logs = runLogs();
  const lines = logs.flatMap((l) => l.text.split('\n').filter(Boolean));
  const held = lines.filter((l) => TYPED_MARKERS.some((m) => l.includes(m)));
  figures('log-scan', {
    'log files of this run': logs.length,
    'lines scanned': lines.length,
    'lines holding typed words': held.length,
  });
  expect(lines.length).toBeGreaterThan(0);
  // The line itself would be the leak: say where, not what.
  expect(held.map((l) => `${l.length} characters, ${(JSON.parse(l.startsWith('{') ? l : '{}') as { msg?: string }).msg ?? 'not JSON'}`)).toEqual([]);
  // Kept when the scan fails (to find the line); gone when it passes.
  rmSync(runLogDir(), { recursive: true, force: true });
});
