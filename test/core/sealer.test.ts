/**
 * AES-256-GCM at rest: sealed values are tagged objects naming their key; round trip, a fresh IV each time,
 * tampering and a wrong key refused; a keyring (old keys read, the new one writes); text that looks like
 * ciphertext is text; the legacy string form read only when a key really opens it.
 */
import { randomBytes } from 'node:crypto';
import { aesSealer, isSealedValue, keyId, legacySealed, plainSealer, readDataKey, SealError, sealerFromKeys, type SealedValue } from '../../src/core/sealer.js';
import { loadEnv, ConfigError } from '../../src/config.js';
import { legacySeal } from '../helpers/legacy-seal.js';

const key = randomBytes(32);
const b64 = (k: Buffer) => k.toString('base64');

test('seals text into a tagged object naming its key, with a new IV every time, and opens it', () => {
  const s = aesSealer(key);
  const a = s.seal('Pupil’s address: 12 High St 🏠') as SealedValue;
  const b = s.seal('Pupil’s address: 12 High St 🏠') as SealedValue;
  expect(isSealedValue(a)).toBe(true);
  expect(a).toEqual({ sealed: 'aes-256-gcm', key: keyId(key), iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });
  expect(a.iv).not.toBe(b.iv);
  expect(JSON.stringify(a)).not.toContain('High St');
  expect(s.open(a)).toBe('Pupil’s address: 12 High St 🏠');
  expect(s.open(s.seal(''))).toBe('');
  expect(keyId(key)).toMatch(/^k[0-9a-f]{16}$/);
  expect(JSON.stringify(a)).not.toContain(b64(key));
});

test('a changed byte, another key or a damaged value is refused, not read wrong', () => {
  const s = aesSealer(key);
  const sealed = s.seal('secret') as SealedValue;
  const flipped = Buffer.from(sealed.data, 'base64');
  flipped[0] = flipped[0]! ^ 1;
  expect(() => s.open({ ...sealed, data: flipped.toString('base64') })).toThrow(SealError);
  expect(() => aesSealer(randomBytes(32)).open(sealed)).toThrow(/another data key/);
  expect(() => s.open({ ...sealed, iv: '!!' })).toThrow(/damaged/);
});

test('text stays text whatever it looks like: with or without a key, "sc1: spoke to head" is a note', () => {
  for (const text of ['sc1: spoke to head', 'sc1:a:b:c', `sc1:${'A'.repeat(16)}:${'B'.repeat(22)}==:QUJD`]) {
    expect(plainSealer.open(text)).toBe(text);
    expect(aesSealer(key).open(text)).toBe(text);
  }
  expect(legacySealed('sc1: spoke to head')).toBeUndefined();
  expect(() => plainSealer.open(aesSealer(key).seal('x'))).toThrow(/SAFECALL_DATA_KEY/);
  expect(plainSealer.enabled).toBe(false);
});

test('a legacy sealed string opens only when a key of the ring really opens it', () => {
  const old = legacySeal(key, 'written by SafeCall before tagging');
  expect(legacySealed(old)).toBeDefined();
  expect(aesSealer(key).open(old)).toBe('written by SafeCall before tagging');
  expect(aesSealer(key).openerOf(old)).toBe(keyId(key));
  expect(aesSealer(randomBytes(32), [key]).openerOf(old)).toBe(keyId(key));
  // Another key does not open it: it reads as the string it is.
  expect(aesSealer(randomBytes(32)).open(old)).toBe(old);
  expect(aesSealer(randomBytes(32)).openerOf(old)).toBeUndefined();
});

test('a keyring: the new key writes, old keys still read, and what is not under the new key is stale', () => {
  const oldKey = randomBytes(32);
  const before = aesSealer(oldKey).seal('sealed last year');
  const ring = aesSealer(key, [oldKey]);
  expect(ring.open(before)).toBe('sealed last year');
  const now = ring.seal('sealed today') as SealedValue;
  expect(now.key).toBe(keyId(key));
  expect([ring.stale(before), ring.stale(now), ring.stale('plain text')]).toEqual([true, false, true]);
  expect(ring.keyIds).toEqual([keyId(key), keyId(oldKey)]);
  // Without the old key, the message names the key the value needs.
  expect(() => aesSealer(key).open(before)).toThrow(new RegExp(keyId(oldKey)));
});

test('the keys from the environment: SAFECALL_DATA_KEY writes, SAFECALL_DATA_KEYS_OLD read; each mistake named', () => {
  const oldKey = randomBytes(32);
  expect(sealerFromKeys(undefined, undefined)).toBe(plainSealer);
  expect(sealerFromKeys(b64(key), ` ${b64(oldKey)} ,`).keyIds).toEqual([keyId(key), keyId(oldKey)]);
  expect(() => sealerFromKeys(undefined, b64(oldKey))).toThrow(/SAFECALL_DATA_KEY is not/);
  expect(() => sealerFromKeys(b64(key), `${b64(oldKey)},nope`)).toThrow(/SAFECALL_DATA_KEYS_OLD: key 2 of 2/);
  expect(() => sealerFromKeys('short', undefined)).toThrow(/32 random bytes/);
});

test('the key must be 32 bytes of base64; the environment check names the variable and how to make one', () => {
  expect(readDataKey(b64(key))).toEqual(key);
  expect(readDataKey(randomBytes(16).toString('base64'))).toBeUndefined();
  expect(readDataKey('not base64 at all!')).toBeUndefined();
  expect(() => aesSealer(randomBytes(16))).toThrow(SealError);
  expect(loadEnv({ SAFECALL_DATA_KEY: b64(key) }).SAFECALL_DATA_KEY).toBe(b64(key));
  const problems = (env: Record<string, string>) => {
    try {
      loadEnv(env);
      return '';
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
  };
  expect(problems({ SAFECALL_DATA_KEY: 'c2hvcnQ=' })).toMatch(/SAFECALL_DATA_KEY: must be 32 random bytes in base64.*openssl rand -base64 32/);
  expect(problems({ SAFECALL_DATA_KEY: b64(key), SAFECALL_DATA_KEYS_OLD: `${b64(randomBytes(32))},c2hvcnQ=` })).toMatch(/SAFECALL_DATA_KEYS_OLD: key 2 of 2 is not 32 random bytes/);
  expect(problems({ SAFECALL_DATA_KEYS_OLD: b64(randomBytes(32)) })).toMatch(/SAFECALL_DATA_KEYS_OLD: old keys only read; set SAFECALL_DATA_KEY/);
  expect(problems({ SAFECALL_DATA_KEY: b64(key), SAFECALL_DATA_KEYS_OLD: b64(randomBytes(32)) })).toBe('');
});
