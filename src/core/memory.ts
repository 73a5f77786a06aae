/** In-memory implementations of the ports, for core tests and the CLI's dry runs. */
import type { Collection, KnownConversation, KnownUser, PendingRequest, Store, StoredDialog } from './ports.js';

export class MemoryCollection<T> implements Collection<T> {
  private readonly items = new Map<string, T>();

  async get(key: string) {
    const v = this.items.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }
  async list() {
    return [...this.items.values()].map((v) => structuredClone(v));
  }
  async put(key: string, value: T) {
    this.items.set(key, structuredClone(value));
  }
  async delete(key: string) {
    this.items.delete(key);
  }
  async update(key: string, fn: (current: T | undefined) => T | undefined) {
    // Read and write in the same tick: nothing may run between them, or concurrent updates are lost.
    const current = this.items.get(key);
    const next = fn(current === undefined ? undefined : structuredClone(current));
    if (next === undefined) this.items.delete(key);
    else this.items.set(key, structuredClone(next));
    return next;
  }
}

export function memoryStore(): Store {
  return {
    users: new MemoryCollection<KnownUser>(),
    conversations: new MemoryCollection<KnownConversation>(),
    dialogs: new MemoryCollection<StoredDialog>(),
    requests: new MemoryCollection<PendingRequest>(),
    writable: async () => true,
    close: async () => undefined,
  };
}
