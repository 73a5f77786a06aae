/**
 * POST /slack/events before Bolt: reads the body (size limit), checks the signature, and checks the body's
 * shape (payloads.ts) and workspace. What does not fit is answered here (401, 400, 403, 413) with one log
 * line and reaches no listener, so nothing is stored; what fits is handed to Bolt's receiver with the body
 * already read (Bolt reuses `rawBody`). Bolt acknowledges events before its middleware runs, so a refusal
 * made after that point could only be logged, never answered: that is why it is made here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import bolt from '@slack/bolt';
import type { Log } from '../core/ports.js';
import { BodyTooLargeError, readBody } from '../http/body.js';
import { classify, workspaceOf } from './payloads.js';

const { isValidSlackRequest } = bolt;
/** How far a request's timestamp may be from now, either way (Slack: five minutes). */
const FRESH_SECONDS = 5 * 60;

export interface SlackEdgeOptions {
  signingSecret: string;
  bodyLimit: number;
  /** Only this workspace (or enterprise) is served (settings slack.teamId). */
  teamId?: string;
  log: Log;
  /**
   * False while the store is known to be unreachable. Bolt acknowledges an event before anything reads the
   * store, so an event it took then would be lost: it is answered 503 here instead, and Slack retries it
   * (after about a minute, then five).
   */
  available?: () => boolean;
  /** Bolt's HTTPReceiver request listener. */
  bolt: (req: IncomingMessage, res: ServerResponse) => void;
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

export function slackEdge(o: SlackEdgeOptions) {
  const refuse = (res: ServerResponse, status: number, reason: string, message: string) => {
    o.log.warn({ status, reason }, `slack: ${message}`);
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(message);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return refuse(res, 405, 'method', 'only POST is accepted');
    let raw: Buffer;
    try {
      raw = await readBody(req, o.bodyLimit);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return refuse(res, 413, 'too-large', 'the request body is too large');
      throw err;
    }
    const text = raw.toString('utf8');
    const contentType = header(req, 'content-type');
    const shape = classify(contentType, text);
    // ssl_check is Slack's only unsigned request; Bolt answers it and strips anything smuggled with it.
    if (shape.kind !== 'handshake' || contentType !== 'application/x-www-form-urlencoded') {
      const signature = header(req, 'x-slack-signature');
      const timestamp = Number(header(req, 'x-slack-request-timestamp'));
      // Bolt's check refuses only timestamps over five minutes old; Slack's rule is five minutes either way,
      // so a request dated in the future cannot be kept and replayed later.
      const fresh = Math.abs(Date.now() / 1000 - timestamp) <= FRESH_SECONDS;
      const signed =
        signature !== undefined &&
        Number.isFinite(timestamp) &&
        fresh &&
        isValidSlackRequest({ signingSecret: o.signingSecret, body: text, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } });
      if (!signed) return refuse(res, 401, 'signature', 'refused a request without a valid signature (or over 5 minutes from now)');
    }
    if (shape.kind === 'refused') return refuse(res, 400, 'shape', `refused a request that does not fit what Slack sends (${shape.reason})`);
    if (o.teamId && shape.kind !== 'handshake') {
      const { teamId, enterpriseId } = workspaceOf(shape);
      if (teamId !== o.teamId && enterpriseId !== o.teamId)
        return refuse(res, 403, 'foreign-workspace', 'refused a request from a workspace that is not configured');
    }
    if (shape.kind === 'event' && o.available && !o.available()) {
      o.log.warn({ status: 503, reason: 'store-unavailable' }, 'slack: the database is unreachable; answered an event 503 so Slack sends it again');
      res.writeHead(503, { 'retry-after': '60' }).end();
      return;
    }
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    o.bolt(req, res);
  };
}
