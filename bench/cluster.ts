/**
 * The cluster benchmark: SafeCall on one PostgreSQL schema shared by 1, 2 and 3 instances, against one
 * instance on the embedded lowdb store (and the bare Bolt / botbuilder apps, the platform benchmark's
 * baseline), then the term-end fan-out with 1 and with 3 instances.
 *
 * Turns: real server processes from dist/ (bench/platforms.ts launches them), the same requests as the
 * platform benchmark (a signed `/safecall setup` for Slack, a guidance question for Teams) and the same
 * total load: `connections` split across the instances, one autocannon per instance, all at once, so the
 * figures are summed. A turn counts when its reply reached the fake far side (bench/far-side.ts), not when
 * the HTTP answer came back. Every configuration runs on a fresh schema `bench_<run>_<n>`, dropped after.
 *
 * Fan-out: N real schedulers wired as src/scheduling.ts wires the server's (createScheduling: lease
 * leadership, heartbeat, wake-ups after a Retry-After), each with its own openPostgresStore pool on one
 * schema, started together on an outbox of one reminder per person; the far side (bench/fanout.ts's, in a
 * worker thread) enforces Slack's limits with 429s and counts what each instance sent (each instance's
 * Slack API URL carries its name). The limits are per workspace, so the floor is the same for 1 and 3
 * instances: 3 must not beat it (only the leader sends) nor break it (no 429s, no duplicates).
 *
 *   node --import tsx bench/cluster.ts [--quick]
 */
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { loadEnv, parseSettings } from '../src/config.js';
import { loadContent } from '../src/content/load.js';
import { systemClock, userKey } from '../src/core/ports.js';
import { createScheduling } from '../src/scheduling.js';
import { slackMessenger } from '../src/slack/messenger.js';
import { openPostgresStore, type PostgresStore } from '../src/store/postgres/store.js';
import { farLimits, floorSeconds, quiet, round, scaledSending, seedPeople, startFarSide, tally, termEndItems, type FloorFigures } from './fanout.js';
import { FarSide } from './far-side.js';
import { cpuMs, drive, freePort, healthy, launch, settle, sleep, type LoadFigures, type Platform, type Subject } from './platforms.js';

export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type ConfigName = 'bare' | 'lowdb-1' | 'postgres-1' | 'postgres-2' | 'postgres-3';
interface Config {
  name: ConfigName;
  subject: Subject;
  store: 'lowdb' | 'postgres' | 'none';
  instances: number;
}
const CONFIGS: Config[] = [
  { name: 'bare', subject: 'bare', store: 'none', instances: 1 },
  { name: 'lowdb-1', subject: 'safecall', store: 'lowdb', instances: 1 },
  { name: 'postgres-1', subject: 'safecall', store: 'postgres', instances: 1 },
  { name: 'postgres-2', subject: 'safecall', store: 'postgres', instances: 2 },
  { name: 'postgres-3', subject: 'safecall', store: 'postgres', instances: 3 },
];

/** One configuration's load, summed over its instances (percentiles over every instance's 2xx answers together). */
export interface TurnFigures extends Omit<LoadFigures, 'connections'> {
  round: number;
  config: ConfigName;
  instances: number;
  platform: Platform;
  /** Connections per instance. */
  connections: number[];
  /** The machine's one-minute load average as the load ended (this machine is shared). */
  loadAverage: number;
}

export interface ClusterFanoutFigures extends FloorFigures {
  instances: number;
  /** Slack's workspace-wide limit times the scale: the floor's rate, the same for any number of instances. */
  limitPerSecond: number;
  /** The most calls (answered or 429) and the most sends the far side admitted in any rolling second. */
  maxCallsPerSecond: number;
  maxSentPerSecond: number;
  /** Messages the far side received from each instance. */
  sentBy: Record<string, number>;
  /** Instances leading when the fan-out ended. */
  leaders: string[];
  /** The machine's one-minute load average as the fan-out ended. */
  loadAverage: number;
}

export interface ClusterFigures {
  load: { rounds: number; seconds: number; connections: number };
  turns: TurnFigures[];
  fanout: ClusterFanoutFigures[];
}

const RUN = randomBytes(4).toString('hex');
let schemas = 0;
const nextSchema = () => `bench_${RUN}_${++schemas}`;

async function admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `The cluster benchmark needs PostgreSQL at ${DATABASE_URL} (${(err as Error).message}); set BENCH_DATABASE_URL, or start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
    );
  }
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

/** Drops every schema of this run (`bench_<run>_*`). */
async function dropSchemas(): Promise<void> {
  await admin(async (c) => {
    const { rows } = await c.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [`bench_${RUN}_`]);
    for (const { nspname } of rows) await c.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  });
}

interface Running {
  ports: number[];
  pids: number[];
  stop(): Promise<void>;
}

/** Starts a configuration's processes; on PostgreSQL the first migrates the fresh schema, then the rest start together. */
async function start(c: Config, platform: Platform, far: FarSide, schema: string | undefined): Promise<Running> {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const ports: number[] = [];
  const one = async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'safecall-cluster-bench-'));
    dirs.push(dir);
    const env: Record<string, string> = schema ? { DATABASE_URL, DATABASE_SCHEMA: schema } : {};
    children.push(launch(c.subject, platform, port, far, join(dir, 'data'), env));
    await healthy(port, c.subject === 'safecall' || platform === 'slack');
    ports.push(port);
  };
  const stop = async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((ok) => (child.exitCode !== null || child.signalCode !== null ? ok(undefined) : child.once('exit', ok)))));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await one();
    await Promise.all(Array.from({ length: c.instances - 1 }, one));
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, pids: children.map((ch) => ch.pid!), stop };
}

/** `total` connections over `n` instances, as evenly as whole numbers go (8 over 3: 3, 3, 2). */
export const split = (total: number, n: number) => Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));

/** Request numbers: one range per instance and phase, so the far side tells every request apart. */
const first = (instance: number, warmUp: boolean) => (warmUp ? 500_000_000 : 0) + instance * 10_000_000;

async function turns(c: Config, platform: Platform, r: Running, far: FarSide, o: { seconds: number; connections: number }, roundNo: number): Promise<TurnFigures> {
  const connections = split(o.connections, r.ports.length);
  // A second's warm-up (JIT, pools, the 50 people's first meeting, botbuilder loaded at the first Teams
  // turn), not counted, until every acknowledged warm-up request has its reply: a quiet spell alone is not
  // enough, as an instance still loading botbuilder sends nothing for a second or more.
  far.reset();
  // One request to each instance first, waited for: autocannon drops what is still in flight when its
  // second ends, so an instance still loading would otherwise leave the warm-up with nothing owed.
  await Promise.all(r.ports.map((port, i) => drive(port, platform, c.subject, far, { connections: 1, amount: 1 }, first(i, true) + 5_000_000)));
  const warm = await Promise.all(r.ports.map((port, i) => drive(port, platform, c.subject, far, { connections: connections[i]!, seconds: 1 }, first(i, true))));
  const warmAccepted = warm.reduce((a, x) => a + x.accepted, 0);
  for (const end = Date.now() + 20_000; far.answered.size < warmAccepted && Date.now() < end; ) await sleep(50);
  await settle(far, 250, 5_000);
  far.reset();
  const cpuBefore = r.pids.reduce((a, pid) => a + cpuMs(pid), 0);
  const runs = await Promise.all(r.ports.map((port, i) => drive(port, platform, c.subject, far, { connections: connections[i]!, seconds: o.seconds }, first(i, false))));
  await sleep(1000);
  const repliedWithin1s = far.answered.size;
  await settle(far, 500, 5_000);
  const repliedFinally = far.answered.size;
  const cpu = r.pids.reduce((a, pid) => a + cpuMs(pid), 0) - cpuBefore;
  const answered = runs.flatMap((x) => x.answered).sort((a, b) => a - b);
  const at = (p: number) => (answered.length ? Math.round(answered[Math.min(answered.length - 1, Math.floor(answered.length * p))]! * 10) / 10 : Number.NaN);
  const duration = Math.max(...runs.map((x) => x.result.duration));
  return {
    round: roundNo,
    config: c.name,
    instances: c.instances,
    platform,
    seconds: o.seconds,
    connections,
    requests: runs.reduce((a, x) => a + x.result.requests.total, 0),
    accepted: runs.reduce((a, x) => a + x.accepted, 0),
    refused: runs.reduce((a, x) => a + x.refused, 0),
    errors: runs.reduce((a, x) => a + x.result.errors + x.result.timeouts, 0),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    repliedWithin1s,
    repliedFinally,
    turnsPerSecond: Math.round((repliedWithin1s / duration) * 10) / 10,
    cpuMsPerTurn: repliedFinally ? Math.round((cpu / repliedFinally) * 100) / 100 : Number.NaN,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Every configuration, `rounds` times, alternating the order; SafeCall serves both platforms from one start. */
async function turnRounds(o: { rounds: number; seconds: number; connections: number }): Promise<TurnFigures[]> {
  const far = await new FarSide().start();
  const out: TurnFigures[] = [];
  try {
    for (let roundNo = 0; roundNo < o.rounds; roundNo += 1) {
      for (const c of roundNo % 2 === 0 ? CONFIGS : [...CONFIGS].reverse()) {
        // The bare apps are one per platform; SafeCall is one process (per instance) for both.
        for (const platforms of c.subject === 'bare' ? [['slack'], ['teams']] as const : [['slack', 'teams']] as const) {
          const schema = c.store === 'postgres' ? nextSchema() : undefined;
          process.stderr.write(`  cluster round ${roundNo + 1}/${o.rounds}: ${c.name} ${platforms.join('+')}\n`);
          const r = await start(c, platforms[0], far, schema);
          try {
            for (const platform of platforms) out.push(await turns(c, platform, r, far, o, roundNo));
          } finally {
            await r.stop();
            if (schema) await admin((a) => a.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
          }
        }
      }
    }
  } finally {
    await far.stop();
  }
  return out;
}

/** The term-end fan-out to `people` on Slack through `instances` schedulers sharing one schema. */
export async function fanoutOne(instances: number, people: number, scale: number): Promise<ClusterFanoutFigures> {
  const sending = scaledSending(scale);
  const limits = farLimits('slack', sending);
  const far = await startFarSide(limits);
  const schema = nextSchema();
  const dir = mkdtempSync(join(tmpdir(), 'safecall-cluster-fanout-'));
  const stores: PostgresStore[] = [];
  const open = async () => {
    stores.push(await openPostgresStore({ url: DATABASE_URL, schema, poolSize: 10, log: quiet, clock: systemClock }));
  };
  try {
    await open();
    await Promise.all(Array.from({ length: instances - 1 }, open));
    const ids = await seedPeople(stores[0]!, 'slack', people, far.url);
    const settings = { ...parseSettings('', 'defaults'), sending };
    const env = loadEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, TEAMS_MODE: 'off' });
    const strings = loadContent().strings;
    const cluster = stores.map((store, i) =>
      createScheduling({
        env,
        settings,
        store,
        clock: systemClock,
        log: quiet,
        strings,
        policies: [],
        owner: `instance-${i + 1}`,
        messengers: {
          slack: slackMessenger({ token: 'xoxb-bench', slackApiUrl: `${far.url}/instance-${i + 1}/api/`, log: quiet, knownDm: async (u) => (await store.users.get(userKey('slack', u)))?.dmConversationId }),
        },
      }),
    );
    await cluster[0]!.scheduler.context().outbox.enqueue(termEndItems('slack', ids));

    // All start together, as a cluster's instances would at the tick: one takes the lease and sends,
    // the others' heartbeats find it held. Done when the far side has every message.
    const started = performance.now();
    const starting = cluster.map((s) => s.start());
    const deadline = Date.now() + (floorSeconds(people, limits.global) * 3 + 60) * 1000;
    while ((await far.count()) < people && Date.now() < deadline) await sleep(50);
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(starting);
    await sleep(1000); // a late duplicate would show now
    const leaders = cluster.filter((s) => s.leadership.leading).map((s) => s.leadership.owner);
    await Promise.all(cluster.map((s) => s.stop()));

    const stats = await far.stats();
    const { duplicates, missed } = await tally(stores[0]!, 'slack', ids, stats.received);
    const floor = floorSeconds(people, limits.global);
    return {
      instances,
      people,
      scale,
      limitPerSecond: limits.global,
      seconds: round(seconds),
      floorSeconds: round(floor),
      ratio: round(seconds / floor),
      duplicates,
      missed,
      rateLimited: stats.limited,
      maxCallsPerSecond: stats.maxCalls,
      maxSentPerSecond: stats.maxAdmitted,
      sentBy: Object.fromEntries(Array.from({ length: instances }, (_, i) => [`instance-${i + 1}`, stats.bySender.get(`instance-${i + 1}`) ?? 0])),
      leaders,
      loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await far.stop();
    rmSync(dir, { recursive: true, force: true });
    await admin((a) => a.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  }
}

/** Slack's limits ×10 (300/min → 50/s: 99 s for 5,000), so the whole part fits in about 8 minutes. */
const FANOUT_SCALE = 10;

export async function run(o: { quick: boolean }): Promise<ClusterFigures> {
  const load = o.quick ? { rounds: 1, seconds: 3, connections: 8 } : { rounds: 2, seconds: 5, connections: 8 };
  const people = o.quick ? 1000 : 5000;
  await admin(async () => undefined); // PostgreSQL answers, or a clear error before anything starts
  try {
    const turnFigures = await turnRounds(load);
    const fanout: ClusterFanoutFigures[] = [];
    for (const instances of [1, 3]) {
      process.stderr.write(`  cluster fan-out: ${people} people, ${instances} instance(s) on PostgreSQL\n`);
      fanout.push(await fanoutOne(instances, people, FANOUT_SCALE));
    }
    return { load, turns: turnFigures, fanout };
  } finally {
    await dropSchemas();
  }
}

const fmt = (n: number) => (Number.isNaN(n) ? '-' : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2));
const LABEL: Record<ConfigName, (p: Platform) => string> = {
  bare: (p) => (p === 'slack' ? 'bare Bolt' : 'bare botbuilder'),
  'lowdb-1': () => 'SafeCall, lowdb, 1 instance',
  'postgres-1': () => 'SafeCall, PostgreSQL, 1 instance',
  'postgres-2': () => 'SafeCall, PostgreSQL, 2 instances',
  'postgres-3': () => 'SafeCall, PostgreSQL, 3 instances',
};

export function report(f: ClusterFigures): string {
  const { rounds, seconds, connections } = f.load;
  const lines = [`Cluster: SafeCall instances on one PostgreSQL schema (${connections} connections split across the instances, ${seconds} s, best of ${rounds} round${rounds > 1 ? 's' : ''})`];
  for (const platform of ['slack', 'teams'] as const) {
    const of = (c: ConfigName) => f.turns.filter((t) => t.platform === platform && t.config === c);
    const best = (c: ConfigName) => {
      const ts = of(c);
      return {
        tps: Math.max(...ts.map((t) => t.turnsPerSecond)),
        p99: Math.min(...ts.map((t) => t.p99Ms)),
        cpu: Math.min(...ts.map((t) => t.cpuMsPerTurn)),
        refused: Math.min(...ts.map((t) => t.refused)),
        late: Math.max(...ts.map((t) => t.accepted - Math.min(t.accepted, t.repliedWithin1s))),
      };
    };
    const base = best('lowdb-1');
    const bare = best('bare');
    lines.push(platform === 'slack' ? '  Slack: /safecall setup (ack + chat.postMessage)' : '  Teams: a guidance question (reply through the Bot Connector)');
    lines.push(`    ${'config'.padEnd(34)}${'turns/s'.padStart(9)}${'p99 ms'.padStart(9)}${'turns/s ×lowdb'.padStart(16)}${'p99 ×lowdb'.padStart(12)}${'turns/s ×bare'.padStart(15)}${'CPU ms/turn'.padStart(13)}${'503s'.padStart(7)}`);
    for (const c of CONFIGS) {
      if (!of(c.name).length) continue;
      const b = best(c.name);
      lines.push(
        `    ${LABEL[c.name](platform).padEnd(34)}${fmt(b.tps).padStart(9)}${fmt(b.p99).padStart(9)}${`×${fmt(b.tps / base.tps)}`.padStart(16)}${`×${fmt(b.p99 / base.p99)}`.padStart(12)}${`×${fmt(b.tps / bare.tps)}`.padStart(15)}${fmt(b.cpu).padStart(13)}${String(b.refused).padStart(7)}`,
      );
    }
  }
  const loads = f.turns.map((t) => t.loadAverage);
  lines.push('  A turn counts when its reply reached the fake far side (within 1 s of the load ending). Everything (load generator, far side,');
  lines.push('  instances, PostgreSQL) shares this machine, so more instances share the same cores; CPU is the SafeCall processes\' only.');
  lines.push(`  Machine load average (1 min) as each load ended: ${fmt(Math.min(...loads))} to ${fmt(Math.max(...loads))}.`);
  lines.push('');
  const fo = f.fanout;
  if (fo.length) {
    lines.push(`Cluster fan-out: term-end reminder to ${fo[0]!.people} people on Slack, real schedulers (src/scheduling.ts wiring) on one PostgreSQL schema,`);
    lines.push(`  limits ×${fo[0]!.scale} in the fake and the settings (workspace ${fo[0]!.limitPerSecond}/s, 1/s per DM); the floor is per workspace, so the same for any number of instances`);
    lines.push(`  ${'instances'.padEnd(10)}${'people'.padStart(7)}${'time s'.padStart(9)}${'floor s'.padStart(9)}${'ratio'.padStart(7)}${'dup (0)'.padStart(9)}${'missed (0)'.padStart(12)}${'429s'.padStart(6)}${'max sent/s (limit)'.padStart(20)}${'max calls/s'.padStart(13)}   sent by`);
    for (const x of fo) {
      const by = Object.entries(x.sentBy)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      lines.push(
        `  ${String(x.instances).padEnd(10)}${String(x.people).padStart(7)}${x.seconds.toFixed(1).padStart(9)}${x.floorSeconds.toFixed(1).padStart(9)}${x.ratio.toFixed(2).padStart(7)}${String(x.duplicates).padStart(9)}${String(x.missed).padStart(12)}${String(x.rateLimited).padStart(6)}${`${x.maxSentPerSecond} (${fmt(x.limitPerSecond)})`.padStart(20)}${String(x.maxCallsPerSecond).padStart(13)}   ${by}; leader at the end: ${x.leaders.join(', ') || 'none'}`,
      );
    }
    lines.push('  max sent/s: the most messages the far side admitted in any rolling second; max calls/s counts 429s too. Only the lease holder sends;');
    lines.push('  the others\' heartbeats find the lease held, so 3 instances take as long as 1 and never together exceed the workspace limit.');
    lines.push(`  Time runs from the schedulers' start (taking the lease included) to the far side holding every message. Load average at the end: ${fo.map((x) => fmt(x.loadAverage)).join(', ')}.`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(report(await run({ quick: process.argv.includes('--quick') })));
}
