/**
 * Fuzzing both endpoints of a real SafeCall process (`node dist/src/main.js`: real Bolt, real botbuilder, the
 * store of this jest project) with fast-check. Every Slack input is correctly signed and every Teams activity
 * comes from loopback, so they get past the signature and caller checks and reach the parsers, the router and
 * the dialogs: random and mutated slash commands, events, every interactive payload type (block_actions,
 * view_submission, view_closed, shortcut, message_action, block_suggestion), raw bodies; Teams messages, card
 * submits, invokes, installs.
 *
 * Per input: no 5xx, an answer within HANG_MS (else a hang), the process still running (else a crash). After
 * the run: the process answers a known-good command and message, and every stored record has the shape of its
 * collection (no partial or junk record). `npm test` tries FAST inputs per store; `npm run soak` tries LONG.
 */
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack, TEAM } from '../rig/fake-slack.js';
import { FakeConnector } from '../rig/fake-connector.js';
import { buildDist, launch, until, type Launched } from '../rig/processes.js';
import { FORM, SIGNING_SECRET, sign, slashCommand } from '../rig/slack-requests.js';
import { BOT, TENANT, message } from '../rig/teams-requests.js';
import { dropStoreFor, onPostgres, openStoreView, storeEnv } from '../rig/store-env.js';
import { freePort } from '../helpers/free-port.js';
import { figures, sized, SOAK } from '../helpers/soak.js';
import { auditRecords } from './records.js';
import { REPORT_ACTIONS, REPORT_FIELDS, REPORT_FORMS, TRIAGE_FIELDS } from '../../dialogs/incidents/ids.js';
import { SETUP_ACTIONS, SETUP_FORMS } from '../../dialogs/secure-call/ids.js';
import { REMIND_ACTIONS } from '../../dialogs/reminders/ids.js';

/** Inputs per platform per store. */
const RUNS = sized(150, 5_000);
const HANG_MS = 10_000;
const SEED = Number(process.env.SAFECALL_FUZZ_SEED ?? Date.now() % 2 ** 31);
const STORE = onPostgres ? 'postgresql' : 'lowdb';

const SETTINGS = `school:
  name: Fuzz School
  timezone: Europe/London
slack:
  teamId: ${TEAM}
  admins: [U0ADMIN]
  dpo: [U0DPO]
teams:
  admins: [aad-admin]
  dpo: [aad-dpo]
`;

let slack: FakeSlack;
let connector: FakeConnector;
let server: Launched;
let url = '';
let dataDir = '';

beforeAll(async () => {
  await buildDist();
  slack = await new FakeSlack().start();
  connector = await new FakeConnector().start();
  dataDir = await mkdtemp(join(tmpdir(), 'safecall-fuzz-'));
  const settings = join(dataDir, '..', `${dataDir.split('/').pop()}.yaml`);
  await writeFile(settings, SETTINGS, { mode: 0o600 });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = launch({
    ...storeEnv(dataDir),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SAFECALL_SETTINGS: settings,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
  });
  await until(
    async () => {
      if (server.child.exitCode !== null) throw new Error(`the server exited: ${server.err()}${server.out().slice(-2000)}`);
      try {
        const h = (await (await fetch(`${url}/healthz`)).json()) as { platforms?: { slack?: string } };
        return h.platforms?.slack === 'http';
      } catch {
        return false;
      }
    },
    30_000,
    'the server to be ready',
  );
}, 120_000);

afterAll(async () => {
  if (server?.child.exitCode === null) server.child.kill('SIGTERM');
  await server?.exited;
  await Promise.all([slack?.stop(), connector?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
  await dropStoreFor(dataDir);
});

// ---- what is sent --------------------------------------------------------------------------------------

interface Sent {
  path: '/slack/events' | '/api/messages';
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** Every action and form id SafeCall knows, so mutated payloads reach real handlers, plus strangers. */
const ACTION_IDS = [...Object.values(SETUP_ACTIONS), ...Object.values(REPORT_ACTIONS), ...Object.values(REMIND_ACTIONS)];
const FORM_IDS = [...Object.values(SETUP_FORMS), ...Object.values(REPORT_FORMS)];
const FIELD_IDS = [...Object.values(REPORT_FIELDS), ...Object.values(TRIAGE_FIELDS)];
const WORDS = ['help', 'report', 'setup', 'setup zoom', 'secure my call', 'my reports', 'breach log', 'reminders', 'status', 'set dpo channel', 'now', "it's happening now", ''];

const users = fc.constantFrom('U0TEACH', 'U0DPO', 'U0ADMIN', 'U0OTHER');
const text = fc.oneof(fc.constantFrom(...WORDS), fc.string(), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ minLength: 3000, maxLength: 6000 }));
const actionId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ACTION_IDS) }, fc.constantFrom(...ACTION_IDS).map((a) => `${a}~2`), fc.string());
const value = fc.oneof(fc.constantFrom('', 'zoom', 'teams', 'meet', 'INC-2026-0001', 'include', 'leave', '{"step":3}'), fc.string(), fc.json());
/** Any JSON value, including hostile keys (`__proto__`, `constructor`) and deep nesting. */
const junk = fc.oneof(fc.anything({ withObjectString: true, withNullPrototype: true, maxDepth: 3 }), fc.constantFrom('__proto__', { __proto__: { polluted: 1 } }, { constructor: { prototype: { polluted: 1 } } }));

/** A base object with some of its paths deleted or replaced by junk. */
function mutated<T extends Record<string, unknown>>(base: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  const edits = fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'replace', 'string', 'huge'), junk), { maxLength: 4 });
  return fc.tuple(base, edits).map(([b, es]) => {
    const copy = structuredClone(b) as Record<string, unknown>;
    for (const [n, op, v] of es) {
      const paths = pathsOf(copy);
      if (!paths.length) break;
      const path = paths[n % paths.length]!;
      const parent = path.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, copy);
      const key = path[path.length - 1]!;
      if (op === 'delete') delete parent[key];
      // A copy: the constants above are shared between runs and must not be edited through a later path.
      else parent[key] = op === 'replace' ? copyOf(v) : op === 'string' ? fc.stringify(v) : 'x'.repeat(5000);
    }
    return copy;
  });
}

const copyOf = (v: unknown): unknown => (v === undefined ? v : (JSON.parse(JSON.stringify(v) ?? 'null') as unknown));

function pathsOf(o: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (o && typeof o === 'object' && out.length < 200)
    for (const k of Object.keys(o)) {
      out.push([...prefix, k]);
      pathsOf((o as Record<string, unknown>)[k], [...prefix, k], out);
    }
  return out;
}

const person = (id: string) => ({ id, username: `name-${id}`, name: `name-${id}`, team_id: TEAM });
const team = { id: TEAM, domain: 'school' };

const blockActions = fc.record({ u: users, a: actionId, v: value }).map(({ u, a, v }) => ({
  type: 'block_actions',
  team,
  user: person(u),
  api_app_id: 'A0SAFECALL',
  container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0CLASS', is_ephemeral: false },
  trigger_id: `trigger-${u}.${Math.random()}`,
  channel: { id: 'C0CLASS', name: 'general' },
  message: { type: 'message', ts: '1700000000.000100', text: 'x' },
  response_url: 'http://127.0.0.1:9/respond',
  actions: [{ type: 'button', action_id: a, block_id: 'b1', value: v, text: { type: 'plain_text', text: 'x' }, action_ts: '1700000001.000001' }],
}));

const fieldValues = fc.dictionary(
  fc.constantFrom(...FIELD_IDS),
  fc.oneof(
    text.map((t) => ({ type: 'plain_text_input', value: t })),
    fc.string().map((t) => ({ type: 'static_select', selected_option: { value: t, text: { type: 'plain_text', text: t } } })),
    fc.integer().map((n) => ({ type: 'datetimepicker', selected_date_time: n })),
    junk,
  ),
);
const viewSubmission = fc.record({ u: users, cb: fc.oneof(fc.constantFrom(...FORM_IDS), fc.string()), meta: fc.oneof(fc.constant(''), fc.string(), fc.json()), values: fieldValues, kind: fc.constantFrom('view_submission', 'view_closed') }).map(
  ({ u, cb, meta, values, kind }) => ({
    type: kind,
    team,
    user: person(u),
    api_app_id: 'A0SAFECALL',
    trigger_id: `trigger-${u}.${Math.random()}`,
    view: { id: 'V1', type: 'modal', callback_id: cb, private_metadata: meta, blocks: [], hash: 'h', state: { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { [k]: v }])) } },
  }),
);
const shortcut = fc.record({ u: users, cb: fc.oneof(fc.constantFrom('report_incident', 'report_message', REPORT_ACTIONS.start), fc.string()), kind: fc.constantFrom('shortcut', 'message_action'), t: text }).map(({ u, cb, kind, t }) => ({
  type: kind,
  team,
  user: person(u),
  callback_id: cb,
  trigger_id: `trigger-${u}.${Math.random()}`,
  action_ts: '1700000001.000001',
  ...(kind === 'message_action' ? { channel: { id: 'C0CLASS', name: 'general' }, message: { type: 'message', ts: '1700000000.000200', user: 'U0OTHER', text: t }, message_ts: '1700000000.000200', response_url: 'http://127.0.0.1:9/respond' } : {}),
}));
const suggestion = fc.record({ u: users, a: actionId, v: fc.string() }).map(({ u, a, v }) => ({ type: 'block_suggestion', team, user: person(u), action_id: a, block_id: 'b1', value: v, api_app_id: 'A0SAFECALL' }));

const interactive = fc.oneof(mutated(blockActions), mutated(viewSubmission), mutated(shortcut), mutated(suggestion), blockActions, viewSubmission);

const command = fc.record({ u: users, t: text, ch: fc.constantFrom('C0CLASS', 'D0TEACH', 'G0GROUP') }).map(({ u, t, ch }) => Object.fromEntries(new URLSearchParams(slashCommand({ user: u, channel: ch, text: t }))));

const eventBody = fc.record({ u: users, t: text, type: fc.constantFrom('message', 'app_mention', 'app_home_opened', 'member_joined_channel', 'app_uninstalled', 'tokens_revoked', 'reaction_added'), ct: fc.constantFrom('im', 'channel', 'group', 'mpim') }).map(({ u, t, type, ct }) => ({
  token: 'legacy',
  team_id: TEAM,
  api_app_id: 'A0SAFECALL',
  type: 'event_callback',
  event_id: `Ev${Math.random().toString(36).slice(2, 12)}`,
  event_time: Math.floor(Date.now() / 1000),
  event: { type, channel_type: ct, channel: ct === 'im' ? `D${u.slice(1)}` : 'C0CLASS', user: u, text: t, ts: `${1_700_000_000 + Math.floor(Math.random() * 1e6)}.000001`, tab: 'home' },
}));

const signed = (body: string, contentType: string): Sent => ({ path: '/slack/events', contentType, body });
const slackInput: fc.Arbitrary<Sent> = fc.oneof(
  { weight: 3, arbitrary: interactive.map((p) => signed(new URLSearchParams({ payload: JSON.stringify(p) }).toString(), FORM)) },
  { weight: 2, arbitrary: mutated(command).map((c) => signed(new URLSearchParams(Object.entries(c as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString(), FORM)) },
  { weight: 2, arbitrary: mutated(eventBody).map((e) => signed(JSON.stringify(e), 'application/json')) },
  // Raw bodies: not a form, not JSON, a payload that is not JSON, JSON of the wrong shape.
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.json(), junk.map((j) => new URLSearchParams({ payload: JSON.stringify(j) ?? 'null' }).toString())).chain((b) => fc.constantFrom(FORM, 'application/json').map((ct) => signed(String(b), ct))) },
);

const who = fc.constantFrom('aad-teacher', 'aad-dpo', 'aad-admin', 'aad-other');
const teamsBase = (serviceUrl: string) =>
  fc.oneof(
    fc.record({ w: who, t: text, k: fc.constantFrom('personal', 'channel', 'groupChat') }).map(({ w, t, k }) => ({ ...message(serviceUrl, `conv-${w}`, { id: w }, t), conversation: { id: `conv-${w}-${k}`, conversationType: k, tenantId: TENANT } })),
    fc.record({ w: who, a: actionId, v: value, f: fieldValues }).map(({ w, a, v, f }) => ({ ...message(serviceUrl, `conv-${w}`, { id: w }, ''), text: undefined, value: { safecall: { action: a, value: v }, ...f }, replyToId: 'act-1' })),
    fc.record({ w: who, n: fc.constantFrom('adaptiveCard/action', 'task/fetch', 'task/submit', 'composeExtension/fetchTask', 'composeExtension/submitAction', 'fileConsent/invoke', 'signin/verifyState'), v: fc.oneof(junk, fc.record({ action: fc.record({ type: fc.constant('Action.Execute'), verb: actionId, data: fc.dictionary(fc.string(), fc.string()) }) }), fc.record({ commandId: fc.string(), messagePayload: fc.record({ linkToMessage: fc.webUrl() }) })) }).map(({ w, n, v }) => ({
      ...message(serviceUrl, `conv-${w}`, { id: w }, ''),
      type: 'invoke',
      text: undefined,
      name: n,
      value: v,
    })),
    fc.record({ w: who, t: fc.constantFrom('conversationUpdate', 'installationUpdate', 'messageReaction', 'typing', 'event', 'endOfConversation'), act: fc.constantFrom('add', 'remove', 'add-upgrade') }).map(({ w, t, act }) => ({ ...message(serviceUrl, `conv-${w}`, { id: w }, ''), type: t, action: act, membersAdded: [{ id: BOT.id }], text: undefined })),
  );
const teamsInput = (serviceUrl: string): fc.Arbitrary<Sent> =>
  fc.oneof(
    { weight: 4, arbitrary: mutated(teamsBase(serviceUrl) as fc.Arbitrary<Record<string, unknown>>) },
    { weight: 2, arbitrary: teamsBase(serviceUrl) },
    { weight: 1, arbitrary: junk },
  ).map((a) => ({ path: '/api/messages' as const, contentType: 'application/json', body: JSON.stringify(a) ?? 'null' }));

// ---- sending and counting -------------------------------------------------------------------------------

interface Tally {
  tried: number;
  byStatus: Map<number, number>;
  serverErrors: string[];
  hangs: string[];
  crashed: boolean;
}

const tally = (): Tally => ({ tried: 0, byStatus: new Map(), serverErrors: [], hangs: [], crashed: false });

/** Sends one input; records its status, a 5xx, a hang or a crash (with the input, for the failure message). */
async function send(input: Sent, t: Tally): Promise<void> {
  t.tried++;
  const headers = { 'content-type': input.contentType, ...(input.path === '/slack/events' ? sign(input.body) : {}), ...input.headers };
  let status: number;
  try {
    const res = await fetch(`${url}${input.path}`, { method: 'POST', headers, body: input.body, signal: AbortSignal.timeout(HANG_MS) });
    await res.arrayBuffer();
    status = res.status;
  } catch (err) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) t.crashed = true;
    else t.hangs.push(`${(err as Error).name}: ${input.path} ${input.body.slice(0, 300)}`);
    throw new Error(t.crashed ? `the server stopped (${server.child.exitCode ?? server.child.signalCode}): ${server.err().slice(-1500)}` : `no answer within ${HANG_MS} ms`);
  }
  t.byStatus.set(status, (t.byStatus.get(status) ?? 0) + 1);
  if (status >= 500) {
    t.serverErrors.push(`${status}: ${input.path} ${input.body.slice(0, 300)}`);
    const said = server.out().split('\n').filter((l) => /"level":50/.test(l)).slice(-2).join('\n');
    throw new Error(`answered ${status}; the server logged:\n${said}`);
  }
}

const statuses = (t: Tally) => [...t.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
const results: Record<string, Tally> = {};

test(`signed Slack payloads, random and mutated: no 5xx, no hang, no crash (${RUNS} inputs)`, async () => {
  const t = (results.slack = tally());
  await fc.assert(
    fc.asyncProperty(slackInput, (input) => send(input, t)),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  expect({ serverErrors: t.serverErrors, hangs: t.hangs, crashed: t.crashed }).toEqual({ serverErrors: [], hangs: [], crashed: false });
  // The inputs reached more than the signature check: some were taken (200), some refused as bad (400).
  expect(t.byStatus.get(200)).toBeGreaterThan(0);
  expect(t.byStatus.get(400)).toBeGreaterThan(0);
}, sized(120_000, 3_600_000));

test(`Teams activities, random and mutated: no 5xx, no hang, no crash (${RUNS} inputs)`, async () => {
  const t = (results.teams = tally());
  await fc.assert(
    fc.asyncProperty(teamsInput(connector.url), (input) => send(input, t)),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  expect({ serverErrors: t.serverErrors, hangs: t.hangs, crashed: t.crashed }).toEqual({ serverErrors: [], hangs: [], crashed: false });
  expect(t.byStatus.get(200)).toBeGreaterThan(0);
  expect(t.byStatus.get(400)).toBeGreaterThan(0);
}, sized(120_000, 3_600_000));

test('afterwards the process is up, still answers a teacher on both platforms, and stored no junk', async () => {
  expect(server.child.exitCode).toBeNull();
  const help = slashCommand({ user: 'U0LAST', channel: 'C0LAST', text: 'help' });
  const res = await fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': FORM, ...sign(help) }, body: help });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  await slack.waitForMethod('chat.postMessage', (b) => b.channel === 'C0LAST');
  const body = message(connector.url, 'conv-last', { id: 'aad-last' }, 'help');
  const teams = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(teams.status).toBeLessThan(300);
  await until(() => connector.sentTo('conv-last').length > 0, 10_000, 'the Teams reply');
  // Nothing junk went on to the far sides either: no Web API call or Teams reply carried an object where text
  // belongs.
  const junkOut = [...slack.calls.filter((c) => JSON.stringify(c.body).includes('[object Object]')).map((c) => `slack ${c.path}`), ...connector.calls.filter((c) => JSON.stringify(c.body).includes('[object Object]')).map((c) => `teams ${c.path}`)];
  expect(junkOut).toEqual([]);

  // Stop it (as a deploy would) so the data is read as the next start would read it.
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  const view = await openStoreView(dataDir);
  let audit;
  try {
    audit = await auditRecords(view);
  } finally {
    await view.close();
  }
  expect(audit.junk).toEqual([]);
  expect(audit.records).toBeGreaterThan(0);

  const s = results.slack!;
  const m = results.teams!;
  figures(`fuzz-${STORE}`, {
    store: STORE,
    seed: SEED,
    'Slack inputs tried': s.tried,
    'Slack answers': statuses(s),
    'Teams inputs tried': m.tried,
    'Teams answers': statuses(m),
    '5xx': s.serverErrors.length + m.serverErrors.length,
    crashes: Number(s.crashed) + Number(m.crashed),
    hangs: s.hangs.length + m.hangs.length,
    'records stored': audit.records,
    'junk records': audit.junk.length,
  }, [`reproduce: SAFECALL_FUZZ_SEED=${SEED}${SOAK ? ' SAFECALL_SOAK=1' : ''} npm test -- test/reliability/fuzz.e2e.test.ts --selectProjects ${onPostgres ? 'postgres' : 'lowdb'}`]);
}, 60_000);
