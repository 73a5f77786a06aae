/**
 * The help card's footer names the source documents as every other message does: by their one name each
 * (content/<locale>/strings/sources.yaml), so renaming a document there renames it here too (issue 24: the
 * footer had a wording of its own, telling English schools about "the Hong Kong privacy regulator"; the names
 * themselves now say what each document is, who made it and when: test/content/source-names.test.ts).
 */
import { loadContent } from '../../../src/content/load.js';
import { makeDeps } from '../../../src/core/deps.js';
import { helpPrompt } from '../../../src/core/help/feature.js';
import { memoryStore } from '../../../src/core/memory.js';
import { makeStrings } from '../../../src/core/strings.js';

const content = loadContent();
const clock = { now: () => new Date('2026-11-23T09:00:00Z') };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const buttons = { setup: 'setup.start', topics: 'guide.topics', emergency: 'setup.now', report: 'report.start' };

function footer(rename: Record<string, string> = {}): string {
  const table = Object.fromEntries(content.strings.keys().map((k) => [k, content.strings.t(k)]));
  const strings = makeStrings(content.strings.locale, { ...table, ...rename });
  const deps = makeDeps({ store: memoryStore(clock), clock, log: silent, guidance: content.guidance, strings, school: { name: 'Hillside Primary', timezone: 'Europe/London' } });
  const notes = helpPrompt(deps, 'slack', buttons).blocks.flatMap((b) => (b.kind === 'note' ? [b.text] : []));
  return notes[notes.length - 1]!;
}

test('the footer names each source document by its one name', () => {
  const text = footer();
  for (const d of content.guidance.sources.documents) expect(text).toContain(content.strings.t(`sources.${d.id}`));
});

test('a document renamed in sources.yaml is renamed in the footer, and no other name for it is left', () => {
  const text = footer({ 'sources.PCPD': 'Guidance on safe video calls (a privacy regulator, 2020)' });
  expect(text).toContain('Guidance on safe video calls (a privacy regulator, 2020)');
  expect(text).not.toMatch(/Hong Kong/);
});

test('the footer names the documents, not a regulator as if it were the school\'s own', () => {
  const text = footer();
  expect(text).not.toMatch(/\bthe (Hong Kong )?(privacy |data protection )?regulator\b/i);
  expect(text).toMatch(/published in \d{4} by Hong Kong's data protection regulator/);
});
