/**
 * kill -9 the real server (dist/src/main.js) at random moments, on lowdb and on PostgreSQL, and start it
 * again on the same data:
 * - report submissions and the DPO's triage (Acknowledge presses, ICO decision forms) fired at once, the
 *   kill somewhere in the time they take: every report confirmed to its reporter (the reference sent back)
 *   is there once, under that reporter; no report is there twice; every triage step confirmed to the DPO
 *   (the alert redrawn, or the form closed) is in the timeline once; the data opens every time;
 * - a term-end reminder fan-out on Slack, killed after a random number of its DMs: after the restart each
 *   person has exactly one (none twice, none skipped).
 * The figures (`figures()`) count what the kills hit. SAFECALL_SOAK=1 runs the long version; CRASH_SEED
 * replays one run's kill moments; CRASH_KEEP=1 keeps the data directories (and a copy of the one a stuck
 * round left); RIG_LOG_LEVEL=debug makes the servers log more.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack, TEAM, dmOf } from '../rig/fake-slack.js';
import { ageDeadLock, buildDist, kill9, roundEndingDaysAgo, serverEnv, startInstance, stopInstance, termEndingToday, until, type Instance } from '../rig/processes.js';
import { FORM, blockAction, postSlack, slashCommand, triggerId, viewSubmission, type SlackPost } from '../rig/slack-requests.js';
import { openStoreView, dropStoreFor, storeEnv, type StoreKind } from '../rig/store-env.js';
import { figures, sized, SOAK } from '../helpers/soak.js';
import { rng } from '../helpers/rng.js';
import { SETTINGS, SLACK_DPO, SLACK_DPO_CHANNEL, answers, slackState, type SlackView } from '../e2e/reports.rig.js';
import { INCIDENT_KINDS as K, REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import type { Recorded } from '../rig/recorder.js';
import { slackButtons } from '../rig/clicks.js';
import type { StoredReport } from '../../src/core/records/report.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = rng(SEED);
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

const STORES: StoreKind[] = ['lowdb', 'postgres'];
const REPORT_TRIALS = sized(2, 50);
const FANOUT_TRIALS = sized(2, 12);
/** Report forms submitted at once in each trial, and triage steps pressed alongside them. */
const SUBMISSIONS = sized(4, 6);
const TRIAGE = sized(3, 4);
const PEOPLE = sized(30, 60);
const REF = /INC-\d{4}-\d{4,}/;

interface Tally {
  reportTrials: number;
  fanoutTrials: number;
  submitted: number;
  confirmed: number;
  /** The form closed without errors (Slack's ack), whether or not the reference came too. */
  acked: number;
  lost: number;
  duplicateReports: number;
  junk: number;
  storedUnconfirmed: number;
  triageFired: number;
  triageConfirmed: number;
  triageLost: number;
  triageTwice: number;
  alertsMissing: number;
  alertsSent: number;
  alertsUncertain: number;
  alertsUncertainUnseen: number;
  alertsRepeated: number;
  alertsTwice: number;
  killsMidFlight: number;
  killsAfterAll: number;
  remindersExpected: number;
  remindersSent: number;
  remindersBeforeKill: number;
  reminderDuplicates: number;
  remindersSkipped: number;
  sendingAtKill: number;
  queuedAtKill: number;
  fanoutKillsMidFlight: number;
  opened: number;
  openFailures: number;
  ms: number;
}
const blank = (): Tally => ({
  reportTrials: 0, fanoutTrials: 0, submitted: 0, confirmed: 0, acked: 0, lost: 0, duplicateReports: 0, junk: 0, storedUnconfirmed: 0,
  triageFired: 0, triageConfirmed: 0, triageLost: 0, triageTwice: 0, alertsMissing: 0, alertsSent: 0, alertsUncertain: 0, alertsUncertainUnseen: 0, alertsRepeated: 0, alertsTwice: 0, killsMidFlight: 0, killsAfterAll: 0,
  remindersExpected: 0, remindersSent: 0, remindersBeforeKill: 0, reminderDuplicates: 0, remindersSkipped: 0, sendingAtKill: 0, queuedAtKill: 0, fanoutKillsMidFlight: 0,
  opened: 0, openFailures: 0, ms: 0,
});
const tally: Record<StoreKind, Tally> = { lowdb: blank(), postgres: blank() };

const dirs: { dir: string; kind: StoreKind }[] = [];
beforeAll(async () => {
  process.stdout.write(`crash suite seed ${SEED} (CRASH_SEED=${SEED} replays it)\n`);
  await buildDist();
}, 180_000);
afterAll(async () => {
  await Promise.all(servers.map(kill9));
  for (const { dir, kind } of dirs) {
    await dropStoreFor(join(dir, 'data'), kind);
    if (!process.env.CRASH_KEEP) await rm(dir, { recursive: true, force: true });
  }
  const both = (f: (t: Tally) => number | string) => `lowdb ${f(tally.lowdb)} | postgres ${f(tally.postgres)}`;
  figures(
    'crash',
    {
      seed: SEED,
      'trials: reports + triage': both((t) => t.reportTrials),
      'trials: reminder fan-out': both((t) => t.fanoutTrials),
      'kills with work in flight': both((t) => `${t.killsMidFlight + t.fanoutKillsMidFlight} (after all was confirmed: ${t.killsAfterAll})`),
      'reports submitted': both((t) => t.submitted),
      'confirmed to reporter (reference sent)': both((t) => t.confirmed),
      'form closed (ack)': both((t) => t.acked),
      'lost (confirmed, missing after restart)': both((t) => t.lost),
      'stored but not confirmed (kill between)': both((t) => t.storedUnconfirmed),
      'duplicate reports': both((t) => t.duplicateReports),
      'junk reports': both((t) => t.junk),
      'DPO alerts sent / missing / twice': both((t) => `${t.alertsSent} / ${t.alertsMissing} / ${t.alertsTwice}`),
      'DPO alerts cut short: uncertain (first never posted)': both((t) => `${t.alertsUncertain} (${t.alertsUncertainUnseen})`),
      'DPO alerts sent again, marked as a possible repeat': both((t) => t.alertsRepeated),
      'triage steps fired': both((t) => t.triageFired),
      'triage confirmed to DPO': both((t) => t.triageConfirmed),
      'triage lost / recorded twice': both((t) => `${t.triageLost} / ${t.triageTwice}`),
      'reminders expected': both((t) => t.remindersExpected),
      'reminders sent (before the kill)': both((t) => `${t.remindersSent} (${t.remindersBeforeKill})`),
      'reminders left sending / queued by a kill': both((t) => `${t.sendingAtKill} / ${t.queuedAtKill}`),
      'reminder duplicates': both((t) => t.reminderDuplicates),
      'reminders skipped': both((t) => t.remindersSkipped),
      'data opened every time': both((t) => `${t.openFailures === 0 ? 'yes' : 'no'} (${t.opened} restarts)`),
      'wall time (s)': both((t) => (t.ms / 1000).toFixed(1)),
    },
    [
      'Each trial: fire the work, SIGKILL the server at a random moment while it is in flight, start it again on the same data (/healthz ok), then count.',
      'Reports and triage go through signed Slack requests; "confirmed" is the reference reaching the reporter (response_url), or for the DPO the alert redrawn / the form closed.',
      'A DPO alert cut short by a kill is `uncertain`: SafeCall has no channels:history scope to read a channel post back (src/slack/messenger.ts), so it is sent again, led by "Sent again: ... can\'t tell whether it reached you"; where the first had arrived the DPO has two (counted above), never more.',
      'The fan-out runs on Slack, which reconciles DMs cut short from conversations.history; Teams marks them `uncertain` instead (test/schedule/crash.test.ts), so it is not counted here.',
      'lowdb: the lock a killed server leaves is aged past its staleness before the restart (a real restart waits 10 s for it).',
    ],
  );
});

/** A data directory, its settings file and the environment of a server on `kind`, cleaned up in afterAll. */
async function workspace(kind: StoreKind, slack: FakeSlack, settingsYaml: string) {
  const dir = await mkdtemp(join(tmpdir(), `safecall-crash-${kind}-`));
  dirs.push({ dir, kind });
  const settings = join(dir, 'safecall.yaml');
  await writeFile(settings, settingsYaml);
  const dataDir = join(dir, 'data');
  return { dataDir, settings, env: { ...storeEnv(dataDir, kind), ...serverEnv(settings, slack.apiUrl) } };
}

/** Every server started, so one a failed test left running is killed in afterAll, not left to outlive the run. */
const servers: Instance[] = [];
/** Starts the server on the data and waits for /healthz; counts whether the data opened. */
async function open(kind: StoreKind, name: string, env: Record<string, string>): Promise<Instance> {
  const server = await startInstance(name, env);
  servers.push(server);
  try {
    await server.ready(60_000);
    tally[kind].opened += 1;
    return server;
  } catch (err) {
    tally[kind].openFailures += 1;
    await kill9(server);
    throw err;
  }
}

async function killAndRestart(kind: StoreKind, server: Instance, dataDir: string, env: Record<string, string>, name: string): Promise<Instance> {
  await kill9(server);
  if (kind === 'lowdb') await ageDeadLock(dataDir);
  return open(kind, name, env);
}

/** CRASH_KEEP: a copy of a lowdb data directory as a failure left it (PostgreSQL's schema is kept with the run). */
async function keepEvidence(kind: StoreKind, dataDir: string): Promise<void> {
  if (kind === 'lowdb' && process.env.CRASH_KEEP) await cp(dataDir, join(tmpdir(), `safecall-crash-evidence-${Date.now()}`), { recursive: true });
}

async function withView<T>(kind: StoreKind, dataDir: string, fn: (s: Awaited<ReturnType<typeof openStoreView>>) => Promise<T>): Promise<T> {
  const view = await openStoreView(dataDir, kind);
  try {
    return await fn(view);
  } finally {
    await view.close();
  }
}

const after = (slack: FakeSlack, from: number, pred: (c: Recorded) => boolean, ms = 10_000) => slack.waitFor((c) => slack.calls.indexOf(c) >= from && pred(c), ms);

describe.each(STORES)('on %s', (kind) => {
  test(
    `report submissions and DPO triage, SIGKILLed at random moments (${REPORT_TRIALS} trials)`,
    async () => {
      const started = Date.now();
      const t = tally[kind];
      const slack = await new FakeSlack().start();
      // The fake Slack has no rate limit: the DPO channel's alerts are paced at 20 a second, not Slack's 1.
      // A tick every 2 s: a delivery a flush skipped (its claim kept, no wake-up planned) goes at the next tick.
      const { dataDir, env } = await workspace(kind, slack, `${SETTINGS}reminders: { tick: "*/2 * * * * *" }\nsending: { slack: { perChannelPerSecond: 20, perWorkspacePerMinute: 12000 }, leaseSeconds: 3, leaderSeconds: 1 }\n`);
      let server = await open(kind, 'first', env);
      const respondUrl = (user: string) => `${slack.url}/respond/${user}`;
      /** Every submission ever made: reporter → what the test knows of it. */
      const submissions = new Map<string, { confirmedRef?: string; acked: boolean }>();
      /** The DPO's steps per report: what was confirmed (and must be there once). */
      const triage = new Map<string, { acknowledged: boolean; decision: boolean }>();
      // The alert is the DPO channel's message about the report with buttons (its reminders have none).
      const alertsOf = (ref: string) => slack.callsOf('chat.postMessage').filter((c) => c.body.channel === SLACK_DPO_CHANNEL && JSON.stringify(c.body).includes(ref) && slackButtons(c.body).length > 0);

      /** Opens a report form for `user` (as Slack would: the slash command, then views.open). */
      async function openReport(user: string): Promise<SlackView> {
        const trigger = triggerId(user);
        const from = slack.calls.length;
        await postSlack(server.url, slashCommand({ user, channel: 'C0CLASS', text: 'report', responseUrl: respondUrl(user), triggerId: trigger }), FORM);
        return (await after(slack, from, (c) => c.path === '/api/views.open' && c.body.trigger_id === trigger)).body.view as SlackView;
      }
      async function openDecision(ref: string, ts: string): Promise<SlackView> {
        const from = slack.calls.length;
        await postSlack(server.url, blockAction({ user: SLACK_DPO, channel: SLACK_DPO_CHANNEL, actionId: A.decision, value: ref, messageTs: ts, responseUrl: respondUrl(SLACK_DPO) }), FORM);
        return (await after(slack, from, (c) => c.path === '/api/views.open' && JSON.stringify(c.body.view).includes(ref))).body.view as SlackView;
      }

      /** One round of work without a kill: how long it takes is the window the kills are placed in. */
      let window = 0;
      for (let trial = 0; trial <= REPORT_TRIALS; trial++) {
        const calibrating = trial === 0;
        // What the DPO does next on each report whose alert is out: acknowledge it, then decide.
        const steps: { ref: string; ts: string; step: 'acknowledged' | 'decision'; view?: SlackView }[] = [];
        for (const [ref, done] of triage) {
          const ts = alertsOf(ref)[0]?.reply?.ts as string | undefined;
          if (!ts || steps.length >= TRIAGE || (done.acknowledged && done.decision)) continue;
          steps.push({ ref, ts, step: done.acknowledged ? 'decision' : 'acknowledged' });
        }
        for (const s of steps) if (s.step === 'decision') s.view = await openDecision(s.ref, s.ts);
        const users = Array.from({ length: SUBMISSIONS }, (_, i) => `U${kind === 'lowdb' ? 'L' : 'P'}${trial}R${i}`);
        const views = await Promise.all(users.map(openReport));

        // Fire everything at once; the kill falls anywhere in the time that takes.
        const from = slack.calls.length;
        const acked = new Set<string>();
        const firedAt = Date.now();
        const fired: Promise<unknown>[] = [
          ...users.map((user, i) =>
            postSlack(server.url, viewSubmission({ user, callbackId: views[i]!.callback_id, values: slackState(views[i]!, answers(new Date())), privateMetadata: views[i]!.private_metadata }), FORM).then(
              (r: SlackPost) => r.status === 200 && !r.json?.response_action && acked.add(user),
            ),
          ),
          ...steps.map((s) =>
            s.view
              ? postSlack(server.url, viewSubmission({ user: SLACK_DPO, callbackId: s.view.callback_id, values: slackState(s.view, { [T.decision]: 'reported', [T.icoRef]: 'IC-123456-A1B2' }), privateMetadata: s.view.private_metadata }), FORM).then(
                  (r: SlackPost) => r.status === 200 && !r.json?.response_action && acked.add(s.ref),
                )
              : postSlack(server.url, blockAction({ user: SLACK_DPO, channel: SLACK_DPO_CHANNEL, actionId: A.acknowledge, value: s.ref, messageTs: s.ts, responseUrl: respondUrl(SLACK_DPO) }), FORM),
          ),
        ].map((p) => p.catch(() => undefined));
        const confirmedRef = (user: string, upTo: number) => slack.calls.slice(from, upTo).find((c) => c.path === `/respond/${user}` && REF.test(JSON.stringify(c.body)))?.body;
        const redrawn = (ts: string, upTo: number) => slack.calls.slice(from, upTo).some((c) => c.path === '/api/chat.update' && c.body.ts === ts && c.body.channel === SLACK_DPO_CHANNEL);
        const confirmedCount = (upTo: number) => users.filter((u) => confirmedRef(u, upTo)).length + steps.filter((s) => redrawn(s.ts, upTo) || acked.has(s.ref)).length;
        const total = users.length + steps.length;

        if (calibrating) {
          await Promise.all(fired);
          await until(() => confirmedCount(slack.calls.length) === total, 15_000, 'the calibration round to be confirmed');
          window = Math.max(Date.now() - firedAt, 50);
        } else {
          // The calibration round had no triage steps alongside: the window is twice its time.
          await new Promise((r) => setTimeout(r, between(0, 2 * window)));
          const atKill = slack.calls.length;
          server.child.kill('SIGKILL');
          const inFlight = confirmedCount(atKill) < total;
          if (inFlight) t.killsMidFlight += 1;
          else t.killsAfterAll += 1;
          await Promise.all(fired);
          server = await killAndRestart(kind, server, dataDir, env, `after-kill-${trial}`);
          t.reportTrials += 1;
        }
        // What reached Slack from the killed process is all it confirmed.
        const upTo = slack.calls.length;
        for (const user of users) {
          const body = confirmedRef(user, upTo);
          submissions.set(user, { confirmedRef: body ? JSON.stringify(body).match(REF)![0] : undefined, acked: acked.has(user) });
        }
        for (const s of steps) if (redrawn(s.ts, upTo) || acked.has(s.ref)) triage.get(s.ref)![s.step] = true;
        if (!calibrating) {
          t.submitted += users.length;
          t.confirmed += users.filter((u) => submissions.get(u)!.confirmedRef).length;
          t.acked += users.filter((u) => acked.has(u)).length;
          t.triageFired += steps.length;
          t.triageConfirmed += steps.filter((s) => redrawn(s.ts, upTo) || acked.has(s.ref)).length;
        }

        // After the restart: everything confirmed is there, once; nothing else.
        const stored = await withView(kind, dataDir, (v) => v.reports.list());
        const byReporter = new Map<string, StoredReport[]>();
        for (const r of stored) byReporter.set(r.reporter.id, [...(byReporter.get(r.reporter.id) ?? []), r]);
        const lost: string[] = [];
        const duplicates: string[] = [];
        const junk: string[] = [];
        for (const [user, s] of submissions) {
          const mine = byReporter.get(user) ?? [];
          if (mine.length > 1) duplicates.push(user);
          if (s.confirmedRef && !mine.some((r) => r.ref === s.confirmedRef)) lost.push(`${user} ${s.confirmedRef}`);
          if (s.acked && mine.length === 0) lost.push(`${user} (form closed)`);
          if (!calibrating && users.includes(user) && mine.length > 0 && !s.confirmedRef) t.storedUnconfirmed += 1;
        }
        for (const r of stored) {
          const whole = REF.test(r.ref) && r.category === 'uninvited' && r.reporter.platform === 'slack' && submissions.has(r.reporter.id) && !Number.isNaN(Date.parse(r.reportedAt)) && Array.isArray(r.timeline);
          if (!whole) junk.push(r.ref);
        }
        if (new Set(stored.map((r) => r.ref)).size !== stored.length) junk.push('a reference used twice');
        // The DPO's confirmed steps are in the timeline once; no step is there twice.
        const triageLost: string[] = [];
        const twice: string[] = [];
        for (const r of stored) {
          const kinds = r.timeline.map((e) => e.kind);
          for (const k of new Set(kinds)) if (kinds.filter((x) => x === k).length > 1) twice.push(`${r.ref} ${k}`);
          const done = triage.get(r.ref) ?? { acknowledged: false, decision: false };
          for (const step of ['acknowledged', 'decision'] as const) {
            if (done[step] && !kinds.includes(step)) triageLost.push(`${r.ref} ${step}`);
            // Stored but not confirmed (the kill fell in between): the next step follows from what is stored.
            if (kinds.includes(step)) done[step] = true;
          }
          triage.set(r.ref, done);
        }
        t.lost += lost.length;
        t.duplicateReports += duplicates.length;
        t.junk += junk.length;
        t.triageLost += triageLost.length;
        t.triageTwice += twice.length;
        expect({ trial, seed: SEED, lost, duplicates, junk, triageLost, twice }).toEqual({ trial, seed: SEED, lost: [], duplicates: [], junk: [], triageLost: [], twice: [] });
      }

      // Every stored report's DPO alert reaches the DPO: once, or where a kill cut it short and Slack cannot be
      // asked (a channel post: no channels:history scope) it is `uncertain` and sent again, marked as a
      // possible repeat (dialogs/incidents/policy.ts). Nothing else is ever posted twice.
      const refs = await withView(kind, dataDir, async (v) => (await v.reports.list()).map((r) => r.ref));
      const firstKey = (ref: string) => `${K.alert}:${ref}:slack:${SLACK_DPO_CHANNEL}`;
      const againKey = (ref: string) => `${K.alertAgain}:${firstKey(ref)}`;
      const alertStatus = () =>
        withView(kind, dataDir, async (v) =>
          Promise.all(refs.map(async (ref) => ({ first: (await v.deliveries.get(firstKey(ref)))?.status, again: (await v.deliveries.get(againKey(ref)))?.status }))),
        );
      const settledAlert = (st: { first?: string; again?: string }) => st.first === 'sent' || (st.first === 'uncertain' && st.again === 'sent');
      await until(async () => (await alertStatus()).every(settledAlert), 20_000, 'every DPO alert settled').catch(() => undefined);
      const statuses = await alertStatus();
      const postsKeyed = (ref: string, key: string) => alertsOf(ref).filter((c) => (c.body.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key === key).length;
      const firsts = (ref: string) => postsKeyed(ref, firstKey(ref));
      const repeats = (ref: string) => postsKeyed(ref, againKey(ref));
      t.alertsSent += statuses.filter((st) => st.first === 'sent').length;
      t.alertsUncertain += statuses.filter((st) => st.first === 'uncertain').length;
      t.alertsUncertainUnseen += refs.filter((ref, i) => statuses[i]!.first === 'uncertain' && firsts(ref) === 0).length;
      t.alertsRepeated += refs.filter((ref) => repeats(ref) > 0).length;
      const missing = refs.filter((ref, i) => !(settledAlert(statuses[i]!) && firsts(ref) + repeats(ref) > 0));
      const twice = refs.filter((ref) => firsts(ref) > 1 || repeats(ref) > 1);
      t.alertsMissing += missing.length;
      t.alertsTwice += twice.length;
      await stopInstance(server);
      await slack.stop();
      t.ms += Date.now() - started;
      // (One left `queued` on lowdb in about one run in four was this suite's own read-only views emptying the
      // server's journal as they closed, fixed in src/store/partition-file.ts.)
      const why = (ref: string) => ({ ref, ...statuses[refs.indexOf(ref)], firsts: firsts(ref), repeats: repeats(ref) });
      if (missing.length) await keepEvidence(kind, dataDir);
      expect({ seed: SEED, missing: missing.map(why), twice: twice.map(why) }).toEqual({ seed: SEED, missing: [], twice: [] });
      // Two fast trials can both fall after the work was done; fifty cannot.
      if (SOAK) expect(t.killsMidFlight).toBeGreaterThan(0);
    },
    sized(60_000, 900_000),
  );

  test(
    `a term-end reminder to ${PEOPLE} people on Slack, SIGKILLed after a random number of its DMs (${FANOUT_TRIALS} trials)`,
    async () => {
      const started = Date.now();
      const t = tally[kind];
      const slack = await new FakeSlack().start();
      const people = Array.from({ length: PEOPLE }, (_, i) => `U${String(i + 1).padStart(4, '0')}`);
      slack.members.set('GSTAFF01', [...people, 'UBOT0001']);
      // Slack answers a little late, so some DMs are posted but not yet answered when the kill comes.
      slack.delayMs = 15;
      // Each trial a term on another day (a round is known by its term's dates, not its name).
      const settingsFor = (trial: number) => termEndingToday({ term: `Crash ${trial}`, daysAgo: trial - 1, tick: '* * * * * *', leaseSeconds: 2, leaderSeconds: 1, teamId: TEAM });
      const { dataDir, settings, env } = await workspace(kind, slack, settingsFor(1));
      const round = (trial: number) => `${roundEndingDaysAgo(trial - 1)}:`;
      const postsOf = (trial: number) => [...slack.posted.values()].flat().filter((m) => String(m.metadata?.event_payload?.key ?? '').startsWith(round(trial)));
      let server: Instance | undefined;
      for (let trial = 1; trial <= FANOUT_TRIALS; trial++) {
        const postCalls = slack.callsOf('chat.postMessage').length;
        // A new term that has ended: the next tick (every second) reads the settings again and starts its round.
        if (trial > 1) await writeFile(settings, settingsFor(trial));
        server ??= await open(kind, 'first', env);
        // Slack stops answering after a random number of this round's DMs (the rest are posted and left
        // unanswered), so the kill always lands with DMs sent, in flight and still queued; a fan-out on a
        // fast machine would otherwise be over before the kill (30 DMs take a quarter of a second).
        const killAfter = Math.floor(between(1, PEOPLE));
        slack.stall = () => postsOf(trial).length >= killAfter;
        await until(() => postsOf(trial).length >= killAfter && slack.callsOf('chat.postMessage').length > postCalls + killAfter, 30_000, `${killAfter} DMs of round ${trial}`);
        // A moment more at random: some stalled calls retried or waiting in the pacing, some not yet.
        await new Promise((r) => setTimeout(r, between(0, 300)));
        server.child.kill('SIGKILL');
        const before = postsOf(trial).length;
        if (before < PEOPLE) t.fanoutKillsMidFlight += 1;
        await kill9(server);
        slack.releaseStalled();
        // What the dead server left: `sending` (posted or not: the restart asks Slack) and `queued`.
        const left = await withView(kind, dataDir, async (v) => (await v.deliveries.list()).filter((d) => d.key.startsWith(`${round(trial)}slack:`)));
        t.sendingAtKill += left.filter((d) => d.status === 'sending').length;
        t.queuedAtKill += left.filter((d) => d.status === 'queued').length;
        server = await killAndRestart(kind, server, dataDir, env, `after-kill-${trial}`);
        t.fanoutTrials += 1;
        t.remindersBeforeKill += before;

        // The restarted server finishes the round: nothing left queued or sending.
        const open_ = async () =>
          withView(kind, dataDir, async (v) => (await v.deliveries.list()).filter((d) => d.key.startsWith(`${round(trial)}slack:`) && (d.status === 'queued' || d.status === 'sending')).length);
        await until(async () => postsOf(trial).length >= PEOPLE && (await open_()) === 0, 30_000, `round ${trial} to be settled`).catch(async (err: Error) => {
          const rows = await withView(kind, dataDir, async (v) => (await v.deliveries.list()).filter((d) => d.key.startsWith(round(trial))));
          await keepEvidence(kind, dataDir);
          const open = rows.filter((d) => d.status !== 'sent');
          const calls = slack.calls.filter((c) => open.some((d) => JSON.stringify(c.body).includes(d.to.userId ?? '?') || String(c.body.channel) === dmOf(d.to.userId ?? '?'))).map((c) => ({ path: c.path, body: JSON.stringify(c.body).slice(0, 200), reply: c.reply }));
          const posts = postsOf(trial).filter((m) => open.some((d) => m.channel === dmOf(d.to.userId ?? '?')));
          throw new Error(`${err.message}: ${postsOf(trial).length} posted; ${JSON.stringify(open.map(({ prompt: _p, ...d }) => d))}; posts ${JSON.stringify(posts)}; calls ${JSON.stringify(calls)}`);
        });
        const perPerson = new Map<string, number>();
        for (const m of postsOf(trial)) perPerson.set(m.channel, (perPerson.get(m.channel) ?? 0) + 1);
        const duplicates = people.filter((u) => (perPerson.get(dmOf(u)) ?? 0) > 1);
        const skipped = people.filter((u) => !perPerson.has(dmOf(u)));
        t.remindersExpected += PEOPLE;
        t.remindersSent += postsOf(trial).length;
        t.reminderDuplicates += duplicates.length;
        t.remindersSkipped += skipped.length;
        expect({ trial, seed: SEED, duplicates, skipped, botMessaged: perPerson.has(dmOf('UBOT0001')) }).toEqual({ trial, seed: SEED, duplicates: [], skipped: [], botMessaged: false });
      }
      await stopInstance(server!);
      await slack.stop();
      t.ms += Date.now() - started;
      expect(t.fanoutKillsMidFlight).toBe(t.fanoutTrials);
    },
    sized(60_000, 900_000),
  );
});

if (SOAK) test('the soak ran at least 50 trials on each store', () => expect(STORES.map((k) => tally[k].reportTrials + tally[k].fanoutTrials >= 50)).toEqual([true, true]));
