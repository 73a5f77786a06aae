/**
 * `safecall reports export` and `safecall reports purge`: the breach log and retention, for the DPO.
 *
 * export reads the store without its lock (safe while the server runs: every write is an atomic rename)
 * and opens the sealed fields with SAFECALL_DATA_KEY. Its output holds everything the reports hold: write
 * it to a file (--out, created 0600) or a pipe you trust.
 *
 * purge deletes, so it needs the store's lock: stop the server first (the server also deletes closed
 * reports past retention by itself, a few at each scheduler tick). `--dry-run` only reads, so it works while
 * the server runs, and lists what would go: references and dates only, never content.
 */
import { NoDataError, openServerStoreForReading, openServerStoreForWriting } from './data-dir.js';
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import type { CliCommand } from '../cli.js';
import { ConfigError, loadSettings } from '../config.js';
import { SealError, type Sealer } from '../core/sealer.js';
import { sealerFromEnv } from './data-key.js';
import { legacyWaiting } from '../core/sealed-data.js';
import { breachLogCsv, breachLogJson, selectReports } from '../core/records/report-export.js';
import { expiredReports, purgeCutoff, purgeReport } from '../core/records/report-retention.js';
import { StoreLockedError } from '../store/lowdb-store.js';

const USAGE = 'reports export --format csv|json [--since DATE] [--out FILE] [--data-dir DIR]\n       safecall reports purge [--dry-run] [--data-dir DIR]';

class UsageError extends Error {}

/** A directory that holds no SafeCall data is a usage error (exit 2), like any other bad option. */
function asUsage(err: unknown): never {
  throw err instanceof NoDataError ? new UsageError(err.message) : err;
}

/** The data keys as the server reads them; a bad key is a usage error. */
function sealer(): Sealer {
  try {
    return sealerFromEnv();
  } catch (err) {
    throw err instanceof SealError ? new UsageError(err.message) : err;
  }
}

function settings() {
  try {
    return loadSettings(process.env.SAFECALL_SETTINGS);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** Writes the file readable by its owner only, also when it already existed with a wider mode. */
function writePrivate(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'w', 0o600);
  } catch (err) {
    throw new UsageError(`--out: cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A date (YYYY-MM-DD, midnight in the school's zone) or a full ISO 8601 time → UTC ISO. */
function since(text: string | undefined, zone: string): string | undefined {
  if (text === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? DateTime.fromISO(text, { zone }) : DateTime.fromISO(text, { setZone: true });
  if (!at.isValid) throw new UsageError(`--since: "${text}" is not a date like 2027-01-31`);
  return at.toUTC().toISO()!;
}

async function exportLog(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { format: { type: 'string' }, since: { type: 'string' }, out: { type: 'string' }, 'data-dir': { type: 'string' } } });
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json, not "${format}"`);
  const s = settings();
  const from = since(values.since, s.school.timezone);
  const opener = sealer();
  const store = await openServerStoreForReading(values['data-dir']).catch(asUsage);
  try {
    // Sealed in the form before tagged values, and no key to tell them from text: they are not shown as text.
    if (!opener.enabled && (await legacyWaiting(store))) throw new SealError('The stored reports were encrypted with a data key. Set SAFECALL_DATA_KEY to the key they were written with.');
    const reports = selectReports(await store.reports.list(), from);
    const text = format === 'csv' ? breachLogCsv(reports, opener) : breachLogJson(reports, opener, new Date());
    if (values.out) {
      writePrivate(values.out, text);
      console.error(`Wrote ${reports.length} reports to ${values.out}`);
    } else process.stdout.write(text);
    return 0;
  } finally {
    await store.close();
  }
}

async function purge(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  const days = settings().reports.retentionDays;
  const now = new Date();
  const dry = values['dry-run'] === true;
  let store;
  try {
    // PostgreSQL arbitrates between writers, so purge runs beside the servers there.
    store = dry ? await openServerStoreForReading(values['data-dir']) : await openServerStoreForWriting(values['data-dir']);
  } catch (err) {
    if (err instanceof StoreLockedError)
      throw new UsageError(`The server is running (it holds the lock on ${err.dir}). Stop it, then run purge again; \`safecall reports purge --dry-run\` works while it runs, and the server deletes expired reports by itself.`);
    asUsage(err);
  }
  try {
    const expired = await expiredReports(store, now, days);
    const cutoff = purgeCutoff(now, days).toISOString().slice(0, 10);
    if (!expired.length) {
      console.log(`No closed report is past the ${days}-day retention (closed before ${cutoff}).`);
      return 0;
    }
    console.log(`${dry ? 'Would delete' : 'Deleting'} ${expired.length} closed report${expired.length === 1 ? '' : 's'} past the ${days}-day retention (closed before ${cutoff}):`);
    for (const r of expired) {
      console.log(`  ${r.ref}  reported ${r.reportedAt.slice(0, 10)}  closed ${r.closedAt?.slice(0, 10) ?? '?'}`);
      if (!dry) await purgeReport(store, r.ref);
    }
    if (dry) console.log('Nothing was deleted (--dry-run).');
    return 0;
  } finally {
    await store.close();
  }
}

export const command: CliCommand = {
  summary: 'The breach log (export, CSV or JSON) and retention (purge) of incident reports',
  usage: USAGE,
  async run(args) {
    const [sub, ...rest] = args;
    try {
      if (sub === 'export') return await exportLog(rest);
      if (sub === 'purge') return await purge(rest);
      console.error(`Usage: safecall ${USAGE}`);
      return 2;
    } catch (err) {
      if (err instanceof UsageError || err instanceof SealError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        console.error(`safecall reports: ${(err as Error).message}`);
        return err instanceof SealError ? 1 : 2;
      }
      console.error(`safecall reports: ${(err as Error).message}`);
      return 1;
    }
  },
};
