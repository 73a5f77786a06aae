/**
 * One short-lived connection to the test PostgreSQL server, for tests that look at tables directly or drop
 * the schemas they made.
 */
import pg from 'pg';
import { TEST_DATABASE_URL } from '../rig/store-env.js';

export async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export const dropSchema = (schema: string) => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined);
