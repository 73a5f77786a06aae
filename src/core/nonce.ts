/** A random id for a form a person opens (its submissions are then recognised as one), for features that may not import node:crypto. */
import { randomUUID } from 'node:crypto';

export const nonce = (): string => randomUUID();

/** A short stable digest of text (FNV-1a, 32 bits, hex): for keys, not for secrets. */
export function digest(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
