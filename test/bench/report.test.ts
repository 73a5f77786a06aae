/**
 * report.txt is assembled from each part's latest section (bench/report.ts): running one part replaces its
 * own section and keeps the others'.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PARTS, assembleReport, writePart, writeReport } from '../../bench/report.js';

let dir: string;
let results: URL;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safecall-bench-report-'));
  results = pathToFileURL(`${dir}/`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('running one part again replaces its section and keeps the others', () => {
  writePart(results, 'store', 'first run', 'store figures v1');
  writePart(results, 'fanout', 'first run', 'fan-out figures');
  writeReport(results);
  writePart(results, 'store', 'second run', 'store figures v2');
  writeReport(results);
  const report = readFileSync(join(dir, 'report.txt'), 'utf8');
  expect(report).toContain('store figures v2');
  expect(report).toContain('--- store: second run');
  expect(report).not.toContain('store figures v1');
  expect(report).toContain('fan-out figures');
});

test('sections come in the parts’ order whatever order they ran in, and missing parts are left out', () => {
  writePart(results, 'cluster', 'now', 'cluster figures');
  writePart(results, 'platforms', 'now', 'platform figures');
  const report = assembleReport(results);
  expect(report.indexOf('platform figures')).toBeLessThan(report.indexOf('cluster figures'));
  expect(report).not.toContain('--- search');
  expect(PARTS).toContain('cluster');
});
