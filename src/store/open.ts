/**
 * Picks the store from the environment: PostgreSQL when DATABASE_URL is set (any number of instances),
 * else the embedded lowdb store in DATA_DIR (one process). The PostgreSQL client is loaded only when used.
 */
import { resolve } from 'node:path';
import type { Env } from '../config.js';
import type { Clock, Log, Store } from '../core/ports.js';
import { openLowdbStore } from './lowdb-store.js';

export interface OpenStoreOptions {
  log: Log;
  clock: Clock;
  /** lowdb: open without the lock and refuse writes (CLI reads while the server runs). PostgreSQL: never migrate. */
  readOnly?: boolean;
}

export type StoreEnv = Pick<Env, 'DATA_DIR' | 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'DATABASE_POOL_SIZE'>;

export async function openStore(env: StoreEnv, o: OpenStoreOptions): Promise<Store> {
  if (env.DATABASE_URL) {
    const { openPostgresStore } = await import('./postgres/store.js');
    return openPostgresStore({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, poolSize: env.DATABASE_POOL_SIZE, log: o.log, clock: o.clock, migrate: !o.readOnly });
  }
  return openLowdbStore(resolve(env.DATA_DIR), { log: o.log, clock: o.clock, readOnly: o.readOnly });
}
