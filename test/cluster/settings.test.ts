/**
 * Two real SafeCall processes on one PostgreSQL schema, started with different settings files (issue 23): the
 * follower warns in its log that its settings differ from the leader's, both /healthz answers say so (still 200:
 * the instance serves), and `safecall status` lists both fingerprints. The files were last edited long ago, so
 * this is a mistake, not a rolling edit in progress (src/settings-fingerprint.ts).
 */
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { FakeSlack, TEAM } from '../rig/fake-slack.js';
import { Cluster, buildDist, until, type Instance } from '../rig/processes.js';
import { runCli } from '../helpers/cli.js';
import { TEST_DATABASE_URL } from '../rig/store-env.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

jest.setTimeout(90_000);

const SETTINGS = (name: string) => `school: { name: ${name}, timezone: Europe/London }\nslack: { teamId: ${TEAM} }\n`;
const LONG_AGO = new Date(Date.now() - 30 * 86_400_000);

let slack: FakeSlack;
let cluster: Cluster;
let nodes: Instance[];

interface SettingsHealth {
  fingerprint: string;
  state: string;
  leader?: { owner: string; self: boolean };
  message?: string;
}
const healthOf = async (i: Instance) => {
  const res = await fetch(`${i.url}/healthz`);
  return { status: res.status, body: (await res.json()) as { scheduler: { leading: boolean }; settings: SettingsHealth } };
};

beforeAll(async () => {
  await buildDist();
  slack = await new FakeSlack().start();
  cluster = await Cluster.create({ slackApiUrl: slack.apiUrl, settingsYaml: SETTINGS('Hillside') });
  const shared = join(cluster.dataDir, 'safecall.yaml');
  const other = join(cluster.dataDir, 'other.yaml');
  await writeFile(other, SETTINGS('Hillside Primary'), { mode: 0o600 });
  for (const f of [shared, other]) await utimes(f, LONG_AGO, LONG_AGO);
  nodes = [await cluster.start('safecall-1'), await cluster.start('safecall-2', { SAFECALL_SETTINGS: other })];
  await Promise.all(nodes.map((n) => n.ready()));
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await slack?.stop();
});

test('the instances say their settings differ: the follower in its log and /healthz, the leader in /healthz, and safecall status', async () => {
  // Each instance compares at start and every 15 s; the leader is settled within a heartbeat.
  let follower: Instance | undefined;
  await until(
    async () => {
      const all = await Promise.all(nodes.map(healthOf));
      const leaderIndex = all.findIndex((h) => h.body.scheduler.leading);
      if (leaderIndex < 0) return false;
      follower = nodes[1 - leaderIndex];
      const f = all[1 - leaderIndex]!;
      return f.body.settings.state === 'different' && f.body.settings.leader?.self === false && all[leaderIndex]!.body.settings.state === 'different';
    },
    40_000,
    'both instances to report different settings',
  );
  const f = await healthOf(follower!);
  expect(f.status).toBe(200);
  expect(f.body.settings.message).toMatch(/^This instance's settings differ from the leader's \(.+:\d+\): reminders and alerts follow the leader's settings/);
  const warned = Cluster.logs(follower!).filter((l) => l.level === 40 && /^settings: This instance's settings differ from the leader's/.test(String(l.msg)));
  expect(warned).toHaveLength(1);
  const [a, b] = await Promise.all(nodes.map(healthOf));
  expect(a!.body.settings.fingerprint).not.toBe(b!.body.settings.fingerprint);

  const saved = { url: process.env.DATABASE_URL, schema: process.env.DATABASE_SCHEMA };
  Object.assign(process.env, { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: cluster.schema });
  try {
    const status = await runCli(['status']);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/Instances running: 2, and their SETTINGS DIFFER: .+\(leader\) [0-9a-f]{16}/);
    expect(status.out).toContain(a!.body.settings.fingerprint);
    expect(status.out).toContain(b!.body.settings.fingerprint);
  } finally {
    for (const [k, v] of [['DATABASE_URL', saved.url], ['DATABASE_SCHEMA', saved.schema]] as const) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
