/**
 * The database goes away and comes back (a TCP proxy in front of the real PostgreSQL, cut and restored):
 * health says so within seconds, requests fail fast with a clear error instead of hanging, and the same
 * store works again by itself when the database returns (the pool reconnects, the LISTEN connection too).
 * One line is logged when the database is lost and one when it is back, not one per request.
 */
import { dropSchema } from '../helpers/pg-admin.js';
import { systemClock } from '../../src/core/ports.js';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { TEST_DATABASE_URL } from '../rig/store-env.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { captureLog, type CapturedLog } from './helpers.js';
import { needs } from '../helpers/system-deps.js';

needs('postgres');

const target = new URL(TEST_DATABASE_URL);
const PASSWORD = 'n0t-in-any-message';
const viaProxy = (port: number) => {
  const u = new URL(TEST_DATABASE_URL);
  u.port = String(port);
  u.password = PASSWORD; // trust auth ignores it; it must never show in an error or a log line
  return u.toString();
};
const schemaName = () => `t_outage_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const user = (id: string) => ({ platform: 'slack' as const, id, firstSeen: 'x', lastSeen: 'x' });


/** Polls `check` until it returns true; the elapsed ms, or a failure naming `what` at the deadline. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settle = async <T>(p: Promise<T>) => p.then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error }));

describe('postgres store: the database goes away and comes back', () => {
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];
  const proxies: TcpProxy[] = [];
  const open = async (url: string, log: CapturedLog, schema: string, extra: Partial<Parameters<typeof openPostgresStore>[0]> = {}) => {
    const s = await openPostgresStore({ url, schema, poolSize: 3, log, clock: systemClock, connectTimeoutMs: 2000, statementTimeoutMs: 3000, ...extra });
    stores.push(s);
    return s;
  };
  const proxy = async () => {
    const p = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    proxies.push(p);
    return p;
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    for (const p of proxies.splice(0)) await p.close();
    for (const s of schemas.splice(0)) await dropSchema(s);
  });

  test('cut: health not ok and writes refused within seconds; restored: the same store works again, one log line each way', async () => {
    const schema = schemaName();
    schemas.push(schema);
    const p = await proxy();
    const log = captureLog();
    const store = await open(viaProxy(p.port), log, schema);
    expect(await store.health()).toMatchObject({ ok: true, reachable: true });
    await store.users.put('before', user('before'));
    expect(p.live()).toBeGreaterThan(0); // the pool's idle connections go through the proxy

    await p.cut();
    const cutAt = Date.now();
    const health = await store.health();
    const toUnhealthy = Date.now() - cutAt;
    expect(health).toMatchObject({ ok: false, writable: false, reachable: false });
    expect(health.error).toEqual(expect.any(String));
    expect(toUnhealthy).toBeLessThan(3000);

    // Requests during the outage fail fast and say what is wrong; ten at once are all answered.
    const writeAt = Date.now();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => settle(store.users.put(`during${i}`, user(`during${i}`)))));
    const toRefused = Date.now() - writeAt;
    for (const r of results) {
      expect(r.error).toBeInstanceOf(StoreUnavailableError);
      const message = (r.error as Error).message;
      expect(message).toMatch(/PostgreSQL database at 127\.0\.0\.1:\d+\/test/);
      expect(message).not.toContain(PASSWORD);
    }
    expect(toRefused).toBeLessThan(5000);
    const read = await settle(store.users.get('before'));
    expect(read.error).toBeInstanceOf(StoreUnavailableError);

    await p.restore();
    const restoredAt = Date.now();
    await until('health ok after restore', async () => (await store.health()).ok, 10_000);
    const toHealthy = Date.now() - restoredAt;
    await store.users.put('after', user('after'));
    expect((await store.users.list()).map((u) => u.id).sort()).toEqual(['after', 'before']);

    const lines = log.lines.filter((l) => l.level !== 'debug');
    const lost = lines.filter((l) => /^PostgreSQL unreachable/.test(l.msg ?? ''));
    const back = lines.filter((l) => /^PostgreSQL reachable again/.test(l.msg ?? ''));
    expect(lost).toHaveLength(1);
    expect(lost[0]!.level).toBe('warn');
    expect(back).toHaveLength(1);
    expect(log.text()).not.toContain(PASSWORD);
    // Nothing else logged per request or per connection while it was down.
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.msg)).toEqual([lost[0]!.msg]);
    process.stdout.write(`outage (store): unhealthy ${toUnhealthy} ms after the cut, writes refused in ${toRefused} ms, healthy ${toHealthy} ms after the restore\n`);
  }, 25_000);

  test('a partition (connections accepted, nothing answered): health and requests fail within their timeouts, and recover', async () => {
    const schema = schemaName();
    schemas.push(schema);
    const p = await proxy();
    const log = captureLog();
    const store = await open(viaProxy(p.port), log, schema);
    await store.users.put('before', user('before'));

    p.blackhole();
    const cutAt = Date.now();
    const health = await store.health();
    const toUnhealthy = Date.now() - cutAt;
    expect(health).toMatchObject({ ok: false, reachable: false });
    expect(toUnhealthy).toBeLessThan(3000);
    // A request on a pooled connection waits out the query timeout (statement timeout + 1 s), one that needs
    // a new connection the connect timeout: bounded either way, and a StoreUnavailableError.
    const writeAt = Date.now();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => settle(store.users.put(`during${i}`, user(`during${i}`)))));
    const toRefused = Date.now() - writeAt;
    for (const r of results) expect(r.error).toBeInstanceOf(StoreUnavailableError);
    expect(toRefused).toBeLessThan(9000);

    await p.restore();
    const restoredAt = Date.now();
    await until('health ok after the partition', async () => (await store.health()).ok, 10_000);
    const toHealthy = Date.now() - restoredAt;
    await store.users.put('after', user('after'));
    expect((await store.users.list()).map((u) => u.id)).toEqual(expect.arrayContaining(['after', 'before']));
    expect(log.lines.filter((l) => /^PostgreSQL unreachable/.test(l.msg ?? ''))).toHaveLength(1);
    expect(log.lines.filter((l) => /^PostgreSQL reachable again/.test(l.msg ?? ''))).toHaveLength(1);
    process.stdout.write(`outage (partition): unhealthy ${toUnhealthy} ms after it began, requests refused in ${toRefused} ms, healthy ${toHealthy} ms after it ended\n`);
  }, 25_000);

  /**
   * Two instances on one schema, the second behind the proxy and subscribed; resolves once a publish from the
   * first is heard. `heardAgain` publishes until the subscriber hears one more, and resolves to how long that took.
   */
  async function signalPair(extra: Parameters<typeof open>[3] = {}) {
    const schema = schemaName();
    schemas.push(schema);
    const p = await proxy();
    const direct = await open(TEST_DATABASE_URL, captureLog(), schema);
    const log = captureLog();
    const proxied = await open(viaProxy(p.port), log, schema, extra);
    let heard = 0;
    proxied.signals!.subscribe('outbox', () => (heard += 1));
    const heardAgain = (what: string, ms: number) => {
      const before = heard;
      return until(what, async () => {
        await direct.signals!.publish('outbox');
        return heard > before;
      }, ms);
    };
    // Subscribed once LISTEN is in place: a publish is heard.
    await heardAgain('the first signal', 5000);
    return { p, log, heardAgain };
  }

  test('signals: a subscriber behind the proxy hears a publish from another instance after a cut and a restore', async () => {
    const { p, log, heardAgain } = await signalPair();
    await p.cut();
    await new Promise((r) => setTimeout(r, 300)); // long enough for the listener to notice and fail a retry
    await p.restore();
    const restoredAt = Date.now();
    const toHeard = await heardAgain('a signal after the restore', 10_000);
    expect(log.text()).toMatch(/signal connection restored/);
    process.stdout.write(`outage (signals): heard again ${toHeard} ms after the restore (${Date.now() - restoredAt} ms)\n`);
  }, 25_000);

  test('signals: after a partition the silent LISTEN connection is found by its heartbeat and replaced', async () => {
    const { p, log, heardAgain } = await signalPair({ signalHeartbeatMs: 1000 });
    // The server forgets the connection during the partition; the listener is never told.
    p.blackhole();
    await new Promise((r) => setTimeout(r, 500));
    await p.restore();
    const toHeard = await heardAgain('a signal after the partition', 10_000);
    expect(log.text()).toMatch(/signal connection restored/);
    process.stdout.write(`outage (signals, partition): heard again ${toHeard} ms after it ended\n`);
  }, 25_000);
});
