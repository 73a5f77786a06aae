/** AES-256-GCM at rest: round trip, a fresh IV each time, tampering and a wrong key refused, plain text still read. */
import { randomBytes } from 'node:crypto';
import { aesSealer, plainSealer, readDataKey, SealError, SEALED_PREFIX } from '../../src/core/sealer.js';
import { loadEnv, ConfigError } from '../../src/config.js';

const key = randomBytes(32);

test('seals and opens text, with a new IV every time', () => {
  const s = aesSealer(key);
  const a = s.seal('Pupil’s address: 12 High St 🏠');
  const b = s.seal('Pupil’s address: 12 High St 🏠');
  expect(a.startsWith(SEALED_PREFIX)).toBe(true);
  expect(a).not.toBe(b);
  expect(a).not.toContain('High St');
  expect(s.open(a)).toBe('Pupil’s address: 12 High St 🏠');
  expect(s.open(s.seal(''))).toBe('');
});

test('a changed byte or another key is refused, not read wrong', () => {
  const s = aesSealer(key);
  const sealed = s.seal('secret');
  const [iv, tag, body] = sealed.slice(SEALED_PREFIX.length).split(':');
  const flipped = Buffer.from(body!, 'base64');
  flipped[0] = flipped[0]! ^ 1;
  expect(() => s.open(`${SEALED_PREFIX}${iv}:${tag}:${flipped.toString('base64')}`)).toThrow(SealError);
  expect(() => aesSealer(randomBytes(32)).open(sealed)).toThrow(/another data key/);
  expect(() => s.open(`${SEALED_PREFIX}broken`)).toThrow(/damaged/);
});

test('text stored before the key was set is read as it is; sealed text without the key says to set it', () => {
  expect(aesSealer(key).open('written in plain')).toBe('written in plain');
  expect(() => plainSealer.open(aesSealer(key).seal('x'))).toThrow(/SAFECALL_DATA_KEY/);
  expect(plainSealer.enabled).toBe(false);
});

test('the key must be 32 bytes of base64; the environment check names the variable and how to make one', () => {
  expect(readDataKey(key.toString('base64'))).toEqual(key);
  expect(readDataKey(randomBytes(16).toString('base64'))).toBeUndefined();
  expect(readDataKey('not base64 at all!')).toBeUndefined();
  expect(() => aesSealer(randomBytes(16))).toThrow(SealError);
  expect(loadEnv({ SAFECALL_DATA_KEY: key.toString('base64') }).SAFECALL_DATA_KEY).toBe(key.toString('base64'));
  let err: unknown;
  try {
    loadEnv({ SAFECALL_DATA_KEY: 'c2hvcnQ=' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toMatch(/SAFECALL_DATA_KEY: must be 32 random bytes in base64.*openssl rand -base64 32/);
});
