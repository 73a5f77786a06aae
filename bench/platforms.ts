/**
 * The platform benchmark: SafeCall against a bare Bolt app (Slack) and a bare botbuilder echo bot (Teams),
 * each a separate child process on loopback, driven by the same autocannon load, alternating in one run.
 * Per process: start-up to a healthy /healthz, idle RSS, peak RSS over a 200-request burst, then a
 * sustained load for latency, turns finished per second and CPU per turn (from /proc, so it is the server's
 * own CPU, not the load generator's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { FarSide } from './far-side.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'bench-signing-secret-0123456789abcdef';
const CLOCK_TICK_MS = 10; // /proc/<pid>/stat counts CPU in USER_HZ ticks (100 per second on Linux)

export type Subject = 'safecall' | 'bare';
export type Platform = 'slack' | 'teams';

export interface RunFigures {
  round: number;
  subject: Subject;
  platform: Platform;
  startupMs: number;
  idleRssMiB: number;
  burst: { requests: number; accepted: number; refused: number; peakRssMiB: number };
  load: LoadFigures;
}

/** What a timed load found (bench/cluster.ts sums these over instances). */
export interface LoadFigures {
  seconds: number;
  connections: number;
  requests: number;
  /** Answered 2xx (Slack: acknowledged). */
  accepted: number;
  /** Answered 503 (SafeCall's in-flight cap: not acknowledged, so Slack retries). */
  refused: number;
  errors: number;
  /** Of the 2xx answers (Slack: acknowledgements) only. */
  p50Ms: number;
  p99Ms: number;
  /** Requests whose reply reached the fake Slack Web API or Bot Connector by 1 s after the load ended. */
  repliedWithin1s: number;
  /** The same, counted once nothing more arrives (up to 5 s more). */
  repliedFinally: number;
  turnsPerSecond: number;
  /** CPU of the server processes (not PostgreSQL's) per reply. */
  cpuMsPerTurn: number;
}

export const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** User + system CPU of a process so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

/** `extraEnv`: more environment for the server, e.g. DATABASE_URL and DATABASE_SCHEMA (bench/cluster.ts). */
export function launch(subject: Subject, platform: Platform, port: number, far: FarSide, dataDir: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), NODE_ENV: 'production', ...extraEnv };
  const slackEnv = { SLACK_API_URL: `${far.url}/api/`, SLACK_SIGNING_SECRET: SECRET };
  const [script, env] =
    subject === 'bare'
      ? [platform === 'slack' ? 'bench/bare/bolt.mjs' : 'bench/bare/echo.mjs', { ...base, ...slackEnv }]
      : ['dist/src/main.js', { ...base, ...slackEnv, SLACK_BOT_TOKEN: 'xoxb-bench', DATA_DIR: dataDir }];
  // BENCH_SAFECALL_ROOT: measure another checkout of SafeCall (e.g. the code before a change); one
  // without dist/ runs through tsx, as SafeCall did before it was compiled.
  const other = subject === 'safecall' ? process.env.BENCH_SAFECALL_ROOT : undefined;
  const argv = other && !existsSync(join(other, 'dist/src/main.js')) ? ['--import', 'tsx', 'src/main.ts'] : [script];
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of each server process (summarise with bench/profile.ts).
  if (process.env.BENCH_CPU_PROF) argv.unshift('--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROF, `${subject}-${platform}`)}`);
  const child = spawn(process.execPath, argv, { cwd: other ?? ROOT, env, stdio: ['ignore', process.env.BENCH_CHILD_LOG ? 'inherit' : 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err = (err + c).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (code && signal !== 'SIGTERM') process.stderr.write(`${subject} ${platform} exited ${code}: ${err}\n`);
  });
  return child;
}

/** Polls /healthz until it answers 200 (and, for SafeCall on Slack, until Slack is connected). */
export async function healthy(port: number, wantSlack: boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      const text = await res.text();
      if (res.ok && (!wantSlack || text === 'ok' || /"slack":"http"/.test(text))) return;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
  throw new Error(`no healthy /healthz on port ${port} within ${timeoutMs} ms`);
}

/** Request n of a run: a unique number the far side sees again in the reply. */
export function slackRequest(n: number, subject: Subject, farUrl: string) {
  const body = new URLSearchParams({
    token: 'legacy',
    team_id: 'T0SCHOOL',
    team_domain: 'school',
    channel_id: `D0BENCH${n}`,
    channel_name: 'directmessage',
    user_id: `U0BENCH${n % 50}`,
    user_name: `teacher${n % 50}`,
    command: subject === 'bare' ? '/bare' : '/safecall',
    text: 'setup',
    api_app_id: 'A0BENCH',
    response_url: `${farUrl}/respond/${n}`,
    trigger_id: `trigger-${n}`,
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    path: '/slack/events',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
  };
}

export function teamsRequest(n: number, farUrl: string) {
  const who = n % 50;
  const activity = {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: farUrl,
    id: `bench-${n}`,
    timestamp: new Date().toISOString(),
    from: { id: `29:bench-${who}`, aadObjectId: `bench-${who}`, name: `Teacher ${who}` },
    recipient: { id: '28:safecall-bot', name: 'SafeCall' },
    conversation: { id: `a:bench-conversation-${who}`, conversationType: 'personal', tenantId: 'tenant-0001' },
    channelData: { tenant: { id: 'tenant-0001' } },
    locale: 'en-GB',
    text: 'how do I stop strangers joining my call',
  };
  return { path: '/api/messages', body: JSON.stringify(activity), headers: { 'content-type': 'application/json' } };
}

export interface Load {
  connections: number;
  seconds?: number;
  amount?: number;
}

export async function drive(port: number, platform: Platform, subject: Subject, far: FarSide, load: Load, first: number) {
  let n = first;
  // Without a callback autocannon returns its tracker (an EventEmitter) made thenable; the types only say Promise.
  const tracker = autocannon({
    url: `http://127.0.0.1:${port}`,
    method: 'POST',
    connections: load.connections,
    ...(load.amount ? { amount: load.amount } : { duration: load.seconds }),
    timeout: 20,
    requests: [
      {
        setupRequest: (req) => ({ ...req, ...(platform === 'slack' ? slackRequest(n++, subject, far.url) : teamsRequest(n++, far.url)) }),
      },
    ],
  }) as unknown as Promise<autocannon.Result> & NodeJS.EventEmitter;
  // Latency of the answered requests only: a 503 from the in-flight cap is fast and would flatter SafeCall.
  const answered: number[] = [];
  tracker.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) answered.push(ms);
  });
  const result = await tracker;
  answered.sort((a, b) => a - b);
  const at = (p: number) => (answered.length ? answered[Math.min(answered.length - 1, Math.floor(answered.length * p))]! : Number.NaN);
  const refused = (result.statusCodeStats as Record<string, { count: number }>)['503']?.count ?? 0;
  return { result, accepted: result['2xx'], refused, sent: n - first, p50: Math.round(at(0.5) * 10) / 10, p99: Math.round(at(0.99) * 10) / 10, answered };
}

/** Waits until no new reply has arrived for `quietMs`, or `maxMs` passed. */
export async function settle(far: FarSide, quietMs: number, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  let last = -1;
  while (Date.now() < end && far.answered.size !== last) {
    last = far.answered.size;
    await sleep(quietMs);
  }
}

export async function runOne(round: number, subject: Subject, platform: Platform, far: FarSide, o: { seconds: number; connections: number }): Promise<RunFigures> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'safecall-bench-'));
  const t0 = performance.now();
  const child = launch(subject, platform, port, far, join(dataDir, 'data'));
  try {
    await healthy(port, false);
    const startupMs = performance.now() - t0;
    if (platform === 'slack') await healthy(port, true);
    await sleep(1000);
    const idleRssMiB = mib(procStatus(child.pid!, 'VmRSS'));

    // The burst: 200 requests at once. VmHWM is the process's peak RSS since start.
    far.reset();
    const burst = await drive(port, platform, subject, far, { connections: 200, amount: 200 }, 1_000_000);
    await settle(far, 250, 5_000);
    const peakRssMiB = mib(procStatus(child.pid!, 'VmHWM'));

    far.reset();
    const cpuBefore = cpuMs(child.pid!);
    const sustained = await drive(port, platform, subject, far, { connections: o.connections, seconds: o.seconds }, 0);
    await sleep(1000);
    const repliedWithin1s = far.answered.size;
    await settle(far, 500, 5_000);
    const repliedFinally = far.answered.size;
    const cpu = cpuMs(child.pid!) - cpuBefore;
    const r = sustained.result;
    return {
      round,
      subject,
      platform,
      startupMs: Math.round(startupMs),
      idleRssMiB,
      burst: { requests: burst.sent, accepted: burst.accepted, refused: burst.refused, peakRssMiB },
      load: {
        seconds: o.seconds,
        connections: o.connections,
        requests: r.requests.total,
        accepted: sustained.accepted,
        refused: sustained.refused,
        errors: r.errors + r.timeouts,
        p50Ms: sustained.p50,
        p99Ms: sustained.p99,
        repliedWithin1s,
        repliedFinally,
        turnsPerSecond: Math.round((repliedWithin1s / r.duration) * 10) / 10,
        cpuMsPerTurn: repliedFinally ? Math.round((cpu / repliedFinally) * 100) / 100 : Number.NaN,
      },
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => (child.exitCode !== null ? ok(undefined) : child.once('exit', ok)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Alternates bare and SafeCall per platform, `rounds` times. */
export async function run(o: { rounds: number; seconds: number; connections: number }): Promise<RunFigures[]> {
  const far = await new FarSide().start();
  const out: RunFigures[] = [];
  try {
    for (let round = 0; round < o.rounds; round += 1) {
      for (const platform of ['slack', 'teams'] as const) {
        for (const subject of round % 2 === 0 ? (['bare', 'safecall'] as const) : (['safecall', 'bare'] as const)) {
          process.stderr.write(`  round ${round + 1}/${o.rounds}: ${subject} ${platform}\n`);
          out.push(await runOne(round, subject, platform, far, o));
        }
      }
    }
  } finally {
    await far.stop();
  }
  return out;
}
