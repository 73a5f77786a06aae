/**
 * Data not world-readable, whatever the umask: a real server process started with umask 000 takes a report,
 * a setup and some DMs on the embedded store, is stopped, and every directory under its data directory is
 * 0700 and every file 0600 (the journals, the snapshots, the partitions, the lock, the meta file).
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack, TEAM } from '../rig/fake-slack.js';
import { buildDist, launch, until } from '../rig/processes.js';
import { FORM, SIGNING_SECRET, event, postSlack, slashCommand } from '../rig/slack-requests.js';
import { freePort } from '../helpers/free-port.js';
import type { Rig } from '../rig/harness.js';
import { submitReport } from '../e2e/reports.rig.js';

test('every file the server writes is 0600 and every directory 0700, even under umask 000', async () => {
  await buildDist();
  const slack = await new FakeSlack().start();
  const dir = await mkdtemp(join(tmpdir(), 'safecall-perm-'));
  const data = join(dir, 'data');
  const settings = join(dir, 'safecall.yaml');
  await writeFile(settings, `school:\n  name: Perm\n  timezone: Europe/London\nslack:\n  teamId: ${TEAM}\n  dpo: [U0DPO]\n`, { mode: 0o600 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const umask = process.umask(0o000);
  const server = launch({ DATA_DIR: data, SAFECALL_SETTINGS: settings, PORT: String(port), HOST: '127.0.0.1', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl });
  process.umask(umask);
  try {
    await until(async () => {
      if (server.child.exitCode !== null) throw new Error(server.err() + server.out());
      return fetch(`${url}/healthz`).then(async (r) => ((await r.json()) as { platforms?: { slack?: string } }).platforms?.slack === 'http', () => false);
    }, 30_000, 'the server');
    await submitReport({ url, slack } as unknown as Rig, 'U0PERM');
    await postSlack(url, slashCommand({ user: 'U0PERM', channel: 'C0PERM', text: 'setup zoom' }), FORM);
    await postSlack(url, event({ type: 'message', channel_type: 'im', channel: 'D0PERM', user: 'U0PERM', text: 'help', ts: '4.1' }), 'application/json');
    await slack.waitForMethod('chat.postMessage', (b) => b.channel === 'D0PERM');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const entries = await readdir(data, { recursive: true, withFileTypes: true });
    const modes = await Promise.all(entries.map(async (e) => ({ path: join(e.parentPath, e.name).slice(data.length), dir: e.isDirectory(), mode: (await stat(join(e.parentPath, e.name))).mode & 0o777 })));
    expect(modes.filter((m) => !m.dir).length).toBeGreaterThan(5);
    expect((await stat(data)).mode & 0o777).toBe(0o700);
    expect(modes.filter((m) => m.mode !== (m.dir ? 0o700 : 0o600)).map((m) => `${m.path} ${m.mode.toString(8)}`)).toEqual([]);
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await slack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
