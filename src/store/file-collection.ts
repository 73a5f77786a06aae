/**
 * A Collection on disk: its records in PartitionFiles (one, or one per partition for collections that
 * grow with history), every record also in memory with a sorted index per declared index, so a query is a
 * binary search, not a scan. Every write decides on the in-memory state synchronously (no await between
 * reading the revision and queuing the change), so compare-and-set needs no retries here; the promise of a
 * durable write resolves once its journal line is fsynced. Reads may see a write whose fsync is still in
 * progress (a crash then loses it, and its writer never heard it succeed).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CollectionSpec } from '../core/collections.js';
import type { Claimed, Clock, Collection, IndexQuery, Log, StoredEntry, Versioned, WriteOptions } from '../core/ports.js';
import { ReadOnlyStoreError, StoreLockedError } from './errors.js';
import { PartitionFile, type Envelope } from './partition-file.js';
import { SortedIndex } from './sorted-index.js';

export interface StoreState {
  dir: string;
  readOnly: boolean;
  log: Log;
  closed: boolean;
  lockLost: boolean;
  clock: Clock;
  /** How long `durable: false` writes may wait for the disk. */
  lazyMs: number;
  /** Journal fsyncs since open. */
  fsyncs: number;
  /** A reader serves reads from memory without looking at the files again (during a consistent read). */
  frozen?: boolean;
}

/** JSON round trip: what callers get back is exactly what is on disk. */
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const PARTITION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Just after `iso` in string order: `v < after(iso)` is `v <= iso`. */
const justAfter = (iso: string) => `${iso}\u0000`;

export class FileCollection<T> implements Collection<T> {
  readonly name: string;
  private readonly parts = new Map<string, PartitionFile<T>>();
  private readonly partOf = new Map<string, PartitionFile<T>>();
  private readonly indexes = new Map<string, SortedIndex>();
  private readonly expiring = new SortedIndex();
  /** Changes applied in memory since open (writes, and a reader's reloads): see changeMark(). */
  private changes = 0;

  constructor(private readonly spec: CollectionSpec<T>, private readonly s: StoreState) {
    this.name = spec.name;
    for (const name of Object.keys(spec.indexes)) this.indexes.set(name, new SortedIndex());
  }

  private get partitioned(): boolean {
    return this.spec.partition !== undefined;
  }

  private partition(name: string): PartitionFile<T> {
    let part = this.parts.get(name);
    if (part) return part;
    const base = this.partitioned ? join(this.s.dir, this.name, name) : join(this.s.dir, this.name);
    const label = this.partitioned ? `${this.name}/${name}` : this.name;
    part = new PartitionFile<T>(label, `${base}.json`, `${base}.log`, {
      readOnly: this.s.readOnly,
      lazyMs: this.s.lazyMs,
      log: this.s.log,
      onChange: (key, env) => this.indexChange(part!, key, env),
      onSync: () => void (this.s.fsyncs += 1),
    });
    this.parts.set(name, part);
    return part;
  }

  private indexChange(part: PartitionFile<T>, key: string, env: Envelope<T> | undefined): void {
    this.changes += 1;
    if (!env && this.partOf.get(key) !== part) return;
    if (env) this.partOf.set(key, part);
    else this.partOf.delete(key);
    for (const [name, index] of this.indexes) index.set(key, env ? this.spec.indexes[name]!(env.value) : undefined);
    this.expiring.set(key, env?.expiresAt);
  }

  /** Loads every partition; read-only stores call it before each read to see the writer's changes. */
  async load(): Promise<number> {
    for (const name of await this.partitionNames()) await this.bulk(() => this.partition(name).load());
    return this.partOf.size;
  }

  /** Runs a file load with the indexes sorted once at the end, not kept sorted record by record. */
  private async bulk(load: () => Promise<void>): Promise<void> {
    const all = [...this.indexes.values(), this.expiring];
    all.forEach((i) => i.beginBulk());
    try {
      await load();
    } finally {
      all.forEach((i) => i.endBulk());
    }
  }

  private async partitionNames(): Promise<string[]> {
    if (!this.partitioned) return [''];
    const entries = await readdir(join(this.s.dir, this.name)).catch(() => [] as string[]);
    const names = new Set(entries.map((f) => /^(.+)\.(json|log)$/.exec(f)?.[1]).filter((n): n is string => !!n && PARTITION_NAME.test(n)));
    for (const known of this.parts.keys()) names.add(known); // a dropped partition reloads as empty
    return [...names].sort();
  }

  private async fresh(): Promise<void> {
    if (!this.s.readOnly || this.s.frozen) return;
    for (const name of await this.partitionNames()) await this.bulk(() => this.partition(name).refresh());
  }

  private now(): string {
    return this.s.clock.now().toISOString();
  }

  private raw(key: string): Envelope<T> | undefined {
    return this.partOf.get(key)?.records.get(key);
  }

  private live(key: string): Envelope<T> | undefined {
    const env = this.raw(key);
    return env && !(env.expiresAt !== undefined && env.expiresAt <= this.now()) ? env : undefined;
  }

  private versioned(key: string, env: Envelope<T>): Versioned<T> {
    return { key, value: clone(env.value), revision: env.revision };
  }

  async get(key: string): Promise<T | undefined> {
    await this.fresh();
    const env = this.live(key);
    return env ? clone(env.value) : undefined;
  }

  async read(key: string): Promise<Versioned<T> | undefined> {
    await this.fresh();
    const env = this.live(key);
    return env ? this.versioned(key, env) : undefined;
  }

  async list(): Promise<T[]> {
    await this.fresh();
    const now = this.now();
    const out: T[] = [];
    for (const part of this.parts.values())
      for (const env of part.records.values()) if (!(env.expiresAt !== undefined && env.expiresAt <= now)) out.push(clone(env.value));
    return out;
  }

  async entries(): Promise<StoredEntry<T>[]> {
    await this.fresh();
    const out: StoredEntry<T>[] = [];
    for (const key of [...this.partOf.keys()].sort()) {
      const env = this.live(key);
      if (env) out.push({ key, value: clone(env.value), ...(env.expiresAt !== undefined ? { expiresAt: env.expiresAt } : {}) });
    }
    return out;
  }

  private index(name: string): SortedIndex {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`The ${this.name} collection has no index "${name}".`);
    return index;
  }

  async query(q: IndexQuery): Promise<Versioned<T>[]> {
    await this.fresh();
    const index = this.index(q.index);
    return index.keys(q, (k) => this.live(k) !== undefined).map((k) => this.versioned(k, this.raw(k)!));
  }

  /** Refuses writes the store cannot make; undefined when the write may go ahead. */
  private refusal(): Error | undefined {
    const { s } = this;
    if (s.readOnly) return new ReadOnlyStoreError(s.dir);
    if (s.closed) return new Error(`The SafeCall data store at ${s.dir} has been closed.`);
    if (s.lockLost) return new StoreLockedError(s.dir);
    return undefined;
  }

  /** Queues a change to `key` (undefined deletes) in its partition, fixed when the record is first written. */
  private commit(key: string, env: Envelope<T> | undefined, durable = true): Promise<void> {
    let part = this.partOf.get(key);
    if (!part) {
      if (!env) return Promise.resolve();
      const name = this.spec.partition ? this.spec.partition(key, env.value) : '';
      if (this.partitioned && !PARTITION_NAME.test(name)) throw new Error(`Bad partition name for the ${this.name} collection.`);
      part = this.partition(name);
    }
    return part.write(key, env, durable);
  }

  private envelope(key: string, value: T, opts: WriteOptions = {}): Envelope<T> {
    const env: Envelope<T> = { value: clone(value), revision: (this.raw(key)?.revision ?? 0) + 1 };
    if (opts.expiresAt) env.expiresAt = opts.expiresAt.toISOString();
    return env;
  }

  async put(key: string, value: T, opts?: WriteOptions): Promise<number> {
    const refused = this.refusal();
    if (refused) throw refused;
    const env = this.envelope(key, value, opts);
    await this.commit(key, env, opts?.durable ?? true);
    return env.revision;
  }

  async putIf(key: string, value: T, expected: number, opts?: WriteOptions): Promise<number | undefined> {
    const refused = this.refusal();
    if (refused) throw refused;
    if ((this.live(key)?.revision ?? 0) !== expected) return undefined;
    const env = this.envelope(key, value, opts);
    await this.commit(key, env, opts?.durable ?? true);
    return env.revision;
  }

  async delete(key: string): Promise<void> {
    const refused = this.refusal();
    if (refused) throw refused;
    if (this.raw(key)) await this.commit(key, undefined);
  }

  async deleteIf(key: string, expected: number): Promise<boolean> {
    const refused = this.refusal();
    if (refused) throw refused;
    const env = this.live(key);
    if (!env || env.revision !== expected) return false;
    await this.commit(key, undefined);
    return true;
  }

  async update(key: string, fn: (current: T | undefined) => T | undefined, opts?: WriteOptions): Promise<T | undefined> {
    const refused = this.refusal();
    if (refused) throw refused;
    const env = this.live(key);
    const next = fn(env ? clone(env.value) : undefined);
    if (next === undefined) {
      if (env) await this.commit(key, undefined);
      return undefined;
    }
    await this.commit(key, this.envelope(key, next, opts), opts?.durable ?? true);
    return clone(next);
  }

  async claim(q: IndexQuery & { owner: string; leaseMs: number }): Promise<Claimed<T>[]> {
    const refused = this.refusal();
    if (refused) throw refused;
    const now = this.s.clock.now();
    const nowIso = now.toISOString();
    const lease = { owner: q.owner, until: new Date(now.getTime() + q.leaseMs).toISOString() };
    const free = (k: string) => {
      const env = this.live(k);
      return env !== undefined && !(env.lease && env.lease.until > nowIso);
    };
    const claimed: Claimed<T>[] = [];
    const writes: Promise<void>[] = [];
    for (const key of this.index(q.index).keys(q, free)) {
      const env: Envelope<T> = { ...this.raw(key)!, revision: this.raw(key)!.revision + 1, lease };
      writes.push(this.commit(key, env));
      claimed.push({ ...this.versioned(key, env), lease: { ...lease } });
    }
    await Promise.all(writes);
    return claimed;
  }

  async release(key: string, owner: string): Promise<boolean> {
    const refused = this.refusal();
    if (refused) throw refused;
    const env = this.live(key);
    if (!env?.lease || env.lease.owner !== owner || env.lease.until <= this.now()) return false;
    const { lease: _ended, ...rest } = env;
    await this.commit(key, { ...rest, revision: env.revision + 1 });
    return true;
  }

  async sweep(): Promise<number> {
    const refused = this.refusal();
    if (refused) throw refused;
    const gone = this.expiring.keys({ index: 'expiresAt', before: justAfter(this.now()) });
    await Promise.all(gone.map((k) => this.commit(k, undefined)));
    if (this.partitioned) await Promise.all([...this.parts.values()].filter((p) => p.records.size === 0).map((p) => p.drop()));
    return gone.length;
  }

  /** Changes applied in memory since open: equal before and after a series of reads when none came between. */
  changeCount(): number {
    return this.changes;
  }

  /** A reader: loads whatever changed on disk since the last load. */
  async refresh(): Promise<void> {
    await this.fresh();
  }

  /** A reader: whether every file of the collection is as it was when last loaded (and no partition appeared). */
  async unchangedOnDisk(): Promise<boolean> {
    const names = await this.partitionNames();
    if (names.some((n) => !this.parts.has(n))) return false;
    for (const n of names) if (!(await this.partition(n).unchanged())) return false;
    return true;
  }

  /** Writes what is queued and folds journals into snapshots (close). */
  async settle(): Promise<void> {
    await Promise.all([...this.parts.values()].map((p) => p.settle()));
  }
}
