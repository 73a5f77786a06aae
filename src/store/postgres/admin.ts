/**
 * `safecall migrate` on PostgreSQL: the migrations the server runs at start, run (or only reported) by an
 * admin before an upgrade, without opening the store. Same advisory lock, so it is safe beside running
 * instances.
 */
import pg from 'pg';
import type { Log } from '../../core/ports.js';
import { loadMigrations, migrate, migrationStatus } from './migrations.js';
import { describeUrl, firstContact } from './store.js';

export interface MigrationReport {
  where: string;
  applied: number;
  expected: number;
  /** Applied by this run. */
  now: { version: number; name: string }[];
  /** Still to apply (with `statusOnly`). */
  pending: { version: number; name: string }[];
}

export async function postgresMigrations(o: { url: string; schema: string; log: Log; statusOnly: boolean }): Promise<MigrationReport> {
  const where = describeUrl(o.url, o.schema);
  const pool = new pg.Pool({ connectionString: o.url, max: 1, connectionTimeoutMillis: 5000, application_name: 'safecall-migrate' });
  pool.on('error', () => undefined);
  await firstContact(pool, where);
  try {
    const known = loadMigrations();
    const name = (v: number) => known.find((m) => m.version === v)?.name ?? '?';
    const done = o.statusOnly ? [] : await migrate(pool, o.schema, o.log, known);
    const status = await migrationStatus(pool, o.schema, known);
    return {
      where,
      applied: status.applied,
      expected: status.expected,
      now: done.map((version) => ({ version, name: name(version) })),
      pending: known.slice(status.applied).map((m) => ({ version: m.version, name: m.name })),
    };
  } finally {
    await pool.end().catch(() => undefined);
  }
}
