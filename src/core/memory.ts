/**
 * The in-memory Store: the reference implementation of the Collection contract, for core tests and the
 * CLI's dry runs. Every operation runs in one tick, so nothing interleaves inside it.
 */
import { COLLECTION_NAMES, COLLECTIONS, type CollectionSpec, type StoreCollections } from './collections.js';
import type { Claimed, Clock, Collection, IndexQuery, Lease, Store, StoredEntry, Versioned, WriteOptions } from './ports.js';
import { systemClock } from './ports.js';

interface Entry<T> {
  value: T;
  revision: number;
  expiresAt?: string;
  lease?: Lease;
}

/** Index value order, then key order: the order every implementation returns query results in. */
export const byIndexThenKey = (a: [string, string], b: [string, string]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

export function matches(q: IndexQuery, v: string | undefined): v is string {
  if (v === undefined) return false;
  if (q.equals !== undefined && v !== q.equals) return false;
  if (q.from !== undefined && v < q.from) return false;
  if (q.before !== undefined && v >= q.before) return false;
  return true;
}

export class MemoryCollection<T> implements Collection<T> {
  private readonly items = new Map<string, Entry<T>>();

  constructor(
    private readonly spec: CollectionSpec<T>,
    private readonly clock: Clock = systemClock,
  ) {}

  private live(key: string): Entry<T> | undefined {
    const e = this.items.get(key);
    if (e?.expiresAt && e.expiresAt <= this.clock.now().toISOString()) return undefined;
    return e;
  }

  private write(key: string, value: T | undefined, opts: WriteOptions = {}): number {
    const prev = this.items.get(key);
    const revision = (prev?.revision ?? 0) + 1;
    if (value === undefined) this.items.delete(key);
    else this.items.set(key, { value: structuredClone(value), revision, expiresAt: opts.expiresAt?.toISOString() });
    return revision;
  }

  async get(key: string) {
    const e = this.live(key);
    return e ? structuredClone(e.value) : undefined;
  }

  async read(key: string): Promise<Versioned<T> | undefined> {
    const e = this.live(key);
    return e ? { key, value: structuredClone(e.value), revision: e.revision } : undefined;
  }

  async list() {
    return [...this.items.keys()].flatMap((k) => {
      const e = this.live(k);
      return e ? [structuredClone(e.value)] : [];
    });
  }

  async entries(): Promise<StoredEntry<T>[]> {
    return [...this.items.keys()].sort().flatMap((key) => {
      const e = this.live(key);
      return e ? [{ key, value: structuredClone(e.value), ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}) }] : [];
    });
  }

  private select(q: IndexQuery): [string, string][] {
    const index = this.spec.indexes[q.index];
    if (!index) throw new Error(`The ${this.spec.name} collection has no index "${q.index}".`);
    const hits: [string, string][] = [];
    for (const key of this.items.keys()) {
      const e = this.live(key);
      if (!e) continue;
      const v = index(e.value);
      if (matches(q, v)) hits.push([v, key]);
    }
    return hits.sort(byIndexThenKey);
  }

  async query(q: IndexQuery): Promise<Versioned<T>[]> {
    const hits = this.select(q).slice(0, q.limit ?? Number.POSITIVE_INFINITY);
    return hits.map(([, key]) => {
      const e = this.items.get(key)!;
      return { key, value: structuredClone(e.value), revision: e.revision };
    });
  }

  async put(key: string, value: T, opts?: WriteOptions) {
    return this.write(key, value, opts);
  }

  async putIf(key: string, value: T, expected: number, opts?: WriteOptions) {
    const current = this.live(key)?.revision ?? 0;
    if (current !== expected) return undefined;
    return this.write(key, value, opts);
  }

  async delete(key: string) {
    this.items.delete(key);
  }

  async deleteIf(key: string, expected: number) {
    const e = this.live(key);
    if (!e || e.revision !== expected) return false;
    this.items.delete(key);
    return true;
  }

  async update(key: string, fn: (current: T | undefined) => T | undefined, opts?: WriteOptions) {
    const e = this.live(key);
    const next = fn(e ? structuredClone(e.value) : undefined);
    if (next === undefined && !e) return undefined;
    this.write(key, next, opts);
    return next === undefined ? undefined : structuredClone(next);
  }

  async claim(q: IndexQuery & { owner: string; leaseMs: number }): Promise<Claimed<T>[]> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + q.leaseMs).toISOString();
    const claimed: Claimed<T>[] = [];
    for (const [, key] of this.select(q)) {
      if (claimed.length >= (q.limit ?? Number.POSITIVE_INFINITY)) break;
      const e = this.items.get(key)!;
      if (e.lease && e.lease.until > now.toISOString()) continue;
      e.revision += 1;
      e.lease = { owner: q.owner, until };
      claimed.push({ key, value: structuredClone(e.value), revision: e.revision, lease: { ...e.lease } });
    }
    return claimed;
  }

  async release(key: string, owner: string) {
    const e = this.live(key);
    if (!e?.lease || e.lease.owner !== owner || e.lease.until <= this.clock.now().toISOString()) return false;
    e.lease = undefined;
    e.revision += 1;
    return true;
  }

  async sweep() {
    const now = this.clock.now().toISOString();
    let removed = 0;
    for (const [key, e] of this.items) {
      if (e.expiresAt && e.expiresAt <= now) {
        this.items.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}

export function memoryStore(clock: Clock = systemClock): Store {
  const collections = Object.fromEntries(
    COLLECTION_NAMES.map((name) => [name, new MemoryCollection(COLLECTIONS[name] as CollectionSpec<unknown>, clock)]),
  ) as unknown as StoreCollections;
  return {
    ...collections,
    writable: async () => true,
    info: { kind: 'memory', where: 'memory', shared: false },
    health: async () => ({ ok: true, writable: true }),
    close: async () => undefined,
  };
}
