/** Start-up warns when incident reports would be stored without a data key, and not when one is set. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { start } from '../../src/main.js';
import { loadEnv, parseSettings } from '../../src/config.js';

async function warningsAt(extra: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'safecall-key-'));
  const warned: string[] = [];
  const log = { info: () => undefined, debug: () => undefined, error: () => undefined, warn: (_o: object, msg?: string) => void warned.push(msg ?? '') };
  try {
    const env = loadEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, TEAMS_MODE: 'off', ...extra });
    const running = await start({ env, settings: parseSettings('', 'test'), log, print: () => undefined });
    await running.stop();
    return warned;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('without SAFECALL_DATA_KEY start-up warns that reports are stored unencrypted; with it, it does not', async () => {
  expect((await warningsAt({})).filter((w) => /SAFECALL_DATA_KEY is not set/.test(w))).toHaveLength(1);
  expect((await warningsAt({ SAFECALL_DATA_KEY: randomBytes(32).toString('base64') })).filter((w) => /SAFECALL_DATA_KEY/.test(w))).toEqual([]);
});
