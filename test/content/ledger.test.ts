/**
 * docs/guidance-sources.md keeps a copy of the ledger of platform facts (src/content/ledger.ts) between its
 * markers: this fails when the content changes and the copy is not regenerated (npx safecall content check --ledger).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContent, PROJECT_ROOT } from '../../src/content/load.js';
import { LEDGER_END, LEDGER_START, ledgerCounts, ledgerMarkdown, namedFacts } from '../../src/content/ledger.js';
import { CALL_PLATFORMS } from '../../src/core/guidance/schema.js';

const { guidance } = loadContent();

test('the ledger in docs/guidance-sources.md is the current one', () => {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs/guidance-sources.md'), 'utf8');
  const start = doc.indexOf(LEDGER_START);
  const end = doc.indexOf(LEDGER_END);
  expect(start).toBeGreaterThan(-1);
  expect(doc.slice(start, end + LEDGER_END.length)).toBe(ledgerMarkdown(guidance));
});

test('every named fact carries its page, the day read and a quote that contains the name', () => {
  const facts = namedFacts(guidance);
  expect(facts.length).toBeGreaterThan(100);
  for (const f of facts) {
    expect(f.url).toMatch(/^https:\/\//);
    expect(f.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(f.quote.toLowerCase()).toContain(f.name.toLowerCase().replace(/\?$/, ''));
  }
});

test('every block is counted once: confirmed, marked not confirmed or general advice', () => {
  const counts = ledgerCounts(guidance);
  for (const p of CALL_PLATFORMS) expect(counts[p].confirmed + counts[p].marked + counts[p].general).toBe(guidance.items.length);
});
