import { memoryStore } from '../../src/core/memory.js';
import { sweepExpired } from '../../src/store/sweep.js';
import { TestClock, request } from './helpers.js';

test('sweepExpired removes expired records from every collection and says how many', async () => {
  const clock = new TestClock();
  const store = memoryStore(clock);
  const soon = { expiresAt: new Date(clock.now().getTime() + 1000) };
  await store.dialogs.put('d', { key: 'd', dialog: 'setup', updatedAt: clock.now().toISOString(), state: {} }, soon);
  await store.receipts.put('e1', { kind: 'k', at: clock.now().toISOString() }, soon);
  await store.receipts.put('e2', { kind: 'k', at: clock.now().toISOString() }, soon);
  await store.requests.put('r', request('r'));
  expect(await sweepExpired(store)).toEqual({});
  clock.advance(1000);
  expect(await sweepExpired(store)).toEqual({ dialogs: 1, receipts: 2 });
  expect(await store.requests.get('r')).toBeDefined();
});
