/**
 * A finished setup leaves the store by itself: the checklist's dialog is kept a day (a late double click on
 * its last button is still recognised), then the store's sweep removes it, so the dialogs collection does not
 * grow with every teacher's every walk. Time is the test's clock, not the real date.
 */
import { walker } from './setup-walk.js';

const HOUR = 60 * 60 * 1000;

test('a finished checklist is kept for a day, then swept', async () => {
  let now = new Date('2026-11-23T09:00:00Z');
  const w = walker({ clock: { now: () => now } });
  const result = await w.walk('zoom');
  expect(result.state.stage).toBe('summary');
  expect(await w.store.dialogs.list()).toHaveLength(1);

  now = new Date(now.getTime() + 12 * HOUR);
  expect(await w.store.dialogs.sweep()).toBe(0);
  expect(await w.store.dialogs.list()).toHaveLength(1);

  now = new Date(now.getTime() + 13 * HOUR);
  expect(await w.store.dialogs.list()).toHaveLength(0);
  expect(await w.store.dialogs.sweep()).toBe(1);
});
