/**
 * A value sealed the way SafeCall sealed before sealed values were tagged objects: the string
 * `sc1:<iv>:<tag>:<data>` (AES-256-GCM, base64 parts). For tests of reading and upgrading old data.
 */
import { createCipheriv, randomBytes } from 'node:crypto';

export function legacySeal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `sc1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
}
