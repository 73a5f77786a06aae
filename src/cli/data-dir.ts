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
