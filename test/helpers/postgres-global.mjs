/**
 * Global setup and teardown of the "postgres" jest project: a run id for this run's schemas, and every
 * schema of the run dropped at the end, including those of tests that failed before cleaning up. Whether
 * the server is there is scripts/test-deps.mjs's question (`npm test`'s pretest starts it when it can):
 * without it the project's tests are skipped with the reason (postgres-needed.ts), and this does nothing.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const url = () => process.env.SAFECALL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function connect() {
  const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return client;
  } catch {
    await client.end().catch(() => undefined);
    return undefined;
  }
}

export async function setup() {
  process.env.SAFECALL_TEST_RUN ??= randomBytes(4).toString('hex');
}

export async function teardown() {
  const client = await connect();
  if (!client) return; // nothing ran on it
  try {
    const prefix = `t_${process.env.SAFECALL_TEST_RUN}_`;
    const { rows } = await client.query('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [prefix]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}
