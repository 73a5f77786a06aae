/** The process-level handler: an error that escaped every handler is logged once and the process carries on. */
import { EventEmitter } from 'node:events';
import { keepServingOnStrayErrors } from '../../src/http/stray-errors.js';

test('a stray rejection and a stray exception are each logged once, and removing the handlers works', () => {
  const proc = new EventEmitter();
  const errors: Record<string, unknown>[] = [];
  const log = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: (o: object) => void errors.push(o as Record<string, unknown>) };
  const remove = keepServingOnStrayErrors(log, proc as never);
  proc.emit('unhandledRejection', new TypeError('boom'));
  proc.emit('uncaughtException', new Error('bang'));
  expect(errors).toEqual([
    { err: 'TypeError: boom', kind: 'unhandledRejection' },
    { err: 'Error: bang', kind: 'uncaughtException' },
  ]);
  remove();
  expect(proc.listenerCount('unhandledRejection') + proc.listenerCount('uncaughtException')).toBe(0);
});
