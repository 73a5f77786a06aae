/**
 * The in-flight bound follows the rate work finishes at: about a second's worth is admitted, so acknowledged
 * work drains in about a second even when the store is slow. Time is Jest's fake clock (no sleeping). The
 * end-to-end behaviour (503 before Bolt, replies for every ack) is in test/e2e/slack-capacity.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jest } from '@jest/globals';
import type { App, HTTPReceiver } from '@slack/bolt';
import { SlackWorkLimiter } from '../../src/slack/work-limiter.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function response() {
  const res = Object.assign(new EventEmitter(), {
    status: 0,
    writeHead(code: number) {
      res.status = code;
      return res;
    },
    end() {
      res.emit('close');
      return res;
    },
  });
  return res;
}

/** The limiter between a stand-in receiver and app, as app.ts wires it around Bolt's. */
function setup(o: { max: number; min: number }) {
  const limiter = new SlackWorkLimiter({ maxInFlight: o.max, minInFlight: o.min, log: quiet });
  const receiver = { app: undefined as unknown as Pick<App, 'processEvent'>, init(app: App) { receiver.app = app; } };
  limiter.attach(receiver as unknown as HTTPReceiver, { processEvent: async () => undefined } as unknown as App);
  /** One request through admission and processing; false if refused. */
  const handle = async (): Promise<boolean> => {
    const req = {} as IncomingMessage;
    const res = response();
    if (!limiter.admit(req, res as unknown as ServerResponse)) return false;
    await receiver.app.processEvent({ body: {}, ack: async () => undefined, customProperties: limiter.tagEvent(req) } as never);
    return true;
  };
  return { limiter, handle };
}

beforeEach(() => jest.useFakeTimers({ now: 0 }));
afterEach(() => jest.useRealTimers());

test('with nothing finished lately only the minimum is admitted; the bound grows with the completion rate, up to the ceiling', async () => {
  const { limiter, handle } = setup({ max: 32, min: 2 });
  expect(limiter.capacity).toBe(2);
  for (let i = 0; i < 20; i += 1) expect(await handle()).toBe(true);
  // 20 finished within the 2 s window: 10 a second, so 10 slots.
  expect(limiter.capacity).toBe(10);
  for (let i = 0; i < 200; i += 1) await handle();
  expect(limiter.capacity).toBe(32);
  jest.advanceTimersByTime(3000);
  expect(limiter.capacity).toBe(2);
});

test('a request beyond the bound is answered 503 with Retry-After, and admitted again once a slot frees', async () => {
  const { limiter } = setup({ max: 32, min: 2 });
  const held = [response(), response()];
  expect(held.every((res) => limiter.admit({} as IncomingMessage, res as unknown as ServerResponse))).toBe(true);
  const refused = response();
  expect(limiter.admit({} as IncomingMessage, refused as unknown as ServerResponse)).toBe(false);
  expect(refused.status).toBe(503);
  // A request Bolt answers without processing (e.g. a bad signature) frees its slot when its response closes.
  held[0]!.end();
  expect(limiter.admit({} as IncomingMessage, response() as unknown as ServerResponse)).toBe(true);
});
