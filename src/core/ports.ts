/**
 * The ports core depends on. Implementations live at the edge (src/store, main.ts); tests may use the
 * in-memory ones in src/core/memory.ts.
 */
import type { ConversationKind, Platform } from './conversation.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A keyed collection of JSON-serialisable records. Kept deliberately small so that a PostgreSQL
 * implementation (one table per collection, key + jsonb) is a short file.
 */
export interface Collection<T> {
  get(key: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  /** Writes are durable (on disk, atomically) when the promise resolves. */
  put(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  /** Read-modify-write without another write in between; `fn` returns undefined to delete. */
  update(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined>;
}

export interface KnownUser {
  platform: Platform;
  id: string;
  name?: string;
  teamId?: string;
  firstSeen: string;
  lastSeen: string;
  /** The 1:1 conversation with the person, where known (for reminders). */
  dmConversationId?: string;
  /** Preferences remembered between dialogs. */
  prefs?: {
    callPlatform?: 'zoom' | 'teams' | 'meet';
    /** Account-level guidance ids already walked through (offered once, revisitable). */
    accountStepsSeen?: string[];
  };
}

export interface KnownConversation {
  platform: Platform;
  id: string;
  kind: ConversationKind;
  teamId?: string;
  /** Teams: the serialised ConversationReference needed to message proactively after a restart. */
  reference?: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
}

/** Opaque per-dialog state, owned by the dialog engine. */
export interface StoredDialog {
  key: string;
  dialog: string;
  updatedAt: string;
  state: Record<string, unknown>;
}

/** A request the bot could not act on yet (e.g. "remind me before my next call" before the scheduler lands). */
export interface PendingRequest {
  id: string;
  kind: string;
  platform: Platform;
  userId: string;
  conversationId: string;
  createdAt: string;
  dueAt?: string;
  detail: Record<string, unknown>;
}

export interface Store {
  users: Collection<KnownUser>;
  conversations: Collection<KnownConversation>;
  dialogs: Collection<StoredDialog>;
  requests: Collection<PendingRequest>;
  /** True when the store can write right now (for /healthz). */
  writable(): Promise<boolean>;
  close(): Promise<void>;
}

export const userKey = (platform: Platform, id: string) => `${platform}:${id}`;
export const conversationKey = (platform: Platform, id: string) => `${platform}:${id}`;

/** Structured logger (pino-compatible subset). Never pass report or message content to it. */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
