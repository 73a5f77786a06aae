/**
 * The PostgreSQL Store (several SafeCall instances on one database). Placeholder until issue 15's store
 * lands: the shape below is what src/store/open.ts calls.
 */
import type { Clock, Log, Store } from '../../core/ports.js';

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
}

export type PostgresStore = Store;

export async function openPostgresStore(_o: PostgresStoreOptions): Promise<PostgresStore> {
  throw new Error('The PostgreSQL store is not built yet.');
}
