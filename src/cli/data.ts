/**
 * Moving and upgrading a school's data:
 *   safecall migrate [--status]            bring the store up to this version's schema (or say what is pending)
 *   safecall export-data [--out FILE]      everything the store holds, to one versioned file
 *   safecall import-data FILE|DIR          into the store DATABASE_URL (or DATA_DIR) names; a DIR is a lowdb
 *                                          data directory, copied directly: lowdb → PostgreSQL in one command
 * The store is PostgreSQL when DATABASE_URL is set, else the data directory (--data-dir, DATA_DIR, ./data).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli.js';
import { ConfigError, loadEnv, type Env } from '../config.js';
import { systemClock, type Log, type Store } from '../core/ports.js';
import { isDirLocked } from '../store/lock.js';
import { openLowdbStore } from '../store/lowdb-store.js';
import { CURRENT_SCHEMA_VERSION, META_FILE } from '../store/migrations.js';
import { openStore } from '../store/open.js';
import { COLLECTION_NAMES } from '../core/collections.js';
import { exportData, importData, readExport, snapshot, TRANSFERRED, type Counts, type ExportFile } from '../store/transfer.js';
import { VERSION } from '../version.js';
import { NoDataError, openServerStoreForReading, serverDataDir } from './data-dir.js';
import { sealerFromEnv } from './data-key.js';
import { legacyWaiting, missingKeys, upgradeSealedData } from '../core/sealed-data.js';

const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** Known failures (bad settings, a locked directory, an unreachable database, a bad file) are one message. */
async function guarded(name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    const e = err as Error;
    const known = err instanceof ConfigError || err instanceof NoDataError || /^(Store|Transfer)\w*Error$/.test(e.name);
    console.error(`safecall ${name}: ${e.message}`);
    if (!known) console.error('(unexpected: please report this with the command you ran)');
    return 1;
  }
}

function options<T extends Record<string, { type: 'string' | 'boolean' }>>(name: string, args: string[], spec: T, positionals = false) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: positionals });
  } catch (err) {
    console.error(`safecall ${name}: ${(err as Error).message}`);
    return undefined;
  }
}

const summarise = (counts: Counts) =>
  TRANSFERRED.filter((n) => counts[n] > 0)
    .map((n) => `${n} ${counts[n]}`)
    .join(', ') || 'nothing';
const total = (counts: Counts) => COLLECTION_NAMES.reduce((sum, n) => sum + counts[n], 0);

const dataDirOf = (env: Env, flag: string | undefined) => resolve(flag ?? env.DATA_DIR);

/**
 * Sealed values still in the earlier string form (src/core/sealed-data.ts) are moved to the tagged form,
 * which needs the key that opens them; the server does the same at start. Says nothing when there are none.
 */
async function sealedStep(store: Store, statusOnly: boolean): Promise<{ lines: string[]; pending: boolean }> {
  try {
    if (!(await legacyWaiting(store))) return { lines: [], pending: false };
    if (statusOnly) return { lines: ['Pending: sealed values in the earlier form. Run `npx safecall migrate` with SAFECALL_DATA_KEY set (or start the server: it moves them).'], pending: true };
    const sealer = sealerFromEnv();
    const missing = await missingKeys(store, sealer);
    if (missing.length)
      return { lines: ['Sealed values in the earlier form need the key they were written with: set SAFECALL_DATA_KEY (and SAFECALL_DATA_KEYS_OLD after a key change), then run migrate again.'], pending: true };
    const n = await upgradeSealedData(store, sealer, new Date());
    return { lines: [`Sealed values moved to the tagged form: ${n} record${n === 1 ? '' : 's'}.`], pending: false };
  } finally {
    await store.close();
  }
}

export const migrateCommand: CliCommand = {
  summary: "Bring the data up to this version's schema (the server also does this at start); --status only reports",
  usage: 'migrate [--status] [--data-dir DIR]\n\n  PostgreSQL when DATABASE_URL is set (safe while instances run), else the data directory (stop the server first).\n  --status exits 1 when something is pending.',
  run: (args) =>
    guarded('migrate', async () => {
      const o = options('migrate', args, { status: { type: 'boolean' }, 'data-dir': { type: 'string' } });
      if (!o) return 2;
      const env = loadEnv();
      const statusOnly = o.values.status ?? false;
      if (env.DATABASE_URL) {
        const { postgresMigrations } = await import('../store/postgres/admin.js');
        const r = await postgresMigrations({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, log: silent, statusOnly });
        const lines = [`PostgreSQL at ${r.where}: ${r.applied} of ${r.expected} migrations applied.`];
        for (const m of r.now) lines.push(`Applied now: ${String(m.version).padStart(4, '0')} ${m.name}`);
        if (r.pending.length > 0) {
          lines.push(`Pending: ${r.pending.map((m) => `${String(m.version).padStart(4, '0')} ${m.name}`).join(', ')}. Run \`npx safecall migrate\` (or start one instance: it migrates).`);
        } else if (r.now.length === 0) lines.push('Up to date: nothing to do.');
        const sealed = r.pending.length ? { lines: [], pending: false } : await sealedStep(await openStore(env, { log: silent, clock: systemClock, readOnly: statusOnly }), statusOnly);
        console.log([...lines, ...sealed.lines].join('\n'));
        return r.pending.length > 0 || sealed.pending ? 1 : 0;
      }
      const dir = serverDataDir(o.values['data-dir'] ?? env.DATA_DIR);
      const before = (JSON.parse(await readFile(join(dir, META_FILE), 'utf8')) as { schemaVersion: number }).schemaVersion;
      if (statusOnly || before >= CURRENT_SCHEMA_VERSION) {
        const state =
          before === CURRENT_SCHEMA_VERSION
            ? 'up to date'
            : before > CURRENT_SCHEMA_VERSION
              ? `written by a newer SafeCall: this version understands schema ${CURRENT_SCHEMA_VERSION}`
              : `schema ${CURRENT_SCHEMA_VERSION} is current: run \`npx safecall migrate\` with the server stopped (or start the server: it migrates)`;
        const sealed = before === CURRENT_SCHEMA_VERSION ? await sealedStep(await openLowdbStore(dir, { log: silent, readOnly: statusOnly }), statusOnly) : { lines: [], pending: false };
        console.log([`Data directory ${dir}: schema ${before}, ${state}.`, ...sealed.lines].join('\n'));
        return before === CURRENT_SCHEMA_VERSION && !sealed.pending ? 0 : 1;
      }
      const sealed = await sealedStep(await openLowdbStore(dir, { log: silent }), false);
      console.log([`Data directory ${dir}: upgraded from schema ${before} to ${CURRENT_SCHEMA_VERSION}.`, ...sealed.lines].join('\n'));
      return sealed.pending ? 1 : 0;
    }),
};

const today = () => new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');

export const exportCommand: CliCommand = {
  summary: 'Write everything the store holds to one file (a backup, or a move to another store)',
  usage:
    'export-data [--out FILE] [--data-dir DIR]\n\n  Reads PostgreSQL when DATABASE_URL is set, else the data directory (safe while the server runs).\n' +
    '  The file (default safecall-data-<date>.jsonl) is mode 600: it holds report content. Sealed reports stay sealed.',
  run: (args) =>
    guarded('export-data', async () => {
      const o = options('export-data', args, { out: { type: 'string' }, 'data-dir': { type: 'string' } });
      if (!o) return 2;
      const env = loadEnv();
      const file = resolve(o.values.out ?? `safecall-data-${today()}.jsonl`);
      const store = await openServerStoreForReading(o.values['data-dir']);
      try {
        const running = !env.DATABASE_URL && (await isDirLocked(serverDataDir(o.values['data-dir'])));
        const data = await exportData(store, file, { version: VERSION });
        console.log(
          [
            `Exported ${total(data.counts)} records from ${store.info.where} to ${file}`,
            `  ${summarise(data.counts)}`,
            'The file is readable by you only: keep it as safe as the data (it holds incident reports).',
            ...(running ? ['The server is still running: what it writes from now on is not in the file. To move a school, stop it first.'] : []),
          ].join('\n'),
        );
        return 0;
      } finally {
        await store.close();
      }
    }),
};

/** A lowdb data directory given as the source: read-only, and only once its server has stopped. */
async function fromDirectory(dir: string): Promise<ExportFile> {
  if (!existsSync(join(dir, META_FILE))) throw new NoDataError(`No SafeCall data in ${dir}.`);
  if (await isDirLocked(dir)) throw new NoDataError(`A SafeCall server is still running on ${dir}. Stop it first: what it wrote after the copy would be lost.`);
  const source = await openLowdbStore(dir, { readOnly: true });
  try {
    return await snapshot(source, { version: VERSION });
  } finally {
    await source.close();
  }
}

export const importCommand: CliCommand = {
  summary: 'Load an export (or a lowdb data directory) into the store: lowdb → PostgreSQL in one command',
  usage:
    'import-data FILE|DIR [--replace] [--check] [--data-dir DIR]\n\n' +
    '  Writes to PostgreSQL when DATABASE_URL is set, else to the data directory (created if missing).\n' +
    '  FILE is from `safecall export-data`; DIR is a lowdb data directory whose server has stopped.\n' +
    '  The whole source is checked before anything is written; a store that holds data is refused unless --replace.\n' +
    '  --check only checks the source and says what it holds. Stop the servers on the target first.',
  run: (args) =>
    guarded('import-data', async () => {
      const o = options('import-data', args, { replace: { type: 'boolean' }, check: { type: 'boolean' }, 'data-dir': { type: 'string' } }, true);
      if (!o) return 2;
      const [source, ...extra] = o.positionals;
      if (!source || extra.length > 0) {
        console.error('safecall import-data: give one export file or data directory, e.g. `safecall import-data safecall-data.jsonl`');
        return 2;
      }
      const env = loadEnv();
      const path = resolve(source);
      if (!existsSync(path)) throw new NoDataError(`${path} does not exist.`);
      const isDir = statSync(path).isDirectory();
      const data = isDir ? await fromDirectory(path) : await readExport(path);
      const described = `${isDir ? 'data directory' : 'file'} ${path} (from ${data.header.from.kind} ${data.header.from.where}, ${data.header.exportedAt})`;
      if (o.values.check) {
        console.log(`${described} is complete and readable: ${total(data.counts)} records\n  ${summarise(data.counts)}`);
        return 0;
      }
      if (!env.DATABASE_URL && isDir && dataDirOf(env, o.values['data-dir']) === path)
        throw new NoDataError(`${path} is both the source and the target. Set DATABASE_URL to import into PostgreSQL, or --data-dir to another directory.`);
      let store: Store;
      if (env.DATABASE_URL) store = await openStore(env, { log: silent, clock: systemClock });
      else store = await openLowdbStore(dataDirOf(env, o.values['data-dir']), { log: silent });
      try {
        const r = await importData(store, data, { replace: o.values.replace ?? false, now: new Date() });
        console.log(
          [
            `Imported ${total(r.written)} records into ${store.info.where} from ${described}`,
            `  ${summarise(r.written)}`,
            ...(r.replaced ? [`Removed first (--replace): ${r.replaced} records.`] : []),
            ...(r.expired ? [`Left out because they had expired: ${r.expired} (idempotency keys, finished dialogs).`] : []),
            'Every record was read back and matches. Reports sealed with SAFECALL_DATA_KEY need the same key here.',
          ].join('\n'),
        );
        return 0;
      } finally {
        await store.close();
      }
    }),
};
