/** Loopback checks for Teams local mode: who may call, and where the bot may send. */
import { isLoopback } from '../config.js';

/** A socket's remote address (IPv4-mapped IPv6 included) is this machine. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return isLoopback(address.startsWith('::ffff:') ? address.slice(7) : address);
}

/** A URL whose host is this machine (http or https only). */
export function isLoopbackUrl(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopback(u.hostname);
  } catch {
    return false;
  }
}
