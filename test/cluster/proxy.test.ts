/**
 * deploy/nginx.conf in front of two real SafeCall processes on one PostgreSQL schema (docker-compose.yml's
 * shape, without Docker): Teams activities and signed Slack commands through the proxy are answered once
 * each, and when one instance is SIGKILLed every later request is still answered, by the other, once.
 */
import { jest } from '@jest/globals';
import { FakeConnector } from '../rig/fake-connector.js';
import { FakeSlack, TEAM } from '../rig/fake-slack.js';
import { Cluster, buildDist, until, type Instance } from '../rig/processes.js';
import { FORM, postSlack, slashCommand } from '../rig/slack-requests.js';
import { message, postTeams } from '../rig/teams-requests.js';
import { nginxFor, type NginxPrefix } from '../helpers/nginx.js';
import { needs } from '../helpers/system-deps.js';

needs('nginx', 'postgres');

jest.setTimeout(90_000);

let slack: FakeSlack;
let connector: FakeConnector;
let cluster: Cluster;
let nodes: Instance[];
let nginx: NginxPrefix;

beforeAll(async () => {
  await buildDist();
  slack = await new FakeSlack().start();
  connector = await new FakeConnector().start();
  cluster = await Cluster.create({ slackApiUrl: slack.apiUrl, settingsYaml: `school: { name: Hillside, timezone: Europe/London }\nslack: { teamId: ${TEAM} }\n` });
  nodes = [await cluster.start('safecall-1'), await cluster.start('safecall-2')];
  await Promise.all(nodes.map((n) => n.ready()));
  nginx = await nginxFor([Number(new URL(nodes[0]!.url).port), Number(new URL(nodes[1]!.url).port)]);
  await nginx.start();
}, 120_000);

afterAll(async () => {
  await nginx?.remove();
  await cluster?.stop();
  await slack?.stop();
  await connector?.stop();
});

const repliesIn = (conv: string) => connector.sentTo(conv).length;

async function teamsThroughProxy(conv: string) {
  const res = await postTeams(nginx.base, message(connector.url, conv, { id: `aad-${conv}` }, 'help'));
  expect(res.status).toBe(200);
}

test('every request through the proxy is answered once, before and after one instance is killed', async () => {
  const before = Array.from({ length: 10 }, (_, i) => `a:before-${i}`);
  for (const conv of before) await teamsThroughProxy(conv);
  await until(() => before.every((c) => repliesIn(c) > 0), 20_000, 'a reply in every conversation');

  const user = 'U0PROXY';
  const from = slack.calls.length;
  const command = await postSlack(nginx.base, slashCommand({ user, channel: 'C0CLASS', text: 'help', responseUrl: `${slack.url}/respond/${user}` }), FORM);
  expect(command.status).toBe(200);
  await until(() => slack.calls.slice(from).some((c) => c.path === `/respond/${user}` || c.path === '/api/chat.postEphemeral' || c.path === '/api/chat.postMessage'), 10_000, 'the answer to the command');

  nodes[0]!.child.kill('SIGKILL');
  await nodes[0]!.exited;

  // The proxy passes over the dead instance (connection refused: nothing was sent, so a POST may go on).
  const after = Array.from({ length: 20 }, (_, i) => `a:after-${i}`);
  for (const conv of after) await teamsThroughProxy(conv);
  await until(() => after.every((c) => repliesIn(c) > 0), 20_000, 'a reply in every conversation after the kill');
  const again = slack.calls.length;
  const command2 = await postSlack(nginx.base, slashCommand({ user, channel: 'C0CLASS', text: 'help', responseUrl: `${slack.url}/respond/${user}` }), FORM);
  expect(command2.status).toBe(200);
  await until(() => slack.calls.slice(again).some((c) => c.path === `/respond/${user}` || c.path === '/api/chat.postEphemeral' || c.path === '/api/chat.postMessage'), 10_000, 'the answer after the kill');
  expect((await fetch(`${nginx.base}/healthz`)).status).toBe(200);

  // Once each: no request was run twice by a retry to the other instance.
  expect([...before, ...after].filter((c) => repliesIn(c) !== 1)).toEqual([]);
});
