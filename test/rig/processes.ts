/**
 * Several real SafeCall processes (`node dist/src/main.js`, as `npm start` runs it) on one PostgreSQL
 * schema, each on its own port, with Slack pointed at one fake Web API in the test process. Instances can
 * be stopped (SIGTERM) or killed (SIGKILL) one by one; each one's stdout (JSON log lines) is kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dropSchema, pgAdmin } from '../helpers/pg-admin.js';
import { freePort } from '../helpers/free-port.js';
import { SIGNING_SECRET } from './slack-requests.js';
import { TEST_DATABASE_URL, runPrefix } from './store-env.js';
import { runLog } from '../helpers/run-logs.js';
import { LOCK_NAME } from '../../src/store/lock.js';

const root = resolve(new URL('../..', import.meta.url).pathname);

export { buildDistIfStale as buildDist } from '../helpers/build-dist.js';

export interface Launched {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

/** `node dist/src/main.js` with only PATH, HOME and `env`, its output kept. */
export function launch(env: Record<string, string>): Launched {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const keep = runLog('process');
  child.stdout!.on('data', (c: Buffer) => {
    out += c;
    keep(c.toString('utf8'));
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c;
    keep(c.toString('utf8'));
  });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  return { child, out: () => out, err: () => err, exited };
}

export interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
  pid: number;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
  /** Resolves once /healthz says ok and Slack is connected. */
  ready(timeoutMs?: number): Promise<void>;
}

export async function until(check: () => boolean | Promise<boolean>, ms = 30_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What every test server gets besides its store: the settings file, Slack faked at `slackApiUrl`, loopback only. */
export function serverEnv(settingsPath: string, slackApiUrl: string): Record<string, string> {
  return {
    SAFECALL_SETTINGS: settingsPath,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApiUrl,
    // RIG_LOG_LEVEL=debug when a test needs the servers' whole story.
    LOG_LEVEL: process.env.RIG_LOG_LEVEL ?? 'info',
    HOST: '127.0.0.1',
  };
}

/** One server process on a free port with `env` (no waiting: see `ready`). */
export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const { child, out: outOf, err: errOf, exited } = launch({ ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    url,
    child,
    pid: child.pid!,
    out: outOf,
    err: errOf,
    exited,
    ready: (timeoutMs = 30_000) =>
      until(
        async () => {
          if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${errOf()}${outOf().slice(-2000)}`);
          try {
            const h = (await (await fetch(`${url}/healthz`)).json()) as { status?: string; platforms?: { slack?: string } };
            return h.status === 'ok' && h.platforms?.slack === 'http';
          } catch {
            return false;
          }
        },
        timeoutMs,
        `${name} to be ready`,
      ),
  };
}

/** kill -9, and wait until the process is gone. */
export async function kill9(i: Instance): Promise<void> {
  if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL');
  await i.exited;
}

/** SIGTERM (SIGKILL after 10 s), and wait until the process is gone. */
export async function stopInstance(i: Instance): Promise<void> {
  if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
  const hard = setTimeout(() => i.child.kill('SIGKILL'), 10_000);
  await i.exited;
  clearTimeout(hard);
}

/**
 * Makes the lock a killed server left in its lowdb data directory look as old as its staleness, so a restart
 * takes it over at once instead of waiting out the 10 s a real restart after a crash waits (the takeover
 * path is the same one). Nothing to do on PostgreSQL, or when there is no lock.
 */
export async function ageDeadLock(dataDir: string): Promise<void> {
  const past = new Date(Date.now() - 10 * 60_000);
  await utimes(join(dataDir, LOCK_NAME), past, past).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

export class Cluster {
  readonly instances: Instance[] = [];
  private constructor(
    readonly schema: string,
    private readonly env: Record<string, string>,
    readonly dataDir: string,
  ) {}

  /** A fresh schema of this test run, the settings written to a file, and the shared environment. */
  static async create(o: { settingsYaml: string; slackApiUrl: string; env?: Record<string, string> }): Promise<Cluster> {
    const dir = await mkdtemp(join(tmpdir(), 'safecall-cluster-'));
    const settings = join(dir, 'safecall.yaml');
    writeFileSync(settings, o.settingsYaml, { mode: 0o600 });
    const schema = `${runPrefix()}cluster_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    return new Cluster(schema, {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      DATA_DIR: join(dir, 'unused-data'),
      ...serverEnv(settings, o.slackApiUrl),
      ...o.env,
    }, dir);
  }

  /** `env` adds to (or overrides) the cluster's environment for this instance only. */
  async start(name: string, env: Record<string, string> = {}): Promise<Instance> {
    const instance = await startInstance(name, { ...this.env, ...env });
    this.instances.push(instance);
    return instance;
  }

  /** Log lines (parsed) of one instance. */
  static logs(i: Instance): Record<string, unknown>[] {
    return i
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** The instance whose process holds the scheduler's leadership (the lease's owner is host:pid). */
  async leader(): Promise<Instance | undefined> {
    const owner = await this.query<{ value: { owner: string; until: string } }>(`SELECT value FROM "${this.schema}".locks WHERE key = 'scheduler'`);
    const o = owner[0]?.value;
    if (!o || o.until <= new Date().toISOString()) return undefined;
    return this.instances.find((i) => o.owner.endsWith(`:${i.pid}`) && i.child.exitCode === null && i.child.signalCode === null);
  }

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return pgAdmin(async (c) => (await c.query(sql, params)).rows as T[]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map(stopInstance));
    await dropSchema(this.schema);
  }
}

/**
 * A settings file with one term that ends today (its term-end reminder falls due at once) for the staff
 * channel GSTAFF01, paced for many DMs, with short leases so a killed instance's claims lapse in seconds.
 * With `daysAgo`, a one-day term that ended that many days ago (still within the catch-up days): a round is
 * known by its term's dates, so a test that needs a new round each time needs a term on another day.
 */
export function termEndingToday(o: { term: string; tick: string; leaseSeconds: number; leaderSeconds: number; teamId: string; daysAgo?: number }): string {
  const end = dayAgo(o.daysAgo ?? 0);
  const start = o.daysAgo === undefined ? dayAgo(30) : end;
  return `school: { name: Hillside, timezone: UTC }
terms:
  - { name: ${o.term}, start: ${start}, end: ${end} }
reminders: { termEndTime: "00:00", followUpDays: 3, maxFollowUps: 1, catchUpDays: 30, tick: "${o.tick}" }
slack: { teamId: ${o.teamId}, staffChannel: GSTAFF01, dpoChannel: GDPO0001 }
sending:
  slack: { perChannelPerSecond: 1, perWorkspacePerMinute: 12000 }
  leaseSeconds: ${o.leaseSeconds}
  leaderSeconds: ${o.leaderSeconds}
`;
}

/** The UTC date `days` days ago (YYYY-MM-DD). */
const dayAgo = (days: number) => new Date(Date.now() - days * 86400_000).toISOString().slice(0, 10);

/** The round of the term termEndingToday writes with `daysAgo` (rounds are named by their term's last day). */
export const roundEndingDaysAgo = (daysAgo: number) => `term-end:${dayAgo(daysAgo)}`;
