/**
 * The source documents' names as a school in England reads them, in the help footer and under every "Why?"
 * (issue 24: the footer told English schools about "the Hong Kong privacy regulator", as if it were theirs;
 * their regulator is the ICO). Each name says what the document is, who made it and when.
 */
import { loadContent } from '../../src/content/load.js';

const content = loadContent();
const name = (id: string) => content.strings.t(`sources.${id}`);
const documents = content.guidance.sources.documents;

test.each(documents.map((d) => [d.id, d] as const))('%s: the name says what the document is first, and the year it was made', (id, d) => {
  expect(name(id)).not.toMatch(/^(the\b|hong kong|a\b)/i);
  expect(name(id)).toContain(d.date.slice(0, 4));
});

test('a regulator is only ever named with its country, so none reads as the school\'s own', () => {
  const texts = content.strings.keys().map((k) => [k, content.strings.t(k)] as const);
  const regulators = texts.flatMap(([k, t]) => [...t.matchAll(/(\S+\s+){0,3}regulator\b/gi)].map((m) => [k, m[0]] as const));
  expect(regulators.length).toBeGreaterThan(0);
  for (const [k, phrase] of regulators) expect([k, phrase]).toEqual([k, expect.stringMatching(/\b[A-Z][a-z]+(?: [A-Z][a-z]+)*'s (data protection |privacy )?regulator$/)]);
});

test("the Hong Kong document is named as published guidance, by Hong Kong's regulator", () => {
  const d = documents.find((x) => x.publisher.includes('Hong Kong'))!;
  expect(name(d.id)).toMatch(/^Guidance\b.*\bpublished\b.*\bHong Kong's\b/);
});
