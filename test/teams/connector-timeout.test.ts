/** A Bot Connector that never answers must not hold a turn (and its HTTP request) open: calls time out. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActivityTypes } from 'botbuilder';
import { loadEnv } from '../../src/config.js';
import { createAdapter } from '../../src/teams/adapter.js';
import { teamsRequestListener } from '../../src/teams/http.js';
import { createLogger } from '../../src/log.js';
import { message, postTeams } from '../rig/teams-requests.js';

test('a reply to a serviceUrl that never answers fails after the connector timeout, and the request is answered', async () => {
  const silent: Server = createServer(() => undefined);
  await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
  const log = createLogger('silent');
  const adapter = createAdapter(loadEnv({}), log, 300);
  let failure = '';
  const listener = teamsRequestListener({
    adapter,
    logic: async (ctx) => {
      await ctx.sendActivity({ type: ActivityTypes.Message, text: 'hello' }).catch((err: Error) => void (failure = err.name));
    },
    log,
    bodyLimit: 65536,
    mode: 'local',
  });
  const server = createServer((req, res) => void listener(req, res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const res = await postTeams(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      ...message(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, 'a:silent', { id: 'u' }, 'help'),
    });
    expect(res.status).toBe(200);
    expect(failure).toBe('TimeoutError');
  } finally {
    silent.closeAllConnections();
    await new Promise<void>((ok) => silent.close(() => ok()));
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}, 15_000);
