/**
 * The last line of defence: an error that escapes every request handler (a library's stray promise, a
 * timer) is logged and the process keeps serving both platforms. The edges validate what callers send and
 * catch their own failures, so reaching this is a bug to fix, not a way of working.
 */
import type { Log } from '../core/ports.js';

interface ProcessEvents {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void): unknown;
  off(event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void): unknown;
}

const reasonOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : typeof err);

/** Installs the handlers; returns a function that removes them. */
export function keepServingOnStrayErrors(log: Log, proc: ProcessEvents = process): () => void {
  const rejection = (err: unknown) => log.error({ err: reasonOf(err), kind: 'unhandledRejection' }, 'process: an error escaped its handler; logged, still serving');
  const exception = (err: unknown) => log.error({ err: reasonOf(err), kind: 'uncaughtException' }, 'process: an error escaped its handler; logged, still serving');
  proc.on('unhandledRejection', rejection);
  proc.on('uncaughtException', exception);
  return () => {
    proc.off('unhandledRejection', rejection);
    proc.off('uncaughtException', exception);
  };
}
