/** Every literal string key the code asks for exists in content/en-GB/strings, so no text is missing at run time. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { loadContent } from '../../src/content/load.js';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

test('every strings.t("…") key in src/ and dialogs/ is in the en-GB strings', () => {
  const { strings } = loadContent();
  const used: { key: string; file: string }[] = [];
  for (const file of [...files(join(root, 'src')), ...files(join(root, 'dialogs'))]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bstrings\.t\(\s*'([a-zA-Z][\w.]*\.[\w.]+)'/g)) used.push({ key: m[1]!, file: relative(root, file) });
  }
  expect(used.length).toBeGreaterThan(3);
  expect(used.filter((u) => !strings.has(u.key)).map((u) => `${u.file}: ${u.key}`)).toEqual([]);
});
