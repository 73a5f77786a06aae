/**
 * The real process, as an admin runs it: `npm start` builds dist/ when the sources changed and runs
 * `node dist/src/main.js` (compiled JavaScript, no TypeScript loader).
 */
import { freePort } from '../helpers/free-port.js';
import { mkdtemp, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropStoreFor, onPostgres, storeEnv } from '../rig/store-env.js';
import { launch } from '../rig/processes.js';
import { buildDistIfStale } from '../helpers/build-dist.js';

// What `npm start`'s prestart does: build only if a source is newer than dist/ (under a lock: other test
// files build too).
beforeAll(() => buildDistIfStale(), 120000);

async function until(check: () => boolean, ms = 60000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}


test('starts with no credentials, says what it serves, answers /healthz, stops cleanly on SIGTERM; data is private', async () => {
  const data = join(await mkdtemp(join(tmpdir(), 'safecall-proc-')), 'data');
  const port = await freePort();
  const p = launch({ PORT: String(port), ...storeEnv(data) });
  try {
    await until(() => p.out().includes('/healthz'));
    expect(p.out()).toMatch(/Slack: off\. Set SLACK_BOT_TOKEN/);
    expect(p.out()).toMatch(/\/api\/messages {2}Microsoft Teams, local, no auth/);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', platforms: { slack: 'off', teams: 'local' }, store: { ok: true, writable: true, kind: onPostgres ? 'postgres' : 'lowdb' } });

    if (!onPostgres) {
      expect((await stat(data)).mode & 0o777).toBe(0o700);
      expect((await stat(join(data, 'meta.json'))).mode & 0o777).toBe(0o600);
      // A second process on the same data directory is refused with a clear message.
      const second = launch({ PORT: String(await freePort()), ...storeEnv(data) });
      expect(await second.exited).toBe(1);
      expect(second.err()).toMatch(/Another SafeCall process is already using the data directory/);
      expect(second.err()).not.toMatch(/\n\s+at /);
    } else {
      // On PostgreSQL a second instance on the same database is the point: it starts and serves too.
      const port2 = await freePort();
      const second = launch({ PORT: String(port2), ...storeEnv(data) });
      try {
        // The banner's Data line comes after the /healthz line: wait for it, not for /healthz.
        await until(() => /Data: .*\n/.test(second.out()));
        expect(second.out()).toMatch(/Data: .*PostgreSQL/);
        expect((await fetch(`http://127.0.0.1:${port2}/healthz`)).status).toBe(200);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      }
    }
  } finally {
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    await dropStoreFor(data);
  }
}, 120000);

test('a broken settings file stops start-up with the key named and no stack trace', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'safecall-bad-'));
  const settings = join(dir, 'settings.yaml');
  await writeFile(settings, 'school:\n  timezone: Mars/Olympus\nreminders:\n  termEndTime: teatime\n');
  const p = launch({ SAFECALL_SETTINGS: settings, DATA_DIR: join(dir, 'data'), PORT: String(await freePort()) });
  expect(await p.exited).toBe(1);
  expect(p.err()).toMatch(/school\.timezone: must be a time zone name/);
  expect(p.err()).toMatch(/reminders\.termEndTime: must be a time like 15:00/);
  expect(p.err()).not.toMatch(/\n\s+at /);
}, 90000);

test('a non-loopback HOST with no MicrosoftAppId is refused', async () => {
  const p = launch({ HOST: '0.0.0.0', PORT: String(await freePort()), DATA_DIR: join(tmpdir(), 'unused-safecall') });
  expect(await p.exited).toBe(1);
  expect(p.err()).toMatch(/HOST: 0\.0\.0\.0 is not a loopback address/);
}, 90000);
