/**
 * Data-directory schema versions. meta.json records the version; at open, older data is upgraded
 * step by step (each step idempotent, so a crash mid-migration is repaired by the next start) and
 * data from a newer SafeCall is refused rather than misread.
 */
import { chmod, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Log } from '../core/ports.js';
import { AtomicJsonFile, FILE_MODE, checkShape, parseJson, readIfExists, syncDir, writeJsonAtomic } from './atomic-file.js';
import { StoreVersionError } from './errors.js';

export const CURRENT_SCHEMA_VERSION = 2;
export const META_FILE = 'meta.json';
export const LEGACY_FILE = 'db.json';
/** The collections of schema versions 0 and 1 (later collections start in the current layout). */
export const COLLECTIONS = ['users', 'conversations', 'dialogs', 'requests'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

export const metaSchema = z.object({
  schemaVersion: z.number().int().nonnegative(),
  createdAt: z.string(),
  migratedAt: z.string().optional(),
});
export type Meta = z.infer<typeof metaSchema>;

export interface Migration {
  from: number;
  to: number;
  description: string;
  run(dir: string, log: Log): Promise<void>;
}

const records = z.record(z.string(), z.unknown());
const legacySchema = z.object({
  users: records.optional(),
  conversations: records.optional(),
  dialogs: records.optional(),
  requests: records.optional(),
});

/** Version 0: everything in one db.json `{ users: {...}, conversations: {...} }`. Version 1: a file per collection. */
const splitLegacyDbJson: Migration = {
  from: 0,
  to: 1,
  description: 'split db.json into one file per collection',
  async run(dir, log) {
    const legacyFile = join(dir, LEGACY_FILE);
    const text = await readIfExists(legacyFile);
    if (text === undefined) return;
    const raw = parseJson(legacyFile, text);
    const legacy = checkShape(legacyFile, legacySchema, raw);
    for (const name of COLLECTIONS) {
      const recs = legacy[name];
      if (recs === undefined) continue;
      await writeJsonAtomic(join(dir, `${name}.json`), { records: recs });
      log.info({ collection: name, count: Object.keys(recs).length }, 'moved collection out of db.json');
    }
    const other = Object.keys(raw as object).filter((k) => !(COLLECTIONS as readonly string[]).includes(k));
    if (other.length > 0) log.warn({ sections: other }, 'db.json had sections SafeCall does not use; they remain in db.json.bak');
    await rename(legacyFile, `${legacyFile}.bak`);
    await chmod(`${legacyFile}.bak`, FILE_MODE);
    await syncDir(dir);
  },
};

const v1File = z.object({ records: records, format: z.number().optional() });

/**
 * Version 1: `<name>.json` is `{ records: { key: value } }`. Version 2: `{ format: 2, records: { key:
 * { value, revision } } }` (revision, expiry and lease kept with each record) plus a `<name>.log`
 * journal. A file already carrying `format: 2` was converted by an interrupted earlier run.
 */
const wrapRecordsInEnvelopes: Migration = {
  from: 1,
  to: 2,
  description: 'keep a revision with every record',
  async run(dir, log) {
    for (const name of COLLECTIONS) {
      const file = join(dir, `${name}.json`);
      const text = await readIfExists(file);
      if (text === undefined) continue;
      const v1 = checkShape(file, v1File, parseJson(file, text));
      if (v1.format === 2) continue;
      const wrapped = Object.fromEntries(Object.entries(v1.records).map(([k, value]) => [k, { value, revision: 1 }]));
      await writeJsonAtomic(file, { format: 2, records: wrapped });
      log.info({ collection: name, count: Object.keys(wrapped).length }, 'gave every record a revision');
    }
  },
};

export const MIGRATIONS: readonly Migration[] = [splitLegacyDbJson, wrapRecordsInEnvelopes];

/**
 * Brings `dir` to CURRENT_SCHEMA_VERSION (writing meta.json), or throws StoreVersionError.
 * Read-only: never writes; refuses data that still needs migrating.
 */
export async function prepareSchema(dir: string, opts: { log: Log; readOnly: boolean; now?: () => Date }): Promise<Meta> {
  const { log, readOnly } = opts;
  const now = () => (opts.now?.() ?? new Date()).toISOString();
  const metaFile = new AtomicJsonFile<Meta>(join(dir, META_FILE), (d, f) => checkShape(f, metaSchema, d));
  let meta = await metaFile.read();
  const hasLegacy = (await readIfExists(join(dir, LEGACY_FILE))) !== undefined;
  // Collection files without meta.json (copied over by hand, say) are taken to be schema 1 and upgraded.
  const hasV1Files = !hasLegacy && !meta && (await Promise.all(COLLECTIONS.map((n) => readIfExists(join(dir, `${n}.json`))))).some((t) => t !== undefined);
  const version = meta?.schemaVersion ?? (hasLegacy ? 0 : hasV1Files ? 1 : undefined);

  if (version === undefined) {
    meta = { schemaVersion: CURRENT_SCHEMA_VERSION, createdAt: now() };
    if (!readOnly) {
      await metaFile.write(meta);
      log.info({ schemaVersion: meta.schemaVersion }, 'initialised data directory');
    }
    return meta;
  }
  if (version > CURRENT_SCHEMA_VERSION) {
    throw new StoreVersionError(
      `Cannot open ${dir}: data was written by a newer SafeCall (schema ${version}); upgrade SafeCall ` +
        `(this version understands schema ${CURRENT_SCHEMA_VERSION}). The data has not been changed.`,
    );
  }
  if (version === CURRENT_SCHEMA_VERSION) return meta!;
  if (readOnly) {
    throw new StoreVersionError(
      `The data in ${dir} uses an older layout (schema ${version}) and must be upgraded first. ` +
        'Start the SafeCall server once (it upgrades the data automatically), then try again.',
    );
  }
  let v = version;
  const createdAt = meta?.createdAt ?? now();
  while (v < CURRENT_SCHEMA_VERSION) {
    const step = MIGRATIONS.find((m) => m.from === v);
    if (!step) throw new StoreVersionError(`Cannot upgrade the data in ${dir}: no upgrade step from schema ${v}.`);
    log.info({ from: step.from, to: step.to, step: step.description }, 'migrating data directory');
    await step.run(dir, log);
    meta = { schemaVersion: step.to, createdAt, migratedAt: now() };
    await metaFile.write(meta);
    v = step.to;
  }
  return meta!;
}
