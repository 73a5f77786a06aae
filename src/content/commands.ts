/** Loads content/<locale>/commands.yaml: the words that start each command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { commandWordsSchema, type CommandWords } from '../core/commands.js';
import { CONTENT_DIR, ContentError, DEFAULT_LOCALE } from './load.js';

export function loadCommandWords(dir: string = CONTENT_DIR, locale: string = DEFAULT_LOCALE): CommandWords {
  const file = join(locale, 'commands.yaml');
  let raw: unknown;
  try {
    raw = parse(readFileSync(join(dir, file), 'utf8'));
  } catch (err) {
    throw new ContentError([`${file}: cannot be read as YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const r = commandWordsSchema.safeParse(raw);
  if (!r.success) throw new ContentError(r.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top level)'}: ${i.message}`));
  return r.data;
}
