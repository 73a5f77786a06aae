/**
 * Versioned SQL migrations (src/store/postgres/migrations/NNNN_name.sql), applied in order at start under a
 * PostgreSQL advisory lock on the schema, so instances starting together migrate once: the first applies,
 * the others wait, then find nothing to do. Each migration runs in its own transaction with its row in
 * safecall_migrations (version, name, checksum). Forward only. A database that has a migration this code
 * does not know (a newer SafeCall ran on it), or whose applied migration was edited, is refused.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { Log } from '../../core/ports.js';
import { PROJECT_ROOT } from '../../project-root.js';
import { StoreVersionError } from '../errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** The .sql files live beside the TypeScript in src/ (also in the built image), found from the project root. */
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'src', 'store', 'postgres', 'migrations');

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return files.map((file, i) => {
    const version = Number(file.slice(0, 4));
    if (version !== i + 1) throw new Error(`Migration ${file} is out of sequence: expected version ${i + 1}.`);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version, name: file.slice(5, -4), sql, checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16) };
  });
}

export interface MigrationStatus {
  applied: number;
  expected: number;
  /** Every migration this code knows is applied. */
  current: boolean;
  /** Applied versions this code does not know (with `allowNewer`): a newer SafeCall has migrated. */
  newer?: number[];
}

const ledger = (schema: string) => `"${schema}".safecall_migrations`;

async function appliedRows(client: pg.ClientBase | pg.Pool, schema: string): Promise<{ version: number; checksum: string }[]> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`"${schema}".safecall_migrations`]);
  if (!exists.rows[0]?.t) return [];
  return (await client.query<{ version: number; checksum: string }>(`SELECT version, checksum FROM ${ledger(schema)} ORDER BY version`)).rows;
}

/** Refuses a database with an edited migration, and one ahead of this code unless `allowNewer`. */
function check(applied: { version: number; checksum: string }[], known: Migration[], schema: string, allowNewer = false): void {
  for (const row of applied) {
    const m = known.find((k) => k.version === row.version);
    if (!m && allowNewer) continue;
    if (!m)
      throw new StoreVersionError(
        `The database schema "${schema}" has migration ${row.version}, which this SafeCall does not know: a newer SafeCall has used it. Run that version (or newer) instead.`,
      );
    if (m.checksum !== row.checksum)
      throw new StoreVersionError(`Migration ${m.version} (${m.name}) applied to schema "${schema}" differs from this SafeCall's copy. Restore the original file; applied migrations are never edited.`);
  }
}

/**
 * What is applied. A database ahead of this code is refused (at start, and for the CLI) unless
 * `allowNewer`: a running instance's health allows it, because during a rolling upgrade the first new
 * instance migrates while the old ones still serve (migrations only ever add tables, columns and indexes).
 */
export async function migrationStatus(pool: pg.Pool, schema: string, known = loadMigrations(), o: { allowNewer?: boolean } = {}): Promise<MigrationStatus> {
  const applied = await appliedRows(pool, schema);
  check(applied, known, schema, o.allowNewer);
  const versions = new Set(applied.map((a) => a.version));
  const newer = applied.filter((a) => !known.some((k) => k.version === a.version)).map((a) => a.version);
  return { applied: applied.length - newer.length, expected: known.length, current: known.every((k) => versions.has(k.version)), ...(newer.length ? { newer } : {}) };
}

/** Applies what is pending; resolves to the versions applied now (empty when already current). */
export async function migrate(pool: pg.Pool, schema: string, log: Log, known = loadMigrations()): Promise<number[]> {
  const client = await pool.connect();
  const lockKey = `safecall:migrations:${schema}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${ledger(schema)} (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = await appliedRows(client, schema);
    check(applied, known, schema);
    const done = new Set(applied.map((a) => a.version));
    const now: number[] = [];
    for (const m of known) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO "${schema}"`);
        await client.query(m.sql);
        await client.query(`INSERT INTO ${ledger(schema)} (version, name, checksum) VALUES ($1, $2, $3)`, [m.version, m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new StoreVersionError(`Migration ${m.version} (${m.name}) failed on schema "${schema}" and was rolled back: ${(err as Error).message}`);
      }
      log.info({ schema, version: m.version, name: m.name }, 'database migration applied');
      now.push(m.version);
    }
    return now;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    client.release();
  }
}
