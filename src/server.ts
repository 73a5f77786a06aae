/**
 * One HTTP server, one port, both platforms: POST /slack/events (Bolt's receiver), POST /api/messages
 * (botbuilder's CloudAdapter through a shim) and GET /healthz. No web framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Log, StoreHealth, StoreInfo } from './core/ports.js';
import type { SettingsStatus } from './settings-fingerprint.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Health {
  version: string;
  platforms: { slack: string; teams: string };
  /** `ok: false` (the database is gone) answers 503, so a load balancer takes this instance out until it recovers. */
  store: StoreHealth & { kind: StoreInfo['kind'] };
  /** Several instances: whether this one's settings are the leader's (src/settings-fingerprint.ts). */
  settings?: SettingsStatus;
}

export interface ServerParts {
  slack?: Listener;
  /** Shown when Slack is off: which variables turn it on. */
  slackOffReason: string;
  teams: Listener;
  health: () => Promise<Health>;
  log: Log;
  /** SAFECALL_KEEPALIVE_SECONDS: idle kept-alive connections are closed after this (default 65 s). */
  keepAliveSeconds?: number;
}

/** Above the 60 s that nginx and cloud load balancers keep idle connections to an upstream by default. */
export const DEFAULT_KEEPALIVE_SECONDS = 65;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

export function createHttpServer(p: ServerParts): Server {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
        const health = await p.health();
        const ok = health.store.ok;
        return json(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', ...health });
      }
      if (path === '/slack/events') {
        if (!p.slack) {
          p.log.warn({ path }, 'slack: a request arrived but Slack is off');
          return json(res, 404, { error: 'slack_off', message: p.slackOffReason });
        }
        return await p.slack(req, res);
      }
      if (path === '/api/messages') return await p.teams(req, res);
      return json(res, 404, { error: 'not_found', message: 'SafeCall serves POST /slack/events, POST /api/messages and GET /healthz.' });
    } catch (err) {
      p.log.error({ path, err: (err as Error).message }, 'http: a request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal' });
      else res.end();
    }
  });
  server.requestTimeout = 30_000;
  // A proxy keeps idle connections to SafeCall open and sends the next request on one of them: Node's default
  // (5 s) closes them first, and a request that crosses the close gets a 502 from the proxy. Closed here only
  // after the proxy's own idle timeout. headersTimeout stays short (a slow sender's guard): since Node 18 it
  // runs only while a request's headers are arriving, not over the idle time between requests
  // (test/deploy/keepalive.test.ts holds a connection idle for longer than it).
  server.keepAliveTimeout = (p.keepAliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS) * 1000;
  server.headersTimeout = 10_000;
  server.on('clientError', (_err, socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  return server;
}
