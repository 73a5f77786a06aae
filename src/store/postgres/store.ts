/**
 * The PostgreSQL Store: several SafeCall instances on one database. One table per collection with real
 * indexes (migrations/), migrations at open under an advisory lock, a pool sized by DATABASE_POOL_SIZE with
 * connect and statement timeouts (a lost database fails requests in seconds, never hangs them), and
 * LISTEN/NOTIFY for "look again" signals between instances. An idle connection's error is logged, never
 * thrown: the pool replaces it, and the next query reconnects, so an instance recovers by itself when the
 * database returns (/healthz answers 503 meanwhile). Logs carry codes and names only, never values.
 *
 * `durable: false` writes are plain writes: PostgreSQL commits them as fast as any other, and
 * synchronous_commit = off would need a transaction (three round trips) per write to save one fsync.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import pTimeout from 'p-timeout';
import { COLLECTION_NAMES, COLLECTIONS, type CollectionSpec, type StoreCollections } from '../../core/collections.js';
import type { Clock, Log, Signals, Store, StoreHealth } from '../../core/ports.js';
import { StoreUnavailableError } from '../errors.js';
import { PgCollection } from './collection.js';
import { loadMigrations, migrate, migrationStatus } from './migrations.js';
import { StoreVersionError } from '../errors.js';

export interface PostgresStoreOptions {
  /** postgres://… (config.ts has checked it). */
  url: string;
  /** Schema for SafeCall's tables; created if missing. */
  schema: string;
  /** Pool size per instance. */
  poolSize: number;
  log: Log;
  /** Expiry and leases use this clock, as on the other stores. */
  clock: Clock;
  /** Run the migrations at open (default true); false only checks they are current (CLI reads). */
  migrate?: boolean;
  /** Connect timeout (default 5 s) and statement timeout (default 15 s), in ms. */
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export type PostgresStore = Store & { pool: pg.Pool; schema: string };

/** host:port/database (schema s), for people: never the password. */
export function describeUrl(url: string, schema: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || '5432'}${u.pathname || '/'} (schema ${schema})`;
  } catch {
    return `(unparsable DATABASE_URL) (schema ${schema})`;
  }
}

const reasonOf = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}${e.message ? `: ${e.message.split('\n')[0]}` : ''}` : (e.message ?? String(err));
};

const HEALTH_TIMEOUT_MS = 2000;

export async function openPostgresStore(o: PostgresStoreOptions): Promise<PostgresStore> {
  const where = describeUrl(o.url, o.schema);
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
    statement_timeout: o.statementTimeoutMs ?? 15_000,
    query_timeout: (o.statementTimeoutMs ?? 15_000) + 1000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'safecall',
  });
  // An idle client's error (the server restarted, the network dropped) would otherwise crash the process.
  pool.on('error', (err) => o.log.warn({ where, reason: reasonOf(err) }, 'database: an idle connection failed; it will be replaced'));
  const known = loadMigrations();
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreUnavailableError(where, reasonOf(err));
  }
  try {
    if (o.migrate ?? true) await migrate(pool, o.schema, o.log, known);
    const status = await migrationStatus(pool, o.schema, known);
    if (!status.current)
      throw new StoreVersionError(`The database schema "${o.schema}" has ${status.applied} of ${status.expected} migrations. Run \`npx safecall migrate\` (or start the server, which migrates).`);
    o.log.info({ where, migrations: status.applied, pool: o.poolSize }, 'data store opened (PostgreSQL)');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  const collections = Object.fromEntries(
    COLLECTION_NAMES.map((name) => [name, new PgCollection<unknown>(COLLECTIONS[name] as CollectionSpec<unknown>, pool, o.schema, o.clock)]),
  ) as unknown as StoreCollections;
  const signals = listener(o, where, pool);
  let closed = false;

  const health = async (): Promise<StoreHealth> => {
    if (closed) return { ok: false, writable: false, reachable: false, error: 'closed' };
    try {
      const migrations = await pTimeout(migrationStatus(pool, o.schema, known), { milliseconds: HEALTH_TIMEOUT_MS });
      return { ok: migrations.current, writable: migrations.current, reachable: true, migrations, ...(migrations.current ? {} : { error: 'migrations behind' }) };
    } catch (err) {
      return { ok: false, writable: false, reachable: false, error: err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : reasonOf(err) };
    }
  };

  return {
    ...collections,
    pool,
    schema: o.schema,
    info: { kind: 'postgres', where, shared: true },
    health,
    writable: async () => (await health()).ok,
    signals: signals.api,
    async close() {
      if (closed) return;
      closed = true;
      await signals.stop();
      await pool.end();
    },
  };
}

/**
 * LISTEN/NOTIFY on one dedicated connection, opened at the first subscribe. One channel per schema; the
 * payload is the topic. The connection reconnects by itself (1 s, doubling to 30 s) and logs once per
 * state change; a signal sent while it was down is lost, which only delays work to the next tick.
 */
function listener(o: PostgresStoreOptions, where: string, pool: pg.Pool): { api: Signals; stop(): Promise<void> } {
  const channel = `safecall_${createHash('sha1').update(o.schema).digest('hex').slice(0, 16)}`;
  const handlers = new Map<string, Set<() => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 1000;
  let down = false;

  const connect = (): Promise<void> =>
    (connecting ??= (async () => {
      const c = new pg.Client({ connectionString: o.url, connectionTimeoutMillis: o.connectTimeoutMs ?? 5000, keepAlive: true, application_name: 'safecall-listen' });
      c.on('notification', (n) => {
        if (n.channel !== channel || !n.payload) return;
        for (const fn of handlers.get(n.payload) ?? []) {
          try {
            fn();
          } catch (err) {
            o.log.error({ topic: n.payload, err: (err as Error).message }, 'database: a signal handler failed');
          }
        }
      });
      const lost = (err?: Error) => {
        if (client !== c) return;
        client = undefined;
        c.removeAllListeners('end');
        void c.end().catch(() => undefined);
        if (!stopped) {
          if (!down) o.log.warn({ where, reason: err ? reasonOf(err) : 'closed' }, 'database: lost the signal connection; reconnecting');
          down = true;
          schedule();
        }
      };
      c.on('error', (err) => lost(err));
      c.on('end', () => lost());
      try {
        await c.connect();
        await c.query(`LISTEN ${channel}`);
        client = c;
        delay = 1000;
        if (down) o.log.info({ where }, 'database: signal connection restored');
        down = false;
      } catch (err) {
        void c.end().catch(() => undefined);
        if (!down) o.log.warn({ where, reason: reasonOf(err) }, 'database: could not open the signal connection; retrying');
        down = true;
        schedule();
      }
    })().finally(() => (connecting = undefined)));

  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
    delay = Math.min(30_000, delay * 2);
  };

  return {
    api: {
      async publish(topic) {
        if (stopped) return;
        await pool.query('SELECT pg_notify($1, $2)', [channel, topic]);
      },
      subscribe(topic, fn) {
        let set = handlers.get(topic);
        if (!set) handlers.set(topic, (set = new Set()));
        set.add(fn);
        if (!client && !connecting && !retry) void connect();
        return () => void set.delete(fn);
      },
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await connecting?.catch(() => undefined);
      const c = client;
      client = undefined;
      c?.removeAllListeners('end');
      await c?.end().catch(() => undefined);
    },
  };
}
