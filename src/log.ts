/**
 * The process logger (pino, JSON lines). Report and message content must never be logged: callers pass ids,
 * kinds and counts only, and these paths are redacted as a second line of defence.
 */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = ['text', 'body', 'values', 'value', 'payload', '*.text', '*.body', '*.values', '*.value', 'token', '*.token', 'authorization', '*.authorization'];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { app: 'safecall' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
