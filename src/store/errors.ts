/**
 * Store errors. Messages are written for the school's IT admin: they say what is wrong, which folder
 * or file is affected, and what to do. They never contain record contents.
 */
import { STORE_UNAVAILABLE } from '../core/ports.js';

export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
  constructor(readonly dir: string) {
    super(
      `Another SafeCall process is already using the data directory ${dir}. ` +
        'Stop it first, or set DATA_DIR to a different folder.',
    );
  }
}

export class ReadOnlyStoreError extends Error {
  override readonly name = 'ReadOnlyStoreError';
  constructor(readonly dir: string, what = 'change data') {
    super(
      `Cannot ${what}: the data directory ${dir} was opened read-only (for example by the safecall CLI ` +
        'while the server is running). Make changes through the running SafeCall server instead.',
    );
  }
}

export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
  constructor(readonly file: string, readonly detail: string) {
    super(
      `The data file ${file} is damaged and SafeCall cannot read it (${detail}). ` +
        'SafeCall has not changed the file and will not start until it is fixed. ' +
        'Restore it from a backup, or move it out of the data directory to start that part of the data empty.',
    );
  }
}

/** A reader could not catch the data at rest: the server kept writing through every attempt to read it whole. */
export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError';
  constructor(readonly dir: string, attempts: number) {
    super(
      `The data in ${dir} changed while it was being read, ${attempts} times in a row, so no consistent copy could be taken. ` +
        'Try again in a quieter moment, or stop the server first.',
    );
  }
}

export class StoreVersionError extends Error {
  override readonly name = 'StoreVersionError';
  constructor(message: string) {
    super(message);
  }
}

/**
 * Why a PostgreSQL connection failed, for the admin: the server ended it (an administrator's
 * pg_terminate_backend, a shutdown, a failover), it closed under a query (a restart, a failover, the network),
 * the server is starting or stopping, it has no connection to spare, or it could not be reached at all (the
 * only case where DATABASE_URL itself is the likely fault).
 */
export type ConnectionFailure = 'ended' | 'crashed' | 'starting' | 'full' | 'closed' | 'unreachable';

/** SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) and node-postgres's own messages. */
export function connectionFailure(err: unknown): ConnectionFailure {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (code === '57P01') return 'ended'; // admin_shutdown: pg_terminate_backend, or a smart/fast shutdown
  if (code === '57P02') return 'crashed'; // crash_shutdown
  if (code === '57P03') return 'starting'; // cannot_connect_now: starting up, shutting down, in recovery
  if (code === '53300') return 'full'; // too_many_connections
  if (code === 'ECONNRESET' || code === 'EPIPE' || /Connection terminated(?! due to connection timeout)|Connection closed|not queryable/i.test(message)) return 'closed';
  return 'unreachable';
}

const WHAT_HAPPENED: Record<ConnectionFailure, string> = {
  ended:
    'The database server ended the connection (an administrator ended it, or the server is shutting down or failing over to a standby). ' +
    'SafeCall opens a new connection for the next request by itself; if this keeps happening, ask whoever runs the database server.',
  crashed: 'The database server stopped after a fault in another process and ended every connection. It usually restarts by itself; SafeCall reconnects when it does.',
  starting: 'The database server is starting up, shutting down or recovering, and is not taking connections yet. SafeCall tries again with the next request.',
  full: 'The database server has no connection to spare (max_connections). Lower DATABASE_POOL_SIZE on each instance, or raise max_connections on the server.',
  closed:
    'The connection to the database closed while in use (the server restarted or failed over, or the network between them dropped it). ' +
    'SafeCall opens a new connection for the next request by itself.',
  unreachable: 'Check DATABASE_URL (host, port, database, user and password) and that the server is running.',
};

/** PostgreSQL could not be reached, or a connection was lost (at start; a running server reports it in /healthz). */
export class StoreUnavailableError extends Error {
  override readonly name = STORE_UNAVAILABLE;
  constructor(
    readonly where: string,
    readonly detail: string,
    readonly failure: ConnectionFailure = 'unreachable',
  ) {
    super(`SafeCall could not use the PostgreSQL database at ${where} (${detail}). ${WHAT_HAPPENED[failure]}`);
  }
}
