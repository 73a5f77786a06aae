/**
 * Encryption at rest for report narratives, personal fields and queued messages. A Sealer turns text into
 * an opaque string and back. With no data key set, `plainSealer` stores text as it is (and start-up warns).
 * `aesSealer` encrypts with AES-256-GCM (node:crypto): a fresh 12-byte IV per value and the 16-byte tag, so
 * a changed byte is refused rather than read wrong. The key comes from the environment (SAFECALL_DATA_KEY,
 * 32 bytes in base64; src/config.ts checks it).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Sealer {
  /** True when a data key is set and `seal` really encrypts. */
  readonly enabled: boolean;
  seal(plain: string): string;
  /** Reads what `seal` wrote (and, for a key change, what plainSealer wrote). Throws on tampering. */
  open(sealed: string): string;
}

/** Every sealed value starts with this, so a reader can tell sealed text from plain text. */
export const SEALED_PREFIX = 'sc1:';

/** Sealed text found, but no key (or the wrong key) to open it with. The message names the fix; no content. */
export class SealError extends Error {}

export const plainSealer: Sealer = {
  enabled: false,
  seal: (plain) => plain,
  open: (sealed) => {
    if (sealed.startsWith(SEALED_PREFIX)) throw new SealError('This record was encrypted with a data key. Set SAFECALL_DATA_KEY to the key it was written with.');
    return sealed;
  },
};

export const DATA_KEY_BYTES = 32;

/** The key from its base64 text; undefined when it is not 32 bytes of base64. */
export function readDataKey(base64: string): Buffer | undefined {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === DATA_KEY_BYTES ? key : undefined;
}

export function aesSealer(key: Buffer): Sealer {
  if (key.length !== DATA_KEY_BYTES) throw new SealError(`The data key must be ${DATA_KEY_BYTES} bytes (it is ${key.length}).`);
  const secret = Buffer.from(key);
  return {
    enabled: true,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', secret, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${SEALED_PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
    },
    open(sealed) {
      // Written before the key was set: plain text, read as it is.
      if (!sealed.startsWith(SEALED_PREFIX)) return sealed;
      const [iv, tag, body] = sealed.slice(SEALED_PREFIX.length).split(':');
      if (iv === undefined || tag === undefined || body === undefined) throw new SealError('A sealed value is damaged (it does not have its three parts).');
      try {
        const decipher = createDecipheriv('aes-256-gcm', secret, Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new SealError('A sealed value could not be opened: it was written with another data key, or it was changed.');
      }
    },
  };
}
