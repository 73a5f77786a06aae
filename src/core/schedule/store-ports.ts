/**
 * The store-backed Outbox and Timers (any Store: memory, lowdb, PostgreSQL). Enqueueing is a
 * compare-and-set on the idempotency key, so it is safe to repeat from any instance.
 */
import type { Clock, Store } from '../ports.js';
import type { Sealer } from '../sealer.js';
import type { Delivery, Outbox, OutboxItem, Timer, Timers } from './types.js';

export function storeOutbox(store: Pick<Store, 'deliveries'>, clock: Clock, sealer?: Sealer): Outbox {
  const listeners = new Set<() => void>();
  return {
    onAdded(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async enqueue(items: OutboxItem[]) {
      let added = 0;
      let existing = 0;
      for (const item of items) {
        const now = clock.now().toISOString();
        const body = sealer?.enabled ? { sealed: sealer.seal(JSON.stringify(item.prompt)) } : { prompt: item.prompt };
        const delivery: Delivery = {
          key: item.key,
          kind: item.kind,
          ...(item.group ? { group: item.group } : {}),
          to: item.to,
          ...body,
          ...(item.updateOf ? { updateOf: item.updateOf } : {}),
          status: 'queued',
          attempts: 0,
          createdAt: now,
          notBefore: (item.notBefore ?? clock.now()).toISOString(),
        };
        const written = await store.deliveries.putIf(item.key, delivery, 0);
        if (written === undefined) existing += 1;
        else added += 1;
      }
      if (added > 0) for (const fn of listeners) fn();
      return { added, existing };
    },
    get: (key) => store.deliveries.get(key),
    async retry(key, prompt) {
      const current = await store.deliveries.read(key);
      if (!current || (current.value.status !== 'unreachable' && current.value.status !== 'failed')) return false;
      const { error: _error, sendingSince: _since, ...rest } = current.value;
      const body = prompt === undefined ? {} : sealer?.enabled ? { sealed: sealer.seal(JSON.stringify(prompt)), prompt: undefined } : { prompt, sealed: undefined };
      const next: Delivery = { ...rest, ...body, status: 'queued', attempts: 0, notBefore: clock.now().toISOString() };
      for (const k of ['prompt', 'sealed'] as const) if (next[k] === undefined) delete next[k];
      const written = (await store.deliveries.putIf(key, next, current.revision)) !== undefined;
      if (written) for (const fn of listeners) fn();
      return written;
    },
    async cancel(key) {
      const current = await store.deliveries.read(key);
      if (!current || current.value.status !== 'queued') return false;
      return (await store.deliveries.putIf(key, { ...current.value, status: 'cancelled' }, current.revision)) !== undefined;
    },
  };
}

export function storeTimers(store: Pick<Store, 'timers'>, clock: Clock): Timers {
  const make = (t: { key: string; kind: string; dueAt: Date; payload?: Timer['payload'] }): Timer => ({
    key: t.key,
    kind: t.kind,
    dueAt: t.dueAt.toISOString(),
    createdAt: clock.now().toISOString(),
    payload: t.payload ?? {},
  });
  return {
    async set(t) {
      await store.timers.put(t.key, make(t));
    },
    async setOnce(t) {
      return (await store.timers.putIf(t.key, make(t), 0)) !== undefined;
    },
    cancel: (key) => store.timers.delete(key),
    get: (key) => store.timers.get(key),
  };
}
