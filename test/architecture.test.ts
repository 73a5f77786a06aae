/** src/core stays platform-neutral: no Slack, Teams, lowdb, cron, nor any adapter or edge module. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

const FORBIDDEN_PACKAGES = /^(@slack\/|botbuilder|botframework|lowdb|node-cron|pino|proper-lockfile|write-file-atomic|node:fs|fs$|node:http|http$)/;

test('src/core imports no platform or infrastructure package and no module outside core', () => {
  const core = join(root, 'src/core');
  const offences: string[] = [];
  for (const file of files(core)) {
    for (const spec of importsOf(file)) {
      if (FORBIDDEN_PACKAGES.test(spec)) offences.push(`${relative(root, file)} imports ${spec}`);
      if (spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(core) && !resolve(dirname(file), spec).startsWith(join(root, 'dialogs')))
        offences.push(`${relative(root, file)} imports ${spec} (outside src/core)`);
    }
  }
  expect(offences).toEqual([]);
});

test('dialogs/ import only core', () => {
  const offences = files(join(root, 'dialogs')).flatMap((file) =>
    importsOf(file)
      .filter((spec) => !spec.startsWith('.') || !resolve(dirname(file), spec).match(/\/(src\/core|dialogs)\//))
      .filter((spec) => spec !== 'zod')
      .map((spec) => `${relative(root, file)} imports ${spec}`),
  );
  expect(offences).toEqual([]);
});

test('botbuilder is used only inside src/teams', () => {
  const offences = [...files(join(root, 'src')), ...files(join(root, 'dialogs'))]
    .filter((f) => !f.startsWith(join(root, 'src/teams')))
    .filter((f) => importsOf(f).some((s) => /^botbuilder|^botframework/.test(s)))
    .map((f) => relative(root, f));
  expect(offences).toEqual([]);
});

test('the architecture check itself catches a forbidden import', () => {
  expect(FORBIDDEN_PACKAGES.test('@slack/bolt')).toBe(true);
  expect(FORBIDDEN_PACKAGES.test('botbuilder-core')).toBe(true);
  expect(FORBIDDEN_PACKAGES.test('zod')).toBe(false);
});
