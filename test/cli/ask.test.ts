/** `safecall ask`: ranked items with scores, --json shape, --platform and --limit checks. */
import { runCli } from '../helpers/cli.js';

const run = (argv: string[]) => runCli(argv);

test('prints the ranked items, one per line with the score, best first', async () => {
  const { code, out } = await run(['ask', 'how do i stop kids messaging each other on zoom']);
  expect(code).toBe(0);
  const lines = out.split('\n');
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.length).toBeLessThanOrEqual(10);
  expect(lines[0]).toMatch(/^ 1\. +\d+\.\d\d +disable-private-chat +\S/);
  const scores = lines.map((l) => Number(/^\s*\d+\.\s+([\d.]+)/.exec(l)![1]));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
});

test('--json prints an array of { id, measures, title, score }, best first; --limit caps it', async () => {
  const { code, out } = await run(['ask', 'lobby in teams', '--json', '--limit', '3']);
  expect(code).toBe(0);
  const rows = JSON.parse(out) as { id: string; measures: string[]; title: string; score: number }[];
  expect(rows.length).toBeLessThanOrEqual(3);
  expect(rows[0]).toEqual({ id: 'waiting-room', measures: ['waiting-room'], title: expect.any(String), score: expect.any(Number) });
  for (const r of rows) expect(Object.keys(r)).toEqual(['id', 'measures', 'title', 'score']);
  expect(rows.map((r) => r.score)).toEqual([...rows.map((r) => r.score)].sort((a, b) => b - a));
});

test('--platform is accepted and checked', async () => {
  expect((await run(['ask', 'mute everyone', '--platform', 'meet', '--json'])).code).toBe(0);
  const bad = await run(['ask', 'mute everyone', '--platform', 'skype']);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain('--platform must be one of zoom, teams, meet, not "skype"');
});

test('a missing question, a bad --limit or an unknown option is an error', async () => {
  expect((await run(['ask'])).err).toContain('give the question');
  expect((await run(['ask', 'lobby', '--limit', '0'])).code).toBe(2);
  expect((await run(['ask', 'lobby', '--limit', 'many'])).err).toContain('--limit must be a whole number');
  expect((await run(['ask', 'lobby', '--frobnicate'])).code).toBe(2);
});

test('an off-topic question prints nothing useful, or an empty JSON array', async () => {
  expect((await run(['ask', 'tell me a joke'])).out).toBe('no matches');
  expect(JSON.parse((await run(['ask', 'tell me a joke', '--json'])).out)).toEqual([]);
});
