/**
 * Which store the end-to-end tests run on. The suite runs twice (jest.config.js projects): on the embedded
 * lowdb store in a temp directory, and on PostgreSQL with SAFECALL_TEST_STORE=postgres, where each data
 * directory a test names maps to its own schema (same directory, same schema: a restart keeps the data).
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../src/core/ports.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';

export const onPostgres = process.env.SAFECALL_TEST_STORE === 'postgres';
/** The two stores a server can run on; a test that runs a scenario on both names one explicitly. */
export type StoreKind = 'lowdb' | 'postgres';
/** This run's store (the jest project's). */
export const runStore: StoreKind = onPostgres ? 'postgres' : 'lowdb';
export const TEST_DATABASE_URL = process.env.SAFECALL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Every schema of one test run starts with this, so the run's teardown drops exactly its own. */
export const runPrefix = () => `t_${(process.env.SAFECALL_TEST_RUN ?? String(process.ppid)).toLowerCase()}_`;

export function schemaFor(dataDir: string): string {
  return `${runPrefix()}${createHash('sha1').update(dataDir).digest('hex').slice(0, 12)}`;
}

/** The environment that points a server (or the CLI) at the data of `dataDir`, on `kind` (default: this run's store). */
export function storeEnv(dataDir: string, kind: StoreKind = runStore): Record<string, string> {
  return kind === 'postgres' ? { DATA_DIR: dataDir, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schemaFor(dataDir) } : { DATA_DIR: dataDir };
}

/** A second view of a running server's data, for tests to read what it wrote. */
export async function openStoreView(dataDir: string, kind: StoreKind = runStore): Promise<Store> {
  if (kind === 'lowdb') return openLowdbStore(dataDir, { readOnly: true });
  const { openPostgresStore } = await import('../../src/store/postgres/store.js');
  const { systemClock } = await import('../../src/core/ports.js');
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  return openPostgresStore({ url: TEST_DATABASE_URL, schema: schemaFor(dataDir), poolSize: 2, log: silent, clock: systemClock, migrate: false });
}

/** Drops the schema of `dataDir` (PostgreSQL); the directory itself is the caller's. */
export async function dropStoreFor(dataDir: string, kind: StoreKind = runStore): Promise<void> {
  if (kind === 'lowdb') return;
  const { dropSchema } = await import('../helpers/pg-admin.js');
  await dropSchema(schemaFor(dataDir));
}
