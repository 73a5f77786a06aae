/**
 * The PostgreSQL Store: several SafeCall instances on one database. One table per collection with real
 * indexes (migrations/), migrations at open under an advisory lock, a pool sized by DATABASE_POOL_SIZE with
 * connect and statement timeouts (a lost database fails requests in seconds, never hangs them), and
 * LISTEN/NOTIFY for "look again" signals between instances. An idle connection's error is never thrown: the
 * pool replaces it, and the next query reconnects, so an instance recovers by itself when the database
 * returns (/healthz answers 503 meanwhile). A query that cannot reach the database fails with a
 * StoreUnavailableError; the store logs one line when the database stops answering and one when it answers
 * again (test/store/postgres-outage*.test.ts cut it with a TCP proxy). Logs carry codes and names only, never values.
 *
 * `durable: false` writes are plain writes: PostgreSQL commits them as fast as any other, and
 * synchronous_commit = off would need a transaction (three round trips) per write to save one fsync.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import pTimeout from 'p-timeout';
import { COLLECTION_NAMES, COLLECTIONS, type CollectionSpec, type StoreCollections } from '../../core/collections.js';
import type { Clock, Log, Signals, Store, StoreHealth } from '../../core/ports.js';
import { connectionFailure, StoreUnavailableError } from '../errors.js';
import { PgCollection, type Queryable } from './collection.js';
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
  /**
   * How often the LISTEN connection checks it is still there (default 30 s). It only receives, so a
   * connection the server dropped during a network partition would otherwise stay silent, and deaf, for
   * as long as TCP keepalive takes to notice (two hours by default).
   */
  signalHeartbeatMs?: number;
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

/** The first query of a new pool: a server that does not answer is a StoreUnavailableError, and the pool is ended. */
export async function firstContact(pool: pg.Pool, where: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreUnavailableError(where, reasonOf(err), connectionFailure(err));
  }
}

/** A connection the server ended or that closed under a query: the database may well still be there. */
const connectionLost = (err: unknown) => ['ended', 'closed'].includes(connectionFailure(err));

const HEALTH_TIMEOUT_MS = 2000;

/** Node socket codes and SQLSTATEs that mean "the database is not there" rather than "this query is wrong". */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection closed|not queryable/i;

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  return CONNECTION_CODES.has(code) || code.startsWith('08') || (typeof e?.message === 'string' && CONNECTION_MESSAGES.test(e.message));
}

/**
 * Whether the database answers, as the last query or health check found it. Logs one line when it stops
 * answering and one when it answers again: not one per request, per pooled connection, or per retry.
 */
function reachability(log: Log, where: string) {
  let down = false;
  let lastLost = 0;
  return {
    get down() {
      return down;
    },
    /**
     * A connection in use was ended by the server or closed: said once (at most every 10 s, as a failover ends
     * every pooled connection at once), and not as "unreachable" unless a fresh connection fails too (the probe).
     */
    lost(reason: string, failure: string) {
      if (down || Date.now() - lastLost < 10_000) return;
      lastLost = Date.now();
      log.info(
        { where, reason, failure },
        failure === 'ended'
          ? `database: the server ended a connection in use (${reason}): an administrator, a shutdown or a failover. The next request opens a new one`
          : `database: a connection closed while in use (${reason}). The next request opens a new one`,
      );
    },
    failed(reason: string) {
      if (down) return;
      down = true;
      log.warn({ where, reason }, `PostgreSQL unreachable: ${reason}. Requests that need the database fail and /healthz answers 503 until it answers again (the pool reconnects by itself)`);
    },
    ok() {
      if (!down) return;
      down = false;
      log.info({ where }, 'PostgreSQL reachable again: requests are served and /healthz answers 200');
    },
  };
}

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
  const reach = reachability(o.log, where);
  // Every query of the collections goes through here: a connection failure is a StoreUnavailableError
  // (where and why, never the password) and marks the database down; any answer marks it up again.
  const guardedOn = (runner: Queryable): Queryable => ({
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      try {
        const r = await runner.query<R>(text, values);
        reach.ok();
        return r;
      } catch (err) {
        if (!isConnectionError(err)) {
          reach.ok(); // it answered, with an error of the query
          throw err;
        }
        const failure = connectionFailure(err);
        if (connectionLost(err)) {
          reach.lost(reasonOf(err), failure);
          probe(); // a new connection tells whether the database itself is gone
        } else reach.failed(reasonOf(err));
        throw new StoreUnavailableError(where, reasonOf(err), failure);
      }
    },
  });
  const guarded = guardedOn(pool);
  // One probe at a time, after a connection dropped: it tells "the database is gone" (one warning line)
  // from "one connection was closed" (nothing to say) even when no request is in flight.
  let probing = false;
  const probe = () => {
    if (probing || closed) return;
    probing = true;
    void guarded
      .query('SELECT 1')
      .catch(() => undefined)
      .finally(() => (probing = false));
  };
  // An idle client's error (the server restarted, the network dropped) would otherwise crash the process.
  // The pool drops that client and the next query opens a new one; the probe says whether the database is gone.
  pool.on('error', (err) => {
    o.log.debug({ where, reason: reasonOf(err) }, 'database: an idle connection failed; it will be replaced');
    probe();
  });
  let closed = false;
  const known = loadMigrations();
  await firstContact(pool, where);
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

  const collectionsOn = (runner: Queryable) =>
    Object.fromEntries(
      COLLECTION_NAMES.map((name) => [name, new PgCollection<unknown>(COLLECTIONS[name] as CollectionSpec<unknown>, runner, o.schema, o.clock)]),
    ) as unknown as StoreCollections;
  const collections = collectionsOn(guarded);

  /** Every collection read in one read-only REPEATABLE READ transaction: one snapshot of the whole database. */
  async function readConsistent<T>(fn: (view: StoreCollections) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      reach.failed(reasonOf(err));
      throw new StoreUnavailableError(where, reasonOf(err), connectionFailure(err));
    }
    const inTransaction = guardedOn(client);
    let failed: unknown;
    try {
      await inTransaction.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(collectionsOn(inTransaction));
      await inTransaction.query('COMMIT');
      return result;
    } catch (err) {
      failed = err;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(failed instanceof StoreUnavailableError ? failed : undefined);
    }
  }
  const signals = listener(o, where, guarded, reach, probe);

  const health = async (): Promise<StoreHealth> => {
    if (closed) return { ok: false, writable: false, reachable: false, error: 'closed' };
    try {
      const check = () => pTimeout(migrationStatus(pool, o.schema, known, { allowNewer: true }), { milliseconds: HEALTH_TIMEOUT_MS });
      // A pooled connection the server ended (pg_terminate_backend, a failover) says nothing about the
      // database: asked again, the pool opens a new one.
      const migrations = await check().catch((err: unknown) => (connectionLost(err) ? check() : Promise.reject(err)));
      reach.ok();
      return { ok: migrations.current, writable: migrations.current, reachable: true, migrations, ...(migrations.current ? {} : { error: 'migrations behind' }) };
    } catch (err) {
      // An edited migration: the database answered, but its schema is not one this code can trust.
      if (err instanceof StoreVersionError) return { ok: false, writable: false, reachable: true, error: 'migrations differ from this version' };
      const timeout = err instanceof Error && err.name === 'TimeoutError';
      const error = timeout ? `no answer within ${HEALTH_TIMEOUT_MS} ms` : reasonOf(err);
      if (timeout || isConnectionError(err)) reach.failed(error);
      return { ok: false, writable: false, reachable: false, error };
    }
  };

  return {
    ...collections,
    pool,
    schema: o.schema,
    info: { kind: 'postgres', where, shared: true },
    health,
    available: () => !closed && !reach.down,
    writable: async () => (await health()).ok,
    signals: signals.api,
    readConsistent,
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
 * state change; a signal sent while it was down is lost, which only delays work to the next tick. A
 * heartbeat query finds a connection that died silently (a partition) and reconnects it too.
 */
function listener(
  o: PostgresStoreOptions,
  where: string,
  pool: Queryable,
  reach: ReturnType<typeof reachability>,
  probe: () => void,
): { api: Signals; stop(): Promise<void> } {
  const channel = `safecall_${createHash('sha1').update(o.schema).digest('hex').slice(0, 16)}`;
  const handlers = new Map<string, Set<() => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 1000;
  let down = false;
  let heartbeat: NodeJS.Timeout | undefined;

  const connect = (): Promise<void> =>
    (connecting ??= (async () => {
      const c = new pg.Client({
        connectionString: o.url,
        connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
        query_timeout: (o.connectTimeoutMs ?? 5000) + 1000,
        keepAlive: true,
        application_name: 'safecall-listen',
      });
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
        clearInterval(heartbeat);
        c.removeAllListeners('end');
        void c.end().catch(() => undefined);
        if (!stopped) {
          // The probe logs "PostgreSQL unreachable" if the database is gone; this line only says what the listener does.
          if (!down) o.log.info({ where, reason: err ? reasonOf(err) : 'closed' }, 'database: lost the signal connection; reconnecting');
          down = true;
          probe();
          schedule();
        }
      };
      c.on('error', (err) => lost(err));
      c.on('end', () => lost());
      try {
        await c.connect();
        await c.query(`LISTEN ${channel}`);
        client = c;
        clearInterval(heartbeat);
        heartbeat = setInterval(() => void c.query('SELECT 1').catch((err: Error) => lost(err)), o.signalHeartbeatMs ?? 30_000);
        heartbeat.unref();
        delay = 1000;
        reach.ok();
        if (down) o.log.info({ where }, 'database: signal connection restored');
        down = false;
      } catch (err) {
        void c.end().catch(() => undefined);
        if (isConnectionError(err)) reach.failed(reasonOf(err));
        if (!down) o.log[isConnectionError(err) ? 'info' : 'warn']({ where, reason: reasonOf(err) }, 'database: could not open the signal connection; retrying');
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
      clearInterval(heartbeat);
      await connecting?.catch(() => undefined);
      const c = client;
      client = undefined;
      c?.removeAllListeners('end');
      await c?.end().catch(() => undefined);
    },
  };
}
