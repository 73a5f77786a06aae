/**
 * The data key at start: a server started with another key, or none, on reports sealed with a key refuses to
 * start and says which (rather than running with alerts that cannot be opened); the right key starts it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startRig } from '../rig/harness.js';
import { dropStoreFor, storeEnv } from '../rig/store-env.js';
import { loadEnv, parseSettings } from '../../src/config.js';
import { start } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import { FORM, postSlack, slashCommand, viewSubmission } from '../rig/slack-requests.js';
import { SETTINGS, answers, nextCall, slackState, type SlackView } from './reports.rig.js';

const key = randomBytes(32).toString('base64');
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'safecall-key-'));
  const rig = await startRig({ settingsYaml: SETTINGS, dataDir, env: { SAFECALL_DATA_KEY: key } });
  try {
    const user = 'U0KEY';
    let from = rig.slack.calls.length;
    await postSlack(rig.url, slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: `${rig.slack.url}/respond/${user}` }), FORM);
    const view = (await nextCall(rig.slack, from, (c) => c.path === '/api/views.open')).body.view as SlackView;
    from = rig.slack.calls.length;
    await postSlack(rig.url, viewSubmission({ user, callbackId: view.callback_id, values: slackState(view, answers(new Date())), privateMetadata: view.private_metadata }), FORM);
    await nextCall(rig.slack, from, (c) => c.path === `/respond/${user}` && /INC-\d{4}-\d{4}/.test(JSON.stringify(c.body)));
  } finally {
    await rig.stop();
  }
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await dropStoreFor(dataDir);
});

test.each([
  ['another key', { SAFECALL_DATA_KEY: randomBytes(32).toString('base64') }, /SAFECALL_DATA_KEY: this is not the key the stored incident reports were encrypted with/],
  ['no key', {}, /SAFECALL_DATA_KEY: not set, but the stored incident reports are encrypted/],
])('started with %s on sealed reports, SafeCall refuses to start and says why', async (_name, env, message) => {
  // start() itself (no fake platforms to leave running when it refuses).
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const starting = start({ env: loadEnv({ PORT: '0', HOST: '127.0.0.1', ...storeEnv(dataDir), ...env }), settings: parseSettings(SETTINGS, 'test settings'), log: createLogger('info', quiet), print: () => {} });
  await expect(starting).rejects.toThrow(message);
});

test('started with the key they were sealed with, it starts', async () => {
  const rig = await startRig({ settingsYaml: SETTINGS, dataDir, env: { SAFECALL_DATA_KEY: key } });
  expect((await fetch(`${rig.url}/healthz`)).status).toBe(200);
  await rig.stop();
});
