/**
 * Global setup and teardown of the "postgres" jest project: a run id for this run's schemas, PostgreSQL
 * required (a clear failure, not a skip, when it does not answer), and every schema of the run dropped at
 * the end, including those of tests that failed before cleaning up.
 */
import { randomBytes } from "node:crypto";
import pg from 'pg';

const url = () => process.env.SAFECALL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function setup() {
  process.env.SAFECALL_TEST_RUN ??= randomBytes(4).toString('hex');
  const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `The PostgreSQL tests need a server at ${url()} (${err.message}). ` +
        'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function teardown() {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    const prefix = `t_${process.env.SAFECALL_TEST_RUN}_`;
    const { rows } = await client.query('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [prefix]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}
