/**
 * POST /api/messages: a small req/res shim in front of botbuilder's CloudAdapter, so no web framework
 * is needed. Checks the mode's rules (local: loopback callers and serviceUrls only), content type, size,
 * JSON, the activity's shape and the tenant before the adapter (which checks the token).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Log } from '../core/ports.js';
import { BodyTooLargeError, readBody } from '../http/body.js';
import { isLoopbackAddress, isLoopbackUrl } from '../http/loopback.js';
import { activityProblem, activitySchema } from './activity.js';

export interface TeamsHttpOptions {
  adapter: CloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  log: Log;
  bodyLimit: number;
  /** Single-tenant: activities from any other tenant are refused. */
  tenantId?: string;
  /** authenticated: every request needs a bearer token (botbuilder verifies it). local: no token, loopback only. */
  mode: 'local' | 'authenticated';
}

/** TEAMS_MODE=off: the endpoint says so plainly, once per request. */
export function teamsOffListener(log: Log) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    log.info({ status: 404 }, 'teams: a request arrived but Microsoft Teams is off (TEAMS_MODE=off)');
    res
      .writeHead(404, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ error: 'teams_off', message: 'Microsoft Teams is off (TEAMS_MODE=off). Set TEAMS_MODE=local or authenticated to turn it on.' }));
  };
}

function tenantOf(activity: Record<string, unknown>): string | undefined {
  const conversation = activity.conversation as { tenantId?: string } | undefined;
  const channelData = activity.channelData as { tenant?: { id?: string } } | undefined;
  return conversation?.tenantId ?? channelData?.tenant?.id;
}

export function teamsRequestListener(o: TeamsHttpOptions) {
  const refuse = (res: ServerResponse, status: number, reason: string, message: string) => {
    o.log.warn({ status, reason }, `teams: ${message}`);
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(message);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (o.mode === 'local' && !isLoopbackAddress(req.socket.remoteAddress))
      return refuse(res, 403, 'not-loopback', 'local mode serves only callers on this machine');
    // Clients (the Agents Playground among them) probe the endpoint with GET before they connect.
    if (req.method === 'GET' || req.method === 'HEAD') {
      o.log.debug({ method: req.method }, 'teams: answered a probe of the endpoint');
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(req.method === 'GET' ? 'SafeCall Microsoft Teams endpoint: POST Bot Framework activities here.' : undefined);
      return;
    }
    if (req.method !== 'POST') return refuse(res, 405, 'method', 'only POST is accepted');
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return refuse(res, 415, 'content-type', 'the body must be application/json');
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse((await readBody(req, o.bodyLimit)).toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return refuse(res, 400, 'not-an-activity', 'the body must be a JSON activity');
      body = parsed as Record<string, unknown>;
    } catch (err) {
      if (err instanceof BodyTooLargeError) return refuse(res, 413, 'too-large', 'the request body is too large');
      return refuse(res, 400, 'bad-json', 'the body is not valid JSON');
    }
    const checked = activitySchema.safeParse(body);
    if (!checked.success) return refuse(res, 400, 'shape', `refused an activity that does not fit (${activityProblem(checked.error)})`);
    // The caller chooses serviceUrl and the bot posts to it: in local mode only this machine may be named.
    if (o.mode === 'local' && !isLoopbackUrl(checked.data.serviceUrl))
      return refuse(res, 403, 'service-url', 'local mode sends only to a serviceUrl on this machine');
    // A missing or malformed token is refused here, so botbuilder does not print a stack trace for it.
    if (o.mode === 'authenticated' && !/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(String(req.headers.authorization ?? '')))
      return refuse(res, 401, 'token', 'refused a request without a valid token');
    if (o.tenantId && tenantOf(body) !== o.tenantId) return refuse(res, 403, 'foreign-tenant', 'this SafeCall does not serve that tenant');

    const response = {
      socket: req.socket,
      status(code: number) {
        res.statusCode = code;
      },
      header(name: string, value: unknown) {
        res.setHeader(name, String(value));
      },
      send(payload: unknown) {
        if (payload === undefined || payload === null) return;
        if (typeof payload === 'string' || Buffer.isBuffer(payload)) res.write(payload);
        else {
          if (!res.headersSent) res.setHeader('content-type', 'application/json');
          res.write(JSON.stringify(payload));
        }
      },
      end() {
        if (!res.writableEnded) res.end();
      },
    };
    try {
      await o.adapter.process({ body, headers: req.headers, method: req.method }, response, o.logic);
      if (res.statusCode === 401) o.log.warn({ status: 401, reason: 'token' }, 'teams: refused a request without a valid token');
    } catch (err) {
      // botbuilder's own schema check of the activity, or a failure in our logic caught by onTurnError.
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 401 || /unauthori[sz]ed|token/i.test((err as Error).message)) return refuse(res, 401, 'token', 'the request has no valid token');
      return refuse(res, 400, 'invalid-activity', 'the activity could not be processed');
    }
  };
}
