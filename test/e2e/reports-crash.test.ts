/**
 * A report is durable before the reporter is told: the real server process, killed with SIGKILL the moment
 * Slack received its confirmation, still has the report when it is started again on the same data.
 */
import { freePort } from '../helpers/free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeSlack } from '../rig/fake-slack.js';
import { dropStoreFor, storeEnv } from '../rig/store-env.js';
import { FORM, SIGNING_SECRET, postSlack, slashCommand, viewSubmission } from '../rig/slack-requests.js';
import { SETTINGS, answers, leaks, nextCall, slackState, type SlackView } from './reports.rig.js';
import type { Rig } from '../rig/harness.js';

const root = resolve(new URL('../..', import.meta.url).pathname);
const REF = /INC-\d{4}-\d{4}/;

function serve(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: () => number | null | undefined } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let code: number | null | undefined;
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  child.on('exit', (c) => (code = c));
  return { child, output: () => out, exited: () => code };
}

async function ready(p: ReturnType<typeof serve>): Promise<void> {
  for (const end = Date.now() + 60_000; !p.output().includes('slack: connected'); ) {
    if (Date.now() > end || p.exited() !== undefined) throw new Error(`did not start: ${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('killed with SIGKILL right after the confirmation went out, the restarted server still has the report', async () => {
  const slack = await new FakeSlack().start();
  const dir = await mkdtemp(join(tmpdir(), 'safecall-report-crash-'));
  await writeFile(join(dir, 'settings.yaml'), SETTINGS);
  const port = await freePort();
  const env = { PORT: String(port), ...storeEnv(join(dir, 'data')), SAFECALL_SETTINGS: join(dir, 'settings.yaml'), SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl };
  const url = `http://127.0.0.1:${port}`;
  const user = 'U0CRASH';
  let second: ReturnType<typeof serve> | undefined;
  const first = serve(env);
  try {
    await ready(first);
    let from = slack.calls.length;
    await postSlack(url, slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: `${slack.url}/respond/${user}` }), FORM);
    const view = (await nextCall(slack, from, (c) => c.path === '/api/views.open')).body.view as SlackView;

    from = slack.calls.length;
    const body = viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, answers(new Date())), privateMetadata: view.private_metadata });
    const submitted = postSlack(url, body, FORM);
    const confirmation = await nextCall(slack, from, (c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)), 15_000);
    first.child.kill('SIGKILL');
    await submitted;
    const ref = JSON.stringify(confirmation.body).match(REF)![0];
    for (const end = Date.now() + 10_000; first.exited() === undefined; ) {
      if (Date.now() > end) throw new Error('the first process did not die');
      await new Promise((r) => setTimeout(r, 20));
    }

    second = serve(env);
    await ready(second);
    from = slack.calls.length;
    await postSlack(url, slashCommand({ user, channel: `D${user}`, text: 'my reports' }), FORM);
    const listed = await nextCall(slack, from, (c) => c.path === '/api/chat.postMessage' && c.body.channel === `D${user}`);
    // The blocks and the fallback text each name it: one report, listed once in each.
    expect([...new Set(JSON.stringify(listed.body.blocks).match(/INC-\d{4}-\d{4}/g))]).toEqual([ref]);
    // Neither process logged what was typed.
    const lines = (first.output() + second.output()).split('\n');
    expect(leaks({ logs: lines } as Rig)).toEqual([]);
  } finally {
    first.child.kill('SIGKILL');
    second?.child.kill('SIGTERM');
    for (const end = Date.now() + 10_000; second && second.exited() === undefined && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    await slack.stop();
    await rm(dir, { recursive: true, force: true });
    await dropStoreFor(join(dir, 'data'));
  }
}, 120_000);
