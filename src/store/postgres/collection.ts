/**
 * A Collection in one PostgreSQL table (src/store/postgres/migrations/). Compare-and-set is a conditional
 * UPDATE (or INSERT … ON CONFLICT … WHERE) on the revision, so two instances never both win; claims take
 * due rows with FOR UPDATE SKIP LOCKED, so two instances claiming at once get different rows and neither
 * waits for the other. Time comes from the store's Clock as a parameter (never SQL now()), like the other
 * stores, so leases and expiry follow the same clock everywhere. Values travel as JSON text both ways.
 */
import type pg from 'pg';
import type { CollectionSpec } from '../../core/collections.js';
import type { Claimed, Clock, Collection, IndexQuery, StoredEntry, Versioned, WriteOptions } from '../../core/ports.js';

/** Index names are camelCase in src/core/collections.ts, columns snake_case with an ix_ prefix. */
export const indexColumn = (index: string) => `ix_${index.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;

/** What a collection needs of the pool: queries only (the store's guarded pool, see store.ts). */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const LIVE = (nowParam: string) => `(expires_at IS NULL OR expires_at > ${nowParam})`;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

interface Row {
  key: string;
  value: unknown;
  revision: number;
  ix?: string;
}

export class PgCollection<T> implements Collection<T> {
  private readonly table: string;
  private readonly indexNames: string[];
  private readonly columns: string[];

  constructor(
    private readonly spec: CollectionSpec<T>,
    private readonly pool: Queryable,
    schema: string,
    private readonly clock: Clock,
  ) {
    this.table = `"${schema}"."${spec.name}"`;
    this.indexNames = Object.keys(spec.indexes);
    this.columns = this.indexNames.map(indexColumn);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private indexValues(value: T): (string | null)[] {
    return this.indexNames.map((name) => this.spec.indexes[name]!(value) ?? null);
  }

  private column(index: string): string {
    if (!(index in this.spec.indexes)) throw new Error(`The ${this.spec.name} collection has no index "${index}".`);
    return indexColumn(index);
  }

  async get(key: string): Promise<T | undefined> {
    const r = await this.pool.query<Row>(`SELECT value FROM ${this.table} WHERE key = $1 AND ${LIVE('$2')}`, [key, this.now()]);
    return r.rows[0]?.value as T | undefined;
  }

  async read(key: string): Promise<Versioned<T> | undefined> {
    const r = await this.pool.query<Row>(`SELECT key, value, revision FROM ${this.table} WHERE key = $1 AND ${LIVE('$2')}`, [key, this.now()]);
    const row = r.rows[0];
    return row ? { key: row.key, value: row.value as T, revision: row.revision } : undefined;
  }

  async list(): Promise<T[]> {
    const r = await this.pool.query<Row>(`SELECT value FROM ${this.table} WHERE ${LIVE('$1')} ORDER BY key`, [this.now()]);
    return r.rows.map((row) => row.value as T);
  }

  async entries(): Promise<StoredEntry<T>[]> {
    const r = await this.pool.query<{ key: string; value: unknown; expires_at: Date | null }>(
      `SELECT key, value, expires_at FROM ${this.table} WHERE ${LIVE('$1')} ORDER BY key`,
      [this.now()],
    );
    return r.rows.map((row) => ({ key: row.key, value: row.value as T, ...(row.expires_at ? { expiresAt: row.expires_at.toISOString() } : {}) }));
  }

  /** The WHERE clause for an index query, with parameters from `$first` on. */
  private selection(q: IndexQuery, params: unknown[]): { where: string; column: string } {
    const column = this.column(q.index);
    const parts = [`${column} IS NOT NULL`];
    const add = (op: string, v: string) => {
      params.push(v);
      parts.push(`${column} ${op} $${params.length}`);
    };
    if (q.equals !== undefined) add('=', q.equals);
    if (q.from !== undefined) add('>=', q.from);
    if (q.before !== undefined) add('<', q.before);
    return { where: parts.join(' AND '), column };
  }

  async query(q: IndexQuery): Promise<Versioned<T>[]> {
    const params: unknown[] = [this.now()];
    const { where, column } = this.selection(q, params);
    params.push(q.limit ?? null);
    const r = await this.pool.query<Row>(
      `SELECT key, value, revision FROM ${this.table} WHERE ${where} AND ${LIVE('$1')} ORDER BY ${column}, key LIMIT $${params.length}`,
      params,
    );
    return r.rows.map((row) => ({ key: row.key, value: row.value as T, revision: row.revision }));
  }

  /** Parameters $1 key, $2 value, $3 expires_at, $4… the index columns; then the caller's. */
  private writeParams(key: string, value: T, opts?: WriteOptions): unknown[] {
    return [key, JSON.stringify(value), opts?.expiresAt?.toISOString() ?? null, ...this.indexValues(value)];
  }

  private get insertColumns(): string {
    return ['key', 'value', 'revision', 'expires_at', 'lease_owner', 'lease_until', ...this.columns].join(', ');
  }

  private get insertValues(): string {
    return ['$1', '$2', '1', '$3', 'NULL', 'NULL', ...this.columns.map((_, i) => `$${i + 4}`)].join(', ');
  }

  /** SET list for overwriting a row from the write parameters (revision handled by the caller). */
  private get setColumns(): string {
    return ['value = $2', 'expires_at = $3', 'lease_owner = NULL', 'lease_until = NULL', ...this.columns.map((c, i) => `${c} = $${i + 4}`)].join(', ');
  }

  async put(key: string, value: T, opts?: WriteOptions): Promise<number> {
    const r = await this.pool.query<Row>(
      `INSERT INTO ${this.table} AS t (${this.insertColumns}) VALUES (${this.insertValues})
       ON CONFLICT (key) DO UPDATE SET ${this.setColumns}, revision = t.revision + 1
       RETURNING revision`,
      this.writeParams(key, value, opts),
    );
    return r.rows[0]!.revision;
  }

  async putIf(key: string, value: T, expected: number, opts?: WriteOptions): Promise<number | undefined> {
    const params = this.writeParams(key, value, opts);
    params.push(this.now());
    const now = `$${params.length}`;
    let r: pg.QueryResult<Row>;
    if (expected === 0) {
      // Absent, or present but expired (which every read treats as absent).
      r = await this.pool.query<Row>(
        `INSERT INTO ${this.table} AS t (${this.insertColumns}) VALUES (${this.insertValues})
         ON CONFLICT (key) DO UPDATE SET ${this.setColumns}, revision = t.revision + 1
         WHERE t.expires_at IS NOT NULL AND t.expires_at <= ${now}
         RETURNING revision`,
        params,
      );
    } else {
      params.push(expected);
      r = await this.pool.query<Row>(
        `UPDATE ${this.table} SET ${this.setColumns}, revision = revision + 1
         WHERE key = $1 AND revision = $${params.length} AND ${LIVE(now)}
         RETURNING revision`,
        params,
      );
    }
    return r.rows[0]?.revision;
  }

  async delete(key: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE key = $1`, [key]);
  }

  async deleteIf(key: string, expected: number): Promise<boolean> {
    const r = await this.pool.query(`DELETE FROM ${this.table} WHERE key = $1 AND revision = $2 AND ${LIVE('$3')}`, [key, expected, this.now()]);
    return (r.rowCount ?? 0) > 0;
  }

  async update(key: string, fn: (current: T | undefined) => T | undefined, opts?: WriteOptions): Promise<T | undefined> {
    for (;;) {
      const current = await this.read(key);
      const next = fn(current ? current.value : undefined);
      if (next === undefined) {
        if (!current) return undefined;
        if (await this.deleteIf(key, current.revision)) return undefined;
        continue;
      }
      if ((await this.putIf(key, next, current?.revision ?? 0, opts)) !== undefined) return clone(next);
    }
  }

  async claim(q: IndexQuery & { owner: string; leaseMs: number }): Promise<Claimed<T>[]> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + q.leaseMs).toISOString();
    const params: unknown[] = [now.toISOString()];
    const { where, column } = this.selection(q, params);
    params.push(q.limit ?? null, q.owner, until);
    const [limit, owner, untilP] = [params.length - 2, params.length - 1, params.length].map((n) => `$${n}`);
    const r = await this.pool.query<Row>(
      `WITH due AS (
         SELECT key FROM ${this.table}
         WHERE ${where} AND ${LIVE('$1')} AND (lease_until IS NULL OR lease_until <= $1)
         ORDER BY ${column}, key LIMIT ${limit}
         FOR UPDATE SKIP LOCKED)
       UPDATE ${this.table} AS t SET revision = t.revision + 1, lease_owner = ${owner}, lease_until = ${untilP}
       FROM due WHERE t.key = due.key
       RETURNING t.key, t.value, t.revision, t.${column} AS ix`,
      params,
    );
    const rows = r.rows.sort((a, b) => (a.ix! < b.ix! ? -1 : a.ix! > b.ix! ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return rows.map((row) => ({ key: row.key, value: row.value as T, revision: row.revision, lease: { owner: q.owner, until } }));
  }

  async release(key: string, owner: string): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE ${this.table} SET lease_owner = NULL, lease_until = NULL, revision = revision + 1
       WHERE key = $1 AND lease_owner = $2 AND lease_until > $3 AND ${LIVE('$3')}`,
      [key, owner, this.now()],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async sweep(): Promise<number> {
    const r = await this.pool.query(`DELETE FROM ${this.table} WHERE expires_at IS NOT NULL AND expires_at <= $1`, [this.now()]);
    return r.rowCount ?? 0;
  }
}
