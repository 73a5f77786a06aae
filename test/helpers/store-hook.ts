/**
 * A store whose report writes wait on `before` first (the read before them goes through at once): for
 * forcing one writer's write to land between another's read and write, on a real store, without a sleep.
 */
import type { Store } from '../../src/core/ports.js';

export function beforeReportWrites(store: Store, method: 'update' | 'putIf', before: () => Promise<unknown>): Store {
  const reports = new Proxy(store.reports, {
    get(target, prop) {
      if (prop === method)
        return async (...args: unknown[]) => {
          await before();
          return (target[method] as (...a: unknown[]) => unknown).apply(target, args);
        };
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return new Proxy(store, { get: (target, prop) => (prop === 'reports' ? reports : (Reflect.get(target, prop, target) as unknown)) });
}
