/**
 * Several real SafeCall processes (`node dist/src/main.js`, as `npm start` runs it) on one PostgreSQL
 * schema, each on its own port, with Slack pointed at one fake Web API in the test process. Instances can
 * be stopped (SIGTERM) or killed (SIGKILL) one by one; each one's stdout (JSON log lines) is kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dropSchema, pgAdmin } from '../helpers/pg-admin.js';
import { freePort } from '../helpers/free-port.js';
import { SIGNING_SECRET } from './slack-requests.js';
import { TEST_DATABASE_URL, runPrefix } from './store-env.js';
import { runLog } from '../helpers/run-logs.js';

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
      SAFECALL_SETTINGS: settings,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: o.slackApiUrl,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ...o.env,
    }, dir);
  }

  async start(name: string): Promise<Instance> {
    const port = await freePort();
    const { child, out: outOf, err: errOf, exited } = launch({ ...this.env, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    const instance: Instance = {
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
    for (const i of this.instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
    await Promise.all(
      this.instances.map(async (i) => {
        const hard = setTimeout(() => i.child.kill('SIGKILL'), 10_000);
        await i.exited;
        clearTimeout(hard);
      }),
    );
    await dropSchema(this.schema);
  }
}
