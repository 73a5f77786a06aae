/**
 * The dialog engine on the Store's compare-and-set: simultaneous clicks (Promise.all) on one dialog apply
 * once, and dialogs leave the store by themselves (idle ones after DIALOG_IDLE_MS, finished ones after
 * FINISHED_KEEP_MS), on the in-memory and the lowdb store.
 */
import type { Person, Place } from '../../../src/core/conversation.js';
import { DIALOG_IDLE_MS, DialogEngine, FINISHED_KEEP_MS, type DialogSpec } from '../../../src/core/dialog/engine.js';
import { memoryStore } from '../../../src/core/memory.js';
import type { Store } from '../../../src/core/ports.js';
import { openLowdbStore, type LowdbStore } from '../../../src/store/lowdb-store.js';
import { TestClock, removeDir, tempDir } from '../../store/helpers.js';

interface Counter {
  n: number;
  done: boolean;
}
type Event = { kind: 'add'; by: number } | { kind: 'finish' };

const spec: DialogSpec<Counter, Event, string> = {
  name: 'counter',
  reduce: (s, e) => (e.kind === 'add' ? { state: { ...s, n: s.n + e.by }, effects: [`added ${e.by}`] } : { state: { ...s, done: true }, effects: [] }),
  parse: (raw) => raw as Counter,
  finished: (s) => s.done,
};
const who: Person = { platform: 'slack', id: 'U1', name: 'Ms Teacher' };
const where: Place = { platform: 'slack', id: 'D1', kind: 'dm' };
const toEvent = (arg: string): Event | undefined => (arg === 'finish' ? { kind: 'finish' } : Number(arg) ? { kind: 'add', by: Number(arg) } : undefined);

const subjects: [string, (clock: TestClock) => Promise<Store>, (s: Store) => Promise<void>][] = [
  ['memory', async (clock) => memoryStore(clock), async () => undefined],
  ['lowdb', async (clock) => openLowdbStore(await tempDir(), { clock }), async (s) => {
    await s.close();
    await removeDir((s as LowdbStore).dir);
  }],
];

describe.each(subjects)('dialog engine on the %s store', (_label, open, close) => {
  let clock: TestClock;
  let store: Store;
  let engine: DialogEngine<Counter, Event, string>;
  let ids = 0;
  beforeEach(async () => {
    clock = new TestClock();
    store = await open(clock);
    engine = new DialogEngine(spec, store.dialogs, clock, () => `i${++ids}`);
  });
  afterEach(async () => close(store));

  it('ten simultaneous presses of one button apply it once; the others are duplicates', async () => {
    const record = await engine.begin(who, where, { n: 0, done: false });
    const value = engine.token(record, '5');
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => engine.apply(who, where, 'add', value, toEvent)));
    expect(outcomes.filter((o) => o.kind === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'duplicate')).toHaveLength(9);
    const applied = outcomes.find((o) => o.kind === 'applied')!;
    expect(applied).toMatchObject({ effects: ['added 5'], record: { revision: 1, data: { n: 5 } } });
    expect((await engine.load(who, where))?.data.n).toBe(5);
  });

  it('two different buttons of the same step pressed at once: one applies, the other is stale', async () => {
    const record = await engine.begin(who, where, { n: 0, done: false });
    const [a, b] = await Promise.all([
      engine.apply(who, where, 'add', engine.token(record, '1'), toEvent),
      engine.apply(who, where, 'add', engine.token(record, '100'), toEvent),
    ]);
    expect([a.kind, b.kind].sort()).toEqual(['applied', 'stale']);
    const n = (await engine.load(who, where))!.data.n;
    expect([1, 100]).toContain(n);
  });

  it('simultaneous "start again" presses make one new instance', async () => {
    const record = await engine.begin(who, where, { n: 3, done: false });
    const value = engine.token(record);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => engine.replace(who, where, 'again', value, () => ({ n: 0, done: false }))));
    const applied = outcomes.filter((o) => o.kind === 'applied');
    expect(applied).toHaveLength(1);
    expect((await engine.load(who, where))?.instance).toBe((applied[0] as { record: { instance: string } }).record.instance);
  });

  it('a dialog nobody touches expires DIALOG_IDLE_MS after its last change, and sweep removes it', async () => {
    const record = await engine.begin(who, where, { n: 0, done: false });
    clock.advance(DIALOG_IDLE_MS - 1000);
    await engine.apply(who, where, 'add', engine.token(record, '1'), toEvent); // a change pushes the expiry on
    clock.advance(DIALOG_IDLE_MS - 1000);
    expect((await engine.load(who, where))?.data.n).toBe(1);
    clock.advance(1000);
    expect(await engine.load(who, where)).toBeUndefined();
    expect(await store.dialogs.sweep()).toBe(1);
    expect(await store.dialogs.list()).toEqual([]);
  });

  it('a finished dialog is kept FINISHED_KEEP_MS (a late double click is still recognised), then goes', async () => {
    const record = await engine.begin(who, where, { n: 0, done: false });
    const finish = engine.token(record, 'finish');
    expect((await engine.apply(who, where, 'finish', finish, toEvent)).kind).toBe('applied');
    clock.advance(FINISHED_KEEP_MS - 1000);
    expect((await engine.apply(who, where, 'finish', finish, toEvent)).kind).toBe('duplicate');
    clock.advance(1000);
    expect(await engine.load(who, where)).toBeUndefined();
    expect(await store.dialogs.sweep()).toBe(1);
  });
});
