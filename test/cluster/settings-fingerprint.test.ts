/**
 * Several instances with different settings files (issue 23): each publishes a fingerprint of its settings in
 * the store and compares it with the leader's. Two instances' watches on one store, each reading its own
 * settings file through the same reloading getter the server uses (src/settings-reload.ts), with a clock the
 * test moves: a difference is reported loudly once and cleared when the files agree again, a rolling edit
 * (both files changed within the grace) raises nothing, and an instance forgotten in a rolling edit is
 * reported once the grace is over.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, parseSettings } from '../../src/config.js';
import { memoryStore } from '../../src/core/memory.js';
import type { Store } from '../../src/core/ports.js';
import { settingsFingerprint, watchSettings, DEFAULT_GRACE_MS, type SettingsWatch } from '../../src/settings-fingerprint.js';
import { reloadingSettings } from '../../src/settings-reload.js';
import { captureLog, type CapturedLog } from '../store/helpers.js';

const YAML = (name: string) => `# the school's settings\nschool:\n  name: ${name}\n  timezone: Europe/London\n`;
const LONG_AGO = new Date(Date.now() - 30 * 86_400_000);

let work: string;
let offset = 0;
const clock = { now: () => new Date(Date.now() + offset) };
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'safecall-fingerprint-'));
  offset = 0;
});
afterEach(() => rm(work, { recursive: true, force: true }));

interface Node {
  file: string;
  log: CapturedLog;
  watch: SettingsWatch;
}

/** An instance's settings file (modified `at`) and its watch, reading the file as the running server does. */
async function instance(store: Store, owner: string, name: string, at = LONG_AGO): Promise<Node> {
  const file = join(work, `${owner}.yaml`);
  await writeFile(file, YAML(name));
  await utimes(file, at, at);
  const log = captureLog();
  const settings = reloadingSettings(file, loadSettings(file), log);
  return { file, log, watch: watchSettings({ store, owner, settings, path: file, clock, log }) };
}

/** Edits an instance's settings file now (as an admin or a deployment does). */
async function edit(node: Node, name: string): Promise<void> {
  await writeFile(node.file, YAML(name));
  const now = clock.now();
  await utimes(node.file, now, now);
}

const warnings = (n: Node) => n.log.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
const lead = (store: Store, owner: string) => store.locks.put('scheduler', { owner, since: clock.now().toISOString(), until: new Date(clock.now().getTime() + 60_000).toISOString() });

test('the fingerprint is of what the settings say, not of the file', () => {
  const a = parseSettings(YAML('Hillside'), 'a');
  const b = parseSettings('school: { timezone: Europe/London, name: Hillside }  # one line, other order\n', 'b');
  expect(settingsFingerprint(a)).toBe(settingsFingerprint(b));
  expect(settingsFingerprint(parseSettings(YAML('Hillside Primary'), 'c'))).not.toBe(settingsFingerprint(a));
});

test('a follower started with another settings file says so at once, and clears when its file is mended', async () => {
  const store = memoryStore(clock);
  const leader = await instance(store, 'host-a:1', 'Hillside');
  const follower = await instance(store, 'host-b:2', 'Hillside Primary');
  await lead(store, 'host-a:1');
  await leader.watch.check();
  const seen = await follower.watch.check();
  expect(seen).toMatchObject({ state: 'different', leader: { owner: 'host-a:1', self: false }, differing: [{ owner: 'host-a:1' }] });
  expect(seen.message).toContain("This instance's settings differ from the leader's (host-a:1)");
  expect(warnings(follower)).toHaveLength(1);
  // The leader sees it too, and says who.
  expect(await leader.watch.check()).toMatchObject({ state: 'different', differing: [{ owner: 'host-b:2' }] });
  expect(warnings(leader)).toEqual([expect.stringContaining('1 other instance(s) run different settings (host-b:2')]);
  // Said once, not at every check.
  await follower.watch.check();
  expect(warnings(follower)).toHaveLength(1);

  // The file is mended while the server runs: the reload is followed, and the all-clear said.
  await edit(follower, 'Hillside');
  expect(await follower.watch.check()).toMatchObject({ state: 'same', differing: [] });
  expect(follower.log.lines.some((l) => l.level === 'info' && /every instance now runs the same settings/.test(l.msg ?? ''))).toBe(true);
  expect(follower.watch.status().message).toBeUndefined();
});

test('a rolling edit (every file changed within the grace) raises nothing; an instance left out is reported after it', async () => {
  const store = memoryStore(clock);
  const a = await instance(store, 'host-a:1', 'Hillside');
  const b = await instance(store, 'host-b:2', 'Hillside');
  const c = await instance(store, 'host-c:3', 'Hillside');
  await lead(store, 'host-a:1');
  for (const n of [a, b, c]) await n.watch.check(); // every instance has published
  for (const n of [a, b, c]) expect((await n.watch.check()).state).toBe('same');

  await edit(a, 'Hillside Primary'); // the deployment reaches a first, then b; c is forgotten
  expect((await a.watch.check()).state).toBe('settling');
  expect((await b.watch.check()).state).toBe('settling');
  offset += 30_000;
  await edit(b, 'Hillside Primary');
  expect((await b.watch.check()).state).toBe('same');
  expect((await c.watch.check()).state).toBe('settling'); // the leader's file changed 30 s ago

  // The grace goes by, every instance checking every 15 s as it does, and c still has the old file.
  for (let t = 0; t < DEFAULT_GRACE_MS; t += 15_000) {
    offset += 15_000;
    await lead(store, 'host-a:1');
    for (const n of [a, b, c]) await n.watch.check();
  }
  expect(c.watch.status().state).toBe('different');
  expect(a.watch.status().state).toBe('different');
  expect(b.watch.status().state).toBe('same');
  expect(warnings(b)).toEqual([]);
  expect(warnings(c)).toHaveLength(1);
  expect(warnings(a)).toEqual([expect.stringContaining('host-c:3')]);
});

test('an instance that stops withdraws its fingerprint, and one that died lapses', async () => {
  const store = memoryStore(clock);
  const a = await instance(store, 'host-a:1', 'Hillside');
  const b = await instance(store, 'host-b:2', 'Other');
  await lead(store, 'host-a:1');
  await b.watch.check();
  expect((await a.watch.check()).state).toBe('different');
  offset += 3 * 15_000 + 1; // b died without a word: its record lapses after three missed checks
  await lead(store, 'host-a:1');
  expect((await a.watch.check()).state).toBe('alone');
  await a.watch.stop();
  expect(await store.locks.list()).toEqual([expect.objectContaining({ owner: 'host-a:1', until: expect.any(String) })]); // only the lease
});
