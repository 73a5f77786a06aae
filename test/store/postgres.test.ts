/**
 * The PostgreSQL store against a real server: the same Collection contract as memory and lowdb, each test
 * on a schema of its own (dropped afterwards); migrations once when instances start together; an old
 * SafeCall refused on a newer database; compare-and-set and claims between two pools (two instances).
 */
import { dropSchema, pgAdmin } from '../helpers/pg-admin.js';
import type { Clock, Store } from '../../src/core/ports.js';
import { systemClock } from '../../src/core/ports.js';
import { COLLECTIONS, COLLECTION_NAMES } from '../../src/core/collections.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { indexColumn } from '../../src/store/postgres/collection.js';
import { collectionContract } from './collection-contract.js';
import { captureLog } from './helpers.js';
import { TEST_DATABASE_URL, runPrefix } from '../rig/store-env.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

let n = 0;
const freshSchema = () => `${runPrefix()}s${process.pid}_${(n += 1)}_${Math.random().toString(36).slice(2, 6)}`;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const open = (schema: string, clock: Clock = systemClock, extra: Partial<Parameters<typeof openPostgresStore>[0]> = {}) =>
  openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 4, log: silent, clock, ...extra });

const admin = pgAdmin;
const drop = dropSchema;

collectionContract('postgres store', {
  open: async (clock) => open(freshSchema(), clock),
  close: async (store: Store) => {
    await store.close();
    await drop((store as PostgresStore).schema);
  },
  reopen: async (store, clock) => {
    await store.close();
    return open((store as PostgresStore).schema, clock);
  },
});

describe('postgres store', () => {
  const schemas: string[] = [];
  const fresh = () => {
    const s = freshSchema();
    schemas.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of schemas) await drop(s);
  });

  test('every collection has its table and every declared index its column and btree index', async () => {
    const schema = fresh();
    const store = await open(schema);
    await store.close();
    const cols = await admin((c) => c.query<{ table_name: string; column_name: string }>('SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1', [schema]));
    const idx = await admin((c) => c.query<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE schemaname = $1', [schema]));
    for (const name of COLLECTION_NAMES) {
      const have = cols.rows.filter((r) => r.table_name === name).map((r) => r.column_name);
      expect({ name, have }).toEqual({ name, have: expect.arrayContaining(['key', 'value', 'revision', 'expires_at', 'lease_owner', 'lease_until']) });
      for (const index of Object.keys(COLLECTIONS[name].indexes)) {
        expect({ name, index, have }).toEqual({ name, index, have: expect.arrayContaining([indexColumn(index)]) });
        expect(idx.rows.some((r) => r.indexdef.includes(`(${indexColumn(index)}, key)`) && r.indexdef.includes(`.${name} `))).toBe(true);
      }
    }
  });

  test('instances starting together on a fresh schema migrate once, and all of them work', async () => {
    const schema = fresh();
    const logs = [captureLog(), captureLog(), captureLog()];
    const stores = await Promise.all(logs.map((log) => openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2, log, clock: systemClock })));
    const applied = logs.flatMap((l) => l.lines.filter((x) => x.msg === 'database migration applied'));
    expect(applied).toHaveLength(1);
    await Promise.all(stores.map((s, i) => s.users.put(`u${i}`, { platform: 'slack', id: `u${i}`, firstSeen: 'x', lastSeen: 'x' })));
    expect((await stores[0]!.users.list()).map((u) => u.id).sort()).toEqual(['u0', 'u1', 'u2']);
    const ledger = await admin((c) => c.query(`SELECT version FROM "${schema}".safecall_migrations`));
    expect(ledger.rowCount).toBe(1);
    await Promise.all(stores.map((s) => s.close()));
  });

  test('a database a newer SafeCall has migrated is refused with what to do; so is an edited migration', async () => {
    const schema = fresh();
    await (await open(schema)).close();
    await admin((c) => c.query(`INSERT INTO "${schema}".safecall_migrations (version, name, checksum) VALUES (99, 'future', 'x')`));
    await expect(open(schema)).rejects.toThrow(/has migration 99, which this SafeCall does not know: a newer SafeCall has used it/);
    await admin((c) => c.query(`DELETE FROM "${schema}".safecall_migrations WHERE version = 99`));
    await admin((c) => c.query(`UPDATE "${schema}".safecall_migrations SET checksum = 'edited' WHERE version = 1`));
    await expect(open(schema)).rejects.toThrow(/differs from this SafeCall's copy/);
  });

  test('mid rolling upgrade: a running instance stays healthy when a newer one migrates, but would not start again; an edited migration is unhealthy', async () => {
    const schema = fresh();
    const running = await open(schema);
    try {
      await admin((c) => c.query(`INSERT INTO "${schema}".safecall_migrations (version, name, checksum) VALUES (2, 'next', 'x')`));
      expect(await running.health()).toEqual({ ok: true, writable: true, reachable: true, migrations: { applied: 1, expected: 1, current: true, newer: [2] } });
      await expect(open(schema)).rejects.toThrow(/has migration 2, which this SafeCall does not know/);
      await admin((c) => c.query(`UPDATE "${schema}".safecall_migrations SET checksum = 'edited' WHERE version = 1`));
      expect(await running.health()).toEqual({ ok: false, writable: false, reachable: true, error: 'migrations differ from this version' });
    } finally {
      await running.close();
    }
  });

  test('an unreachable server is refused at open with where (no password) and why', async () => {
    const err = await openPostgresStore({ url: 'postgres://safecall:hunter2@127.0.0.1:1/nowhere', schema: 'x', poolSize: 1, log: silent, clock: systemClock }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/could not use the PostgreSQL database at 127\.0\.0\.1:1\/nowhere \(schema x\) \(ECONNREFUSED/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  test('two instances: 50 simultaneous compare-and-sets at one revision, one wins; simultaneous claims never share a record', async () => {
    const schema = fresh();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    const rev = await a.runtime.put('k', { value: 0, setBy: { platform: 'slack', id: 'U' }, setAt: 'x' });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).runtime.putIf('k', { value: i, setBy: { platform: 'slack', id: 'U' }, setAt: 'x' }, rev)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);

    const due = new Date(Date.now() - 1000).toISOString();
    await Promise.all(Array.from({ length: 200 }, (_, i) => a.timers.put(`t${String(i).padStart(3, '0')}`, { kind: 'x', dueAt: due, key: `t${i}`, detail: {} } as never)));
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).timers.claim({ index: 'due', before: new Date().toISOString(), owner: `w${i}`, leaseMs: 60_000, limit: 40 })));
    const keys = claims.flat().map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(200);
    await Promise.all([a.close(), b.close()]);
  });

  test('signals: a publish on one instance reaches the subscribers of another on the same schema only', async () => {
    const schema = fresh();
    const other = fresh();
    const [a, b, c] = await Promise.all([open(schema), open(schema), open(other)]);
    const heard: string[] = [];
    b.signals!.subscribe('outbox', () => heard.push('b'));
    c.signals!.subscribe('outbox', () => heard.push('c'));
    // The subscription's LISTEN is in place once a publish from b itself comes back.
    for (const end = Date.now() + 5000; !heard.includes('b'); ) {
      if (Date.now() > end) throw new Error('the listener never heard anything');
      await b.signals!.publish('outbox');
      await new Promise((r) => setTimeout(r, 50));
    }
    heard.length = 0;
    await a.signals!.publish('outbox');
    for (const end = Date.now() + 5000; !heard.includes('b'); ) {
      if (Date.now() > end) throw new Error('b did not hear a');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(heard).not.toContain('c');
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  test('health: reachable and current; after close, not ok', async () => {
    const store = await open(fresh());
    expect(await store.health()).toEqual({ ok: true, writable: true, reachable: true, migrations: { applied: 1, expected: 1, current: true } });
    expect(store.info).toMatchObject({ kind: 'postgres', shared: true });
    await store.close();
    expect((await store.health()).ok).toBe(false);
  });
});
