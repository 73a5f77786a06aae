/**
 * A lowdb Adapter that stores one JSON document in one file, written atomically and durably:
 * write-file-atomic writes a temp file, fsyncs it and renames it over the target, then we fsync the
 * directory so the rename itself survives a power cut. A kill -9 mid-write leaves either the old or
 * the new file, never a torn one. Files are private to the service account (mode 0600).
 */
import { open, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { StoreCorruptError } from './errors.js';
import { describeJsonError } from './json-error.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Parses `text` as JSON, or throws StoreCorruptError naming `file` and the line/column. */
export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new StoreCorruptError(file, describeJsonError(text, err));
  }
}

/** Checks `data` against `schema`, or throws StoreCorruptError describing the first problem (no values). */
export function checkShape<S extends z.ZodType>(file: string, schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at "${issue.path.map(String).join('.')}"` : '';
  throw new StoreCorruptError(file, `unexpected layout${where}: ${issue?.message ?? 'invalid'}`);
}

/** Reads a file, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** fsync a directory so a rename in it is durable. Not supported everywhere (Windows): best effort. */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Atomic, durable write of `data` as JSON (mode 0600); pretty unless `compact` (large snapshots). */
export async function writeJsonAtomic(file: string, data: unknown, compact = false): Promise<void> {
  await writeFileAtomic(file, (compact ? JSON.stringify(data) : JSON.stringify(data, null, 2)) + '\n', { mode: FILE_MODE, fsync: true });
  await syncDir(dirname(file));
}

export class AtomicJsonFile<T> implements Adapter<T> {
  readonly name: string;

  constructor(
    readonly file: string,
    /** Validates parsed content; throws StoreCorruptError when the shape is wrong. */
    private readonly validate: (data: unknown, file: string) => T,
    private readonly compact = false,
  ) {
    this.name = basename(file);
  }

  async read(): Promise<T | null> {
    const text = await readIfExists(this.file);
    if (text === undefined) return null;
    return this.validate(parseJson(this.file, text), this.file);
  }

  async write(data: T): Promise<void> {
    await writeJsonAtomic(this.file, data, this.compact);
  }
}
