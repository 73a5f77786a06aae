/**
 * The settings as they are now, for the scheduler: `npx safecall terms import` writes new terms into the
 * settings file while the server runs (the CLI must not write the store: one writer per data dir), and the
 * next tick picks them up. The file is read again only when its modification time changes; a file that no
 * longer parses keeps the last good settings, with one warning per change, so a typo cannot stop reminders.
 */
import { statSync, readFileSync } from 'node:fs';
import { ConfigError, parseSettings, type Settings } from './config.js';
import type { Log } from './core/ports.js';

export function reloadingSettings(path: string | undefined, initial: Settings, log: Log): () => Settings {
  if (!path) return () => initial;
  let current = initial;
  let seen = mtimeOf(path);
  return () => {
    const mtime = mtimeOf(path);
    if (mtime === seen) return current;
    seen = mtime;
    try {
      current = parseSettings(readFileSync(path, 'utf8'), `The settings file ${path}`);
      log.info({ settings: 'reloaded', terms: current.terms.length }, 'settings file changed: reloaded');
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems.length : 1;
      log.warn({ settings: 'reload-failed', problems }, 'settings file changed but has problems: keeping the previous settings (run the server again to see them)');
    }
    return current;
  };
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
