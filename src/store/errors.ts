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

export class StoreVersionError extends Error {
  override readonly name = 'StoreVersionError';
  constructor(message: string) {
    super(message);
  }
}

/** PostgreSQL could not be reached or refused the connection (at start; a running server reports it in /healthz). */
export class StoreUnavailableError extends Error {
  override readonly name = STORE_UNAVAILABLE;
  constructor(readonly where: string, readonly detail: string) {
    super(
      `SafeCall could not use the PostgreSQL database at ${where} (${detail}). ` +
        'Check DATABASE_URL (host, port, database, user and password) and that the server is running.',
    );
  }
}
