/**
 * `safecall keys status` and `safecall keys rotate`: the data key after a leak or a staff change
 * (docs/reports-encryption.md). SAFECALL_DATA_KEY is the key that seals; SAFECALL_DATA_KEYS_OLD
 * (comma-separated) are keys that still open what they sealed. Keys are shown by id only (a hash).
 *
 * status reads (safe while the server runs) and says how many stored values each key sealed.
 * rotate re-seals every stored value (reports, queued messages, files waiting for consent) with
 * SAFECALL_DATA_KEY, and seals what was stored in the clear before a key was set. On lowdb it needs the
 * store's lock (stop the server: one writer per data directory). On PostgreSQL it runs beside the servers:
 * each record is one conditional write, and a message being sent at that moment is left for the next run;
 * the servers must already have the new key (and the old one in SAFECALL_DATA_KEYS_OLD), so they can read
 * what rotate writes.
 */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli.js';
import type { Store } from '../core/ports.js';
import { SealError, type Sealer } from '../core/sealer.js';
import { keyUse, missingKeys, rotateKeys, upgradeSealedData, type KeyUse } from '../core/sealed-data.js';
import { StoreLockedError } from '../store/errors.js';
import { NoDataError, openServerStoreForReading, openServerStoreForWriting } from './data-dir.js';
import { sealerFromEnv } from './data-key.js';

const USAGE = 'keys status [--data-dir DIR]\n       safecall keys rotate [--dry-run] [--data-dir DIR]';

class UsageError extends Error {}

function describeUse(use: KeyUse, sealer: Sealer): string[] {
  const label = (id: string) =>
    id === sealer.keyId
      ? `${id} (SAFECALL_DATA_KEY)`
      : sealer.keyIds.includes(id)
        ? `${id} (SAFECALL_DATA_KEYS_OLD)`
        : id === 'text'
          ? 'not encrypted (stored before a key was set)'
          : id === 'legacy' || id === 'unknown'
            ? 'encrypted by an earlier SafeCall, key not named'
            : `${id} (not set: neither SAFECALL_DATA_KEY nor SAFECALL_DATA_KEYS_OLD)`;
  const rows = Object.entries(use).sort(([a], [b]) => (a === sealer.keyId ? -1 : b === sealer.keyId ? 1 : a < b ? -1 : 1));
  return rows.length ? rows.map(([id, n]) => `  ${label(id).padEnd(58)} ${n}`) : ['  (nothing sealed or sealable is stored)'];
}

function keysLine(sealer: Sealer): string {
  if (!sealer.enabled) return 'SAFECALL_DATA_KEY is not set: new reports are stored unencrypted.';
  const old = sealer.keyIds.filter((id) => id !== sealer.keyId);
  return `SAFECALL_DATA_KEY is ${sealer.keyId} (it seals)${old.length ? `; SAFECALL_DATA_KEYS_OLD: ${old.join(', ')} (they still open)` : ''}.`;
}

async function status(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' } } });
  const sealer = sealerFromEnv();
  const store = await openServerStoreForReading(values['data-dir']);
  try {
    const use = await keyUse(store);
    const stale = Object.entries(use).filter(([id]) => id !== sealer.keyId).reduce((n, [, c]) => n + c, 0);
    const missing = await missingKeys(store, sealer);
    const lines = [keysLine(sealer), `Stored values in ${store.info.where}, by the key that sealed them:`, ...describeUse(use, sealer)];
    if (missing.length) lines.push(`Some values need a key this environment does not have (${missing.join(', ')}): set it in SAFECALL_DATA_KEYS_OLD.`);
    else if (sealer.enabled && stale) lines.push(`${stale} not under SAFECALL_DATA_KEY: \`npx safecall keys rotate\` re-seals them; keep the old keys in SAFECALL_DATA_KEYS_OLD until it has.`);
    else if (sealer.enabled) lines.push('Everything is under SAFECALL_DATA_KEY: SAFECALL_DATA_KEYS_OLD can be emptied (restart the servers after).');
    console.log(lines.join('\n'));
    return missing.length ? 1 : 0;
  } finally {
    await store.close();
  }
}

async function rotate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  const dry = values['dry-run'] === true;
  const sealer = sealerFromEnv();
  if (!sealer.enabled) throw new UsageError('SAFECALL_DATA_KEY is not set: set it to the new key, and the key in use now in SAFECALL_DATA_KEYS_OLD, then run rotate.');
  let store: Store;
  try {
    store = dry ? await openServerStoreForReading(values['data-dir']) : await openServerStoreForWriting(values['data-dir']);
  } catch (err) {
    if (err instanceof StoreLockedError)
      throw new UsageError(
        `The server is running (it holds the lock on ${err.dir}); on this store only one process may write. Stop it, run \`npx safecall keys rotate\`, then start it with the new SAFECALL_DATA_KEY. \`--dry-run\` works while it runs.`,
      );
    throw err;
  }
  try {
    if (!dry) await upgradeSealedData(store, sealer, new Date());
    const r = await rotateKeys(store, sealer, { dryRun: dry });
    const total = Object.values(r.changed).reduce((a, b) => a + b, 0);
    const per = Object.entries(r.changed).filter(([, n]) => n).map(([name, n]) => `${name} ${n}`).join(', ');
    const lines = [keysLine(sealer), `${dry ? 'Would re-seal' : 'Re-sealed'} ${total} record${total === 1 ? '' : 's'} with ${sealer.keyId}${per ? ` (${per})` : ''}.`];
    if (dry) lines.push('Nothing was changed (--dry-run).');
    else if (r.remaining === 0) lines.push('Every stored value is now under SAFECALL_DATA_KEY. Empty SAFECALL_DATA_KEYS_OLD and restart the servers; then destroy the old key.');
    else
      lines.push(
        `${r.remaining} value${r.remaining === 1 ? ' is' : 's are'} still not under SAFECALL_DATA_KEY${r.busy ? ` (${r.busy} message${r.busy === 1 ? ' was' : 's were'} being sent)` : ''}: ` +
          'a server may still be running with the old key as SAFECALL_DATA_KEY. Restart every server with the new key, then run rotate again. Keep SAFECALL_DATA_KEYS_OLD until it says everything is done.',
      );
    console.log(lines.join('\n'));
    return dry || r.remaining === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}

export const command: CliCommand = {
  summary: 'The data key: which keys the stored data needs (status), and re-sealing it all with a new key (rotate)',
  usage: USAGE,
  async run(args) {
    const [sub, ...rest] = args;
    try {
      if (sub === 'status') return await status(rest);
      if (sub === 'rotate') return await rotate(rest);
      console.error(`Usage: safecall ${USAGE}`);
      return 2;
    } catch (err) {
      const e = err as Error;
      const usage = err instanceof UsageError || err instanceof NoDataError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      console.error(`safecall keys: ${e.message}`);
      if (!usage && !(err instanceof SealError) && !/^Store\w*Error$/.test(e.name)) console.error('(unexpected: please report this with the command you ran)');
      return usage ? 2 : 1;
    }
  },
};
