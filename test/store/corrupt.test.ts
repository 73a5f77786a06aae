import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreCorruptError, openLowdbStore } from '../../src/store/lowdb-store.js';
import { describeJsonError } from '../../src/store/json-error.js';
import { removeDir, tempDir } from './helpers.js';

async function openError(dir: string): Promise<Error> {
  try {
    const s = await openLowdbStore(dir, { lockStaleMs: 2000 });
    await s.close();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected openLowdbStore to fail');
}

describe('damaged data files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
    const s = await openLowdbStore(dir);
    await s.users.put('slack:U1', { platform: 'slack', id: 'U1', name: 'Pupil Name', firstSeen: 'x', lastSeen: 'x' });
    await s.close();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  async function expectRefusedAndUntouched(file: string, content: string, detail: RegExp) {
    const path = join(dir, file);
    await writeFile(path, content);
    const before = await stat(path);
    const err = await openError(dir);
    expect(err).toBeInstanceOf(StoreCorruptError);
    expect(err.message).toContain(path);
    expect(err.message).toMatch(detail);
    expect(err.message).toMatch(/has not changed the file/);
    expect(err.message).not.toContain('Pupil Name');
    expect(await readFile(path, 'utf8')).toBe(content);
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
    return path;
  }

  it('a truncated file: refused with file, line and column; not overwritten; lock released', async () => {
    const text = (await readFile(join(dir, 'users.json'), 'utf8')).slice(0, 40);
    await expectRefusedAndUntouched('users.json', text, /invalid JSON at line 4, column 9/);
    // After the admin restores the file, SafeCall starts (the failed open released its lock).
    await writeFile(join(dir, 'users.json'), '{"format":2,"records":{}}');
    const s = await openLowdbStore(dir, { lockStaleMs: 2000 });
    expect(await s.users.list()).toEqual([]);
    await s.close();
  });

  it('a syntax error mid-file is located', async () => {
    await expectRefusedAndUntouched('dialogs.json', '{\n  "records": {\n    "a": tru\n  }\n}\n', /line 3, column 13/);
  });

  it('the wrong shape is refused', async () => {
    await expectRefusedAndUntouched('conversations.json', '{"format": 2, "records": []}', /unexpected layout at "records"/);
    await expectRefusedAndUntouched('conversations.json', '[1, 2]', /unexpected layout/);
    await expectRefusedAndUntouched('conversations.json', '{"format": 2, "users": {}}', /unexpected layout at "records"/);
    await expectRefusedAndUntouched('conversations.json', '{"format": 2, "records": {"k": {"value": 1}}}', /unexpected layout at "records.k.revision"/);
  });

  it('a journal whose last change was cut off by a kill -9: opens, drops only the unfinished line', async () => {
    const whole = `${JSON.stringify({ k: 'slack:U2', e: { value: { platform: 'slack', id: 'U2', firstSeen: 'y', lastSeen: 'y' }, revision: 1 } })}\n`;
    await writeFile(join(dir, 'users.log'), `${whole}{"k":"slack:U3","e":{"value":{"platf`);
    const s = await openLowdbStore(dir, { lockStaleMs: 2000 });
    expect((await s.users.list()).map((u) => u.id).sort()).toEqual(['U1', 'U2']);
    await s.users.put('slack:U4', { platform: 'slack', id: 'U4', firstSeen: 'z', lastSeen: 'z' });
    await s.close();
    const again = await openLowdbStore(dir, { lockStaleMs: 2000 });
    expect((await again.users.list()).map((u) => u.id).sort()).toEqual(['U1', 'U2', 'U4']);
    await again.close();
  });

  it('a damaged line inside a journal is refused, naming the file and line', async () => {
    const whole = `${JSON.stringify({ k: 'slack:U2', e: { value: {}, revision: 1 } })}\n`;
    await expectRefusedAndUntouched('users.log', `${whole}{"k": 5}\n${whole}`, /unreadable change at line 2/);
  });

  it('a damaged meta.json is refused too', async () => {
    await expectRefusedAndUntouched('meta.json', '{"schemaVersion": "one"}', /unexpected layout at "schemaVersion"/);
    await expectRefusedAndUntouched('meta.json', '', /the file is empty/);
  });
});

describe('describeJsonError', () => {
  const describeOf = (text: string) => {
    try {
      JSON.parse(text);
    } catch (err) {
      return describeJsonError(text, err);
    }
    throw new Error('valid JSON');
  };

  it.each([
    ['{"a":1,}', 'line 1, column 8'],
    ['{\n"a" 1}', 'line 2, column 5'],
    ['{}x', 'line 1, column 3'],
    ['{"records":{"a":', 'line 1, column 17'],
    ['{"a":"\\q"}', 'line 1, column 8'],
    ['[1, 2,\n 3,, 4]', 'line 2, column 4'],
    ['{"a": -}', 'line 1, column 7'],
  ])('%j → %s', (text, where) => {
    expect(describeOf(text)).toContain(`invalid JSON at ${where}`);
  });

  it('never quotes the content', () => {
    const msg = describeOf('secret child name');
    expect(msg).toMatch(/^invalid JSON at line 1, column 1: Unexpected token/);
    expect(msg).not.toContain('child');
  });
});
