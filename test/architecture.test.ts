/**
 * src/core is the inner layer: no Slack, Teams, lowdb, cron, no adapter or edge module, and no dialog
 * (features live in dialogs/ and import core, never the other way round).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

const FORBIDDEN_PACKAGES = /^(@slack\/|botbuilder|botframework|lowdb|pg$|pg-|node-cron|pino|proper-lockfile|write-file-atomic|node:fs|fs$|node:http|http$)/;

const core = join(root, 'src/core');

/** What is wrong with one import of a file in src/core: undefined when it is allowed. */
function coreOffence(file: string, spec: string): string | undefined {
  if (FORBIDDEN_PACKAGES.test(spec)) return `${relative(root, file)} imports ${spec}`;
  if (!spec.startsWith('.')) return undefined;
  const target = resolve(dirname(file), spec);
  if (target.startsWith(join(root, 'dialogs'))) return `${relative(root, file)} imports ${spec} (a dialog: core must not know features)`;
  if (!target.startsWith(core + '/')) return `${relative(root, file)} imports ${spec} (outside src/core)`;
  return undefined;
}

test('src/core imports no platform or infrastructure package, no dialog and no module outside core', () => {
  const offences = files(core).flatMap((file) => importsOf(file).map((spec) => coreOffence(file, spec)).filter((o): o is string => !!o));
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
  const inCore = join(core, 'guidance/ids.ts');
  expect(coreOffence(inCore, '../../../dialogs/secure-call/ids.js')).toMatch(/a dialog/);
  expect(coreOffence(join(core, 'bot.ts'), '../app.js')).toMatch(/outside src\/core/);
  expect(coreOffence(inCore, './schema.js')).toBeUndefined();
  expect(coreOffence(inCore, '../prompt.js')).toBeUndefined();
  // The import reader sees every form an import can take.
  expect(importsOf(join(root, 'src/app.ts'))).toContain('../dialogs/secure-call/feature.js');
});
