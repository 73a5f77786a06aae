/**
 * The server's data directory for a CLI command (`--data-dir`, else DATA_DIR, else ./data), refused when it
 * holds no SafeCall store: a mistyped path would otherwise read as an empty school ("no incidents", nobody
 * reminded).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { META_FILE } from '../store/migrations.js';

export class NoDataError extends Error {}

export function serverDataDir(flag: string | undefined): string {
  const dir = resolve(flag ?? process.env.DATA_DIR ?? './data');
  if (!existsSync(join(dir, META_FILE)))
    throw new NoDataError(`No SafeCall data in ${dir}. Set DATA_DIR (or --data-dir) to the directory the server uses.`);
  return dir;
}

/**
 * The server's store for a CLI command: PostgreSQL when DATABASE_URL is set (the database arbitrates, so the
 * servers may keep running; a read never migrates), else the data directory above: read-only without the
 * lock, or for writing with it (refused while the server runs).
 */
async function openServerStore(flag: string | undefined, readOnly: boolean): Promise<import('../core/ports.js').Store> {
  const { loadEnv } = await import('../config.js');
  const env = loadEnv();
  if (env.DATABASE_URL) {
    const { openStore } = await import('../store/open.js');
    const { systemClock } = await import('../core/ports.js');
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
    return openStore(env, { log: silent, clock: systemClock, readOnly });
  }
  const { openLowdbStore } = await import('../store/lowdb-store.js');
  return openLowdbStore(serverDataDir(flag), { readOnly });
}

export const openServerStoreForReading = (flag: string | undefined) => openServerStore(flag, true);
export const openServerStoreForWriting = (flag: string | undefined) => openServerStore(flag, false);
