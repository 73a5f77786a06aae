/**
 * Moving a school's data between stores (lowdb ⇄ PostgreSQL, or a backup of either): a versioned JSON
 * Lines file. The first line says what it is, one line per record follows, and the last line counts
 * them, so a file cut short is recognised rather than half-imported:
 *
 *   {"format":"safecall-data","version":1,"exportedAt":"…","from":{"kind":"lowdb","where":"/srv/data"},"safecall":"0.1.0"}
 *   {"c":"reports","k":"R-1A2B","v":{…},"e":"2027-09-01T00:00:00.000Z"}
 *   {"end":true,"counts":{"users":12,"reports":3,…}}
 *
 * Values are copied as stored: sealed report content stays sealed (the target needs the same
 * SAFECALL_DATA_KEY), revisions start again at 1 and leases are not carried (they lapse by themselves).
 * Import reads and checks the whole file before it writes anything, refuses a store that already holds
 * data unless told to replace it, and reads back what it wrote.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import PQueue from 'p-queue';
import { z } from 'zod';
import { COLLECTION_NAMES, type CollectionName } from '../core/collections.js';
import type { Collection, Store, StoredEntry } from '../core/ports.js';
import { FILE_MODE } from './atomic-file.js';

export const EXPORT_FORMAT = 'safecall-data';
export const EXPORT_VERSION = 1;

export type Counts = Record<CollectionName, number>;

/** Leases belong to running processes and lapse by themselves: they are not data to move. */
export const TRANSFERRED: CollectionName[] = COLLECTION_NAMES.filter((n) => n !== 'locks');

const collectionName = z.enum(TRANSFERRED as [CollectionName, ...CollectionName[]]);
const iso = z.iso.datetime({ offset: true });

const headerSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.number().int().positive(),
  exportedAt: iso,
  from: z.object({ kind: z.string(), where: z.string() }),
  safecall: z.string().optional(),
});
export type ExportHeader = z.infer<typeof headerSchema>;

const recordSchema = z.strictObject({
  c: collectionName,
  k: z.string().min(1).max(1000),
  v: z.record(z.string(), z.unknown()),
  e: iso.optional(),
});

const trailerSchema = z.strictObject({ end: z.literal(true), counts: z.record(z.string(), z.number().int().nonnegative()) });

export class TransferError extends Error {
  override name = 'TransferError';
}

const zeroCounts = (): Counts => Object.fromEntries(COLLECTION_NAMES.map((n) => [n, 0])) as Counts;
const all = (store: Store, name: CollectionName) => store[name] as Collection<unknown>;

export interface ExportFile {
  header: ExportHeader;
  records: Record<CollectionName, StoredEntry<unknown>[]>;
  counts: Counts;
}

const emptyRecords = () => Object.fromEntries(COLLECTION_NAMES.map((n) => [n, [] as StoredEntry<unknown>[]])) as ExportFile['records'];

/**
 * Every live record of `store`, as an export holds it: one moment's, when the store can give one
 * (`readConsistent`: PostgreSQL and lowdb), so a round marked sent is never exported without its messages.
 */
export async function snapshot(store: Store, o: { version?: string; now?: Date } = {}): Promise<ExportFile> {
  const read = async (view: Pick<Store, CollectionName>) => {
    const records = emptyRecords();
    const counts = zeroCounts();
    for (const name of TRANSFERRED) {
      records[name] = await (view[name] as Collection<unknown>).entries();
      counts[name] = records[name].length;
    }
    return { records, counts };
  };
  const { records, counts } = store.readConsistent ? await store.readConsistent(read) : await read(store);
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: (o.now ?? new Date()).toISOString(),
    from: { kind: store.info.kind, where: store.info.where },
    ...(o.version ? { safecall: o.version } : {}),
  };
  return { header, records, counts };
}

/**
 * Writes every live record of `store` to `file` (mode 0600: it holds what the store holds). The file
 * appears only when complete (written beside it, then renamed), and an existing file is never replaced.
 */
export async function exportData(store: Store, file: string, o: { version?: string; now?: Date } = {}): Promise<ExportFile> {
  if (await stat(file).then(() => true, () => false)) throw new TransferError(`${file} already exists: choose another name or remove it first.`);
  const data = await snapshot(store, o);
  const partial = `${file}.partial`;
  const out = createWriteStream(partial, { flags: 'w', mode: FILE_MODE });
  const write = async (line: unknown) => {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  };
  try {
    await once(out, 'open');
    await write(data.header);
    for (const name of TRANSFERRED)
      for (const e of data.records[name]) await write({ c: name, k: e.key, v: e.value, ...(e.expiresAt ? { e: e.expiresAt } : {}) });
    await write({ end: true, counts: Object.fromEntries(TRANSFERRED.map((n) => [n, data.counts[n]])) });
    out.end();
    await once(out, 'finish');
    const handle = await open(partial, 'r');
    await handle.sync().finally(() => handle.close());
    await rename(partial, file);
    return data;
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}

const issue = (err: z.ZodError) => err.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');

/** Reads and checks a whole export file; throws a TransferError naming the line for anything wrong. */
export async function readExport(file: string): Promise<ExportFile> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let header: ExportHeader | undefined;
  let trailer: z.infer<typeof trailerSchema> | undefined;
  const records = emptyRecords();
  const seen = new Set<string>();
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      if (text.trim() === '') continue;
      const at = `${file} line ${n}`;
      if (trailer) throw new TransferError(`${at}: there is more after the closing line; the file was edited or two files were joined.`);
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new TransferError(`${at} is not JSON${n === 1 ? ': this is not a SafeCall export' : ''}.`);
      }
      if (!header) {
        const h = headerSchema.safeParse(raw);
        if (!h.success) throw new TransferError(`${at}: this is not a SafeCall export (${issue(h.error)}).`);
        if (h.data.version > EXPORT_VERSION)
          throw new TransferError(`${file} is format version ${h.data.version}, written by a newer SafeCall; this one reads up to version ${EXPORT_VERSION}. Import it with that version or newer.`);
        header = h.data;
        continue;
      }
      if (typeof raw === 'object' && raw !== null && 'end' in raw) {
        const t = trailerSchema.safeParse(raw);
        if (!t.success) throw new TransferError(`${at}: the closing line is malformed (${issue(t.error)}).`);
        trailer = t.data;
        continue;
      }
      const r = recordSchema.safeParse(raw);
      if (!r.success) throw new TransferError(`${at}: not a valid record (${issue(r.error)}).`);
      const id = `${r.data.c}\u0000${r.data.k}`;
      if (seen.has(id)) throw new TransferError(`${at}: ${r.data.c} "${r.data.k}" appears twice.`);
      seen.add(id);
      records[r.data.c].push({ key: r.data.k, value: r.data.v, ...(r.data.e ? { expiresAt: r.data.e } : {}) });
    }
  } catch (err) {
    if (err instanceof TransferError) throw err;
    throw new TransferError(`Could not read ${file}: ${(err as Error).message}`);
  } finally {
    lines.close();
  }
  if (!header) throw new TransferError(`${file} is empty.`);
  if (!trailer) throw new TransferError(`${file} ends before its closing line: it was cut short. Export it again.`);
  const counts = zeroCounts();
  for (const name of COLLECTION_NAMES) counts[name] = records[name].length;
  for (const [name, expected] of Object.entries(trailer.counts)) {
    if (!(COLLECTION_NAMES as string[]).includes(name)) throw new TransferError(`${file} counts a collection "${name}" this SafeCall does not have.`);
    if (counts[name as CollectionName] !== expected)
      throw new TransferError(`${file} says it holds ${expected} ${name} but has ${counts[name as CollectionName]}: it is damaged. Export it again.`);
  }
  return { header, records, counts };
}

export interface ImportResult {
  written: Counts;
  /** Records whose expiry had passed (or would within a minute) by the time of the import, left out. */
  expired: number;
  /** Records removed first (with `replace`). */
  replaced: number;
}

/**
 * Writes a checked export into `store`. Refuses a store that holds anything unless `replace` (then it is
 * emptied first). Reads every record back afterwards and throws if any is missing or different.
 */
export async function importData(store: Store, data: ExportFile, o: { replace?: boolean; now: Date; concurrency?: number }): Promise<ImportResult> {
  const running = (await store.locks.entries()).filter((e) => e.value.until > o.now.toISOString());
  if (running.length > 0)
    throw new TransferError(
      `SafeCall is running on ${store.info.where} (its "${running[0]!.key}" lease is held until ${running[0]!.value.until}). Stop every instance before importing, so nothing they write is lost under the import.`,
    );
  const existing = await snapshot(store);
  const held = TRANSFERRED.map((n) => [n, existing.counts[n]] as const).filter(([, c]) => c > 0);
  let replaced = 0;
  if (held.length > 0) {
    if (!o.replace)
      throw new TransferError(
        `${store.info.where} already holds data (${held.map(([n, c]) => `${n}: ${c}`).join(', ')}). Import into an empty store, or pass --replace to remove what it holds first.`,
      );
    for (const name of TRANSFERRED) {
      for (const e of existing.records[name]) {
        await all(store, name).delete(e.key);
        replaced++;
      }
    }
  }
  const queue = new PQueue({ concurrency: o.concurrency ?? 16 });
  const written = zeroCounts();
  let expired = 0;
  // Records about to expire (within a minute) are left out with the expired ones: one that lapsed between
  // its write and the read-back would otherwise read as missing.
  const now = new Date(o.now.getTime() + 60_000).toISOString();
  for (const name of TRANSFERRED) {
    const c = all(store, name);
    for (const e of data.records[name]) {
      if (e.expiresAt && e.expiresAt <= now) {
        expired++;
        continue;
      }
      void queue.add(async () => {
        await c.put(e.key, e.value, e.expiresAt ? { expiresAt: new Date(e.expiresAt) } : {});
        written[name]++;
      });
    }
  }
  await queue.onIdle();
  // Read back: every record written is there with the same value.
  for (const name of TRANSFERRED) {
    const stored = new Map((await all(store, name).entries()).map((e) => [e.key, JSON.stringify(e.value)]));
    const expected = data.records[name].filter((e) => !(e.expiresAt && e.expiresAt <= now));
    const wrong = expected.filter((e) => stored.get(e.key) !== JSON.stringify(e.value));
    if (wrong.length > 0 || stored.size !== expected.length)
      throw new TransferError(`After the import ${name} holds ${stored.size} records, ${wrong.length} of them different from the file (expected ${expected.length}). The store may hold part of the file: run the import again with --replace.`);
  }
  return { written, expired, replaced };
}
