/**
 * A connection ended by the server (pg_terminate_backend, as an administrator or a failover does), on the real
 * PostgreSQL: the request on it fails saying what happened, not "Check DATABASE_URL"; the store does not call
 * the database unreachable (it is not), logs one line saying what happened, and the next request works at once.
 * Idle pooled connections ended the same way are replaced without a word above debug, and /healthz stays ok.
 */
import pg from 'pg';
import { systemClock } from '../../src/core/ports.js';
import { connectionFailure, StoreUnavailableError } from '../../src/store/errors.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { dropSchema, pgAdmin } from '../helpers/pg-admin.js';
import { TEST_DATABASE_URL, runPrefix } from '../rig/store-env.js';
import { captureLog, type CapturedLog } from './helpers.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

const user = (id: string, name = id) => ({ platform: 'slack' as const, id, name, firstSeen: 'x', lastSeen: 'x' });
const settle = async <T>(p: Promise<T>) => p.then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error }));

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The server processes of this store's connections: their last statement names its schema. */
const backendsOf = (schema: string, state?: 'idle' | 'active') =>
  pgAdmin(async (c) => {
    const r = await c.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'safecall' AND pid <> pg_backend_pid() AND position($1 in query) > 0 AND ($2::text IS NULL OR state = $2)`,
      [`"${schema}"`, state ?? null],
    );
    return r.rows.map((row) => row.pid);
  });

describe('postgres store: the server ends a connection', () => {
  let schema: string;
  let store: PostgresStore;
  let log: CapturedLog;
  beforeEach(async () => {
    schema = `${runPrefix()}term_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    log = captureLog();
    store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 3, log, clock: systemClock });
  });
  afterEach(async () => {
    await store.close();
    await dropSchema(schema);
  });

  test('a request whose connection is ended mid-query says the server ended it, and the next one works', async () => {
    await store.users.put('u1', user('u1'));
    // An admin session holds the row, so SafeCall's write waits on it: in flight when its backend is ended.
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT key FROM "${schema}".users WHERE key = 'u1' FOR UPDATE`);
      const write = settle(store.users.put('u1', user('u1', 'changed')));
      let pids: number[] = [];
      await until('the write to wait on the lock', async () => (pids = await backendsOf(schema, 'active')).length === 1);
      await pgAdmin((c) => c.query('SELECT pg_terminate_backend($1)', [pids[0]]));
      const { error } = await write;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      const message = (error as Error).message;
      expect(message).toContain('57P01');
      expect(message).toContain('The database server ended the connection (an administrator ended it, or the server is shutting down or failing over');
      expect(message).not.toContain('Check DATABASE_URL');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    // The database is there: the next request is served at once, and health never said otherwise.
    await store.users.put('u2', user('u2'));
    expect(await store.health()).toMatchObject({ ok: true });
    expect(store.available?.()).toBe(true);
    const lines = log.lines.filter((l) => l.level !== 'debug');
    expect(lines.filter((l) => /unreachable/i.test(l.msg ?? ''))).toEqual([]);
    const said = lines.filter((l) => /the server ended a connection in use/.test(l.msg ?? ''));
    expect(said).toHaveLength(1);
    expect(said[0]!.msg).toContain('57P01');
  });

  test('idle pooled connections ended by the server are replaced: requests and /healthz carry on, nothing said above debug', async () => {
    await Promise.all(Array.from({ length: 3 }, (_, i) => store.users.put(`u${i}`, user(`u${i}`))));
    const idle = await backendsOf(schema, 'idle');
    expect(idle.length).toBeGreaterThan(0);
    await pgAdmin((c) => c.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [idle]));
    expect(await store.health()).toMatchObject({ ok: true });
    expect((await store.users.list()).length).toBe(3);
    await store.users.put('after', user('after'));
    expect(log.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });
});

test('connection failures are told apart by their SQLSTATE and by node-postgres messages', () => {
  expect(connectionFailure({ code: '57P01', message: 'terminating connection due to administrator command' })).toBe('ended');
  expect(connectionFailure({ code: '57P02' })).toBe('crashed');
  expect(connectionFailure({ code: '57P03', message: 'the database system is starting up' })).toBe('starting');
  expect(connectionFailure({ code: '53300' })).toBe('full');
  expect(connectionFailure(new Error('Connection terminated unexpectedly'))).toBe('closed');
  expect(connectionFailure({ code: 'ECONNRESET' })).toBe('closed');
  expect(connectionFailure(new Error('Connection terminated due to connection timeout'))).toBe('unreachable');
  expect(connectionFailure({ code: 'ECONNREFUSED' })).toBe('unreachable');
  expect(new StoreUnavailableError('db:5432/x (schema s)', 'ECONNREFUSED').message).toContain('Check DATABASE_URL');
});
