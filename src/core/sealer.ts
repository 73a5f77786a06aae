/**
 * Encryption at rest for report narratives, personal fields and queued messages. A Sealer turns text into a
 * sealed value and back. With no data key set, `plainSealer` stores text as it is (and start-up warns).
 * `aesSealer` encrypts with AES-256-GCM (node:crypto): a fresh 12-byte IV per value and the 16-byte tag, so a
 * changed byte is refused rather than read wrong.
 *
 * A sealed value is a tagged object (SealedValue), never a string, so nothing a person types can be taken
 * for one: a stored string is always text as typed. The object names the key that sealed it by an id (a
 * hash of the key, which says nothing about it), so a keyring can hold old keys that still read while the
 * newest writes (SAFECALL_DATA_KEY writes, SAFECALL_DATA_KEYS_OLD still read; docs/reports-encryption.md).
 *
 * Before the tagged form, SafeCall wrote sealed values as strings `sc1:<iv>:<tag>:<data>`. `legacySealed`
 * recognises one written by a real sealer (exact IV and tag lengths, base64); a string that merely starts
 * with `sc1:` is text. A keyed sealer opens a legacy string only when one of its keys really does (the GCM
 * tag proves a key wrote it); src/core/sealed-data.ts turns stored legacy strings into tagged values once.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const SEALED_ALGORITHM = 'aes-256-gcm';

/** A value sealed with a data key, as stored. */
export interface SealedValue {
  sealed: typeof SEALED_ALGORITHM;
  /**
   * The id of the key that sealed it (keyId). Absent only on a value converted from the legacy string form
   * while no key at hand opened it: any key of the ring is tried then.
   */
  key?: string;
  iv: string;
  tag: string;
  data: string;
}

/** A field that may be sealed: text as typed (no key set, or written before one was), or a sealed value. */
export type MaybeSealed = string | SealedValue;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const KEY_ID = /^k[0-9a-f]{16}$/;

/** True for a well-formed sealed value (whether or not any key at hand opens it). */
export function isSealedValue(v: unknown): v is SealedValue {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return o.sealed === SEALED_ALGORITHM && (o.key === undefined || (typeof o.key === 'string' && KEY_ID.test(o.key))) && [o.iv, o.tag, o.data].every((x) => typeof x === 'string' && BASE64.test(x));
}

export interface Sealer {
  /** True when a data key is set and `seal` really encrypts. */
  readonly enabled: boolean;
  /** The id of the key that seals; undefined without one. */
  readonly keyId?: string;
  /** The ids of every key in the ring (the writing key first). */
  readonly keyIds: readonly string[];
  seal(plain: string): MaybeSealed;
  /** Reads what `seal` wrote, with any key in the ring, and text as it is. Throws SealError when it cannot. */
  open(value: MaybeSealed): string;
  /** True when `value` is not sealed with the writing key (text, a legacy string, or an older key): `keys rotate` re-seals it. */
  stale(value: MaybeSealed): boolean;
  /** The id of the key in the ring that opens this legacy sealed string; undefined when none does (or it is not one). */
  openerOf(legacy: string): string | undefined;
}

/** Sealed data found, but no key (or not the key) to open it with. The message names the fix; never content. */
export class SealError extends Error {}

export const DATA_KEY_BYTES = 32;

/** The key from its base64 text; undefined when it is not 32 bytes of base64. */
export function readDataKey(base64: string): Buffer | undefined {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === DATA_KEY_BYTES ? key : undefined;
}

/** A key's id: what a sealed value names it by. A hash, so it tells nothing of the key. */
export const keyId = (key: Buffer) => `k${createHash('sha256').update('safecall data key id\0').update(key).digest('hex').slice(0, 16)}`;

// ---- the string form written before sealed values were tagged ----------------------------------------

const LEGACY = /^sc1:([A-Za-z0-9+/]{16}):([A-Za-z0-9+/]{22}==):([A-Za-z0-9+/]*={0,2})$/;

/** The parts of a legacy sealed string exactly as a real sealer wrote it (12-byte IV, 16-byte tag, base64 data); else undefined. */
export function legacySealed(s: string): { iv: string; tag: string; data: string } | undefined {
  const m = LEGACY.exec(s);
  if (!m || m[3]!.length % 4 !== 0) return undefined;
  return { iv: m[1]!, tag: m[2]!, data: m[3]! };
}

function decrypt(key: Buffer, iv: string, tag: string, data: string): string | undefined {
  try {
    const decipher = createDecipheriv(SEALED_ALGORITHM, key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

// ---- sealers -------------------------------------------------------------------------------------------

const noKeyMessage = 'This record was encrypted with a data key. Set SAFECALL_DATA_KEY to the key it was written with.';

export const plainSealer: Sealer = {
  enabled: false,
  keyIds: [],
  seal: (plain) => plain,
  open: (value) => {
    if (typeof value === 'string') return value;
    throw new SealError(noKeyMessage);
  },
  stale: (value) => typeof value !== 'string',
  openerOf: () => undefined,
};

/**
 * Seals with `key`; opens what `key` or any of `older` sealed (a keyring: after a rotation the old keys still
 * read until every value is re-sealed). Text (never sealed) reads as it is.
 */
export function aesSealer(key: Buffer, older: readonly Buffer[] = []): Sealer {
  for (const k of [key, ...older]) if (k.length !== DATA_KEY_BYTES) throw new SealError(`A data key must be ${DATA_KEY_BYTES} bytes (one is ${k.length}).`);
  const ring = new Map<string, Buffer>();
  for (const k of [key, ...older]) if (!ring.has(keyId(k))) ring.set(keyId(k), Buffer.from(k));
  const writer = keyId(key);
  const secret = ring.get(writer)!;

  /** Opened by the first key of the ring that opens it, with that key's id; undefined when none does. */
  const tryRing = (parts: { iv: string; tag: string; data: string }): { text: string; key: string } | undefined => {
    for (const [id, k] of ring) {
      const text = decrypt(k, parts.iv, parts.tag, parts.data);
      if (text !== undefined) return { text, key: id };
    }
    return undefined;
  };
  /** A legacy string opened by a key of the ring, or undefined when none does (then it is text). */
  const openLegacy = (s: string) => {
    const parts = legacySealed(s);
    return parts ? tryRing(parts) : undefined;
  };

  return {
    enabled: true,
    keyId: writer,
    keyIds: [...ring.keys()],
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv(SEALED_ALGORITHM, secret, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return { sealed: SEALED_ALGORITHM, key: writer, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    },
    open(value) {
      if (typeof value === 'string') return openLegacy(value)?.text ?? value;
      if (!isSealedValue(value)) throw new SealError('A sealed value is damaged (it does not have its parts).');
      if (value.key === undefined) {
        const opened = tryRing(value);
        if (!opened) throw new SealError(`A sealed value could not be opened with SAFECALL_DATA_KEY or SAFECALL_DATA_KEYS_OLD: it was written with another data key, or it was changed.`);
        return opened.text;
      }
      const k = ring.get(value.key);
      if (!k)
        throw new SealError(
          `A sealed value was written with another data key (${value.key}): it is neither SAFECALL_DATA_KEY (${writer}) nor in SAFECALL_DATA_KEYS_OLD. Set the key it was written with (docs/reports-encryption.md).`,
        );
      const text = decrypt(k, value.iv, value.tag, value.data);
      if (text === undefined) throw new SealError(`A sealed value could not be opened with data key ${value.key}: it was changed, or it was written with another key.`);
      return text;
    },
    stale(value) {
      if (typeof value === 'string') return true;
      return value.key !== writer;
    },
    openerOf: (legacy) => openLegacy(legacy)?.key,
  };
}

/**
 * The sealer the environment names: SAFECALL_DATA_KEY writes (and reads), each of SAFECALL_DATA_KEYS_OLD
 * (comma-separated) still reads; plain storage without a key. Throws SealError naming the variable at fault.
 */
export function sealerFromKeys(writeKey: string | undefined, oldKeys: string | undefined): Sealer {
  const write = writeKey?.trim();
  const old = (oldKeys ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!write) {
    if (old.length) throw new SealError('SAFECALL_DATA_KEYS_OLD is set but SAFECALL_DATA_KEY is not: set SAFECALL_DATA_KEY to the key that encrypts from now on.');
    return plainSealer;
  }
  const key = readDataKey(write);
  if (!key) throw new SealError('SAFECALL_DATA_KEY must be 32 random bytes in base64 (make one with `openssl rand -base64 32`).');
  const older = old.map((text, i) => {
    const k = readDataKey(text);
    if (!k) throw new SealError(`SAFECALL_DATA_KEYS_OLD: key ${i + 1} of ${old.length} is not 32 random bytes in base64.`);
    return k;
  });
  return aesSealer(key, older);
}
