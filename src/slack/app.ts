/**
 * The Bolt app. HTTP mode hands Bolt's HTTPReceiver request listener to our own server (one port for both
 * platforms); Socket Mode connects out to Slack and needs no public URL. Start-up never blocks on Slack:
 * `auth.test` runs in the background with retries, and until it succeeds /slack/events answers 503.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import bolt from '@slack/bolt';
import type { App as BoltApp, Logger as BoltLogger, ReceiverEvent, SocketModeReceiverOptions } from '@slack/bolt';
import pRetry from 'p-retry';
import type { Env } from '../config.js';
import type { Bot } from '../core/bot.js';
import { isStoreUnavailable, type Clock, type Collection, type Log, type Receipt } from '../core/ports.js';
import type { Strings } from '../core/strings.js';
import { oncePerDelivery } from './deliveries.js';
import { slackEdge } from './edge.js';
import { registerListeners } from './listeners.js';
import { SlackWorkLimiter } from './work-limiter.js';

const { App, HTTPReceiver, SocketModeReceiver, LogLevel } = bolt;
const { isBufferedIncomingMessage } = bolt.HTTPModuleFunctions;

export class ForeignWorkspaceError extends Error {
  constructor(readonly teamId: string | undefined) {
    super(`request from workspace ${teamId ?? '(none)'}, which this SafeCall does not serve`);
  }
}

/** The ceiling on Slack work in flight; the limiter admits fewer when work is finishing slowly. */
export const DEFAULT_MAX_IN_FLIGHT = 32;

export interface SlackHandle {
  mode: 'http' | 'socket';
  ready(): boolean;
  /** Socket Mode: connected once, and now between connections (Slack asked for a refresh, or the link dropped). */
  reconnecting(): boolean;
  /** HTTP mode only: the request listener for /slack/events. */
  listener?: (req: IncomingMessage, res: ServerResponse) => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Bolt logs through our logger, at warn and above only: its debug lines can carry payloads. */
function boltLogger(log: Log): BoltLogger {
  const line = (args: unknown[]) => ({ detail: args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : '[object]')).join(' ') });
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...args) => log.warn(line(args), 'slack (bolt)'),
    error: (...args) => log.error(line(args), 'slack (bolt)'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.WARN,
    setName: () => undefined,
  };
}

/**
 * Bolt's Socket Mode receiver with a gate in front of the app: an envelope the gate turns down never reaches
 * Bolt. (Bolt acknowledges an event before any middleware runs, so a check there is too late for it.) It
 * counts the envelopes being worked on, so a stop can let acknowledged work finish (`idle`).
 */
function gatedSocketReceiver(opts: SocketModeReceiverOptions, gate: (event: ReceiverEvent) => Promise<boolean>) {
  let busy = 0;
  let waiters: (() => void)[] = [];
  const receiver = new (class extends SocketModeReceiver {
    override init(app: BoltApp): void {
      const processEvent = app.processEvent.bind(app);
      const gated = async (event: ReceiverEvent) => {
        busy += 1;
        try {
          if (await gate(event)) await processEvent(event);
        } finally {
          busy -= 1;
          if (busy === 0) waiters.splice(0).forEach((w) => w());
        }
      };
      super.init(new Proxy(app, { get: (target, key, receiver) => (key === 'processEvent' ? gated : Reflect.get(target, key, receiver)) }));
    }
  })(opts);
  const idle = (timeoutMs: number) =>
    busy === 0
      ? Promise.resolve()
      : new Promise<void>((ok) => {
          const timer = setTimeout(() => {
            waiters = waiters.filter((w) => w !== done);
            ok();
          }, timeoutMs);
          const done = () => (clearTimeout(timer), ok());
          waiters.push(done);
        });
  return { receiver, idle };
}

export interface SlackOptions {
  env: Env;
  bot: Bot;
  clock: Clock;
  log: Log;
  strings: Strings;
  /** Only this workspace is served (settings slack.teamId). */
  teamId?: string;
  /** Idempotency receipts (the store's), so a repeated delivery has no second effect. */
  receipts: Collection<Receipt>;
  /** False while the store is known to be unreachable: events are then answered 503 (Slack retries them). */
  storeAvailable?: () => boolean;
  bodyLimit: number;
  /** HTTP mode: most requests in flight before new ones get 503 instead of an ack (see work-limiter.ts). */
  maxInFlight?: number;
  /** Start-up retry pacing (tests shorten it). */
  retry?: { minTimeout: number; maxTimeout: number };
}

export function createSlack(o: SlackOptions): SlackHandle | undefined {
  const { env, log } = o;
  if (!env.SLACK_BOT_TOKEN) return undefined;
  const clientOptions = {
    slackApiUrl: env.SLACK_API_URL,
    // Fail fast at the HTTP level; our own retry loop (below) and Slack's redelivery handle the rest.
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    timeout: 10_000,
  };
  const logger = boltLogger(log);
  const socket = Boolean(env.SLACK_APP_TOKEN);
  const limiter = socket ? undefined : new SlackWorkLimiter({ maxInFlight: o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, log });
  const receiver = socket
    ? undefined
    : new HTTPReceiver({
        signingSecret: env.SLACK_SIGNING_SECRET!,
        endpoints: ['/slack/events'],
        logger,
        bodyLimit: o.bodyLimit,
        customPropertiesExtractor: limiter?.tagEvent,
        // Bolt acknowledges events before listeners run, so an error there can only be logged: writing a
        // status then would throw ERR_HTTP_HEADERS_SENT inside Bolt and end the process.
        processEventErrorHandler: async ({ error, request, response }) => {
          const cause = (error as { original?: unknown }).original ?? error;
          const foreign = cause instanceof ForeignWorkspaceError;
          const unavailable = isStoreUnavailable(cause);
          if (response.headersSent) {
            log[unavailable ? 'warn' : 'error']({ err: unavailable ? 'database unreachable' : error.message, after: 'ack' }, 'slack: a listener failed after the request was acknowledged');
            return false;
          }
          if (unavailable) {
            // The database is away: a slash command is answered in words (Slack shows the body to the sender
            // alone); anything else gets 503, so Slack shows its own error and a modal keeps what was typed.
            if (isBufferedIncomingMessage(request) && new URLSearchParams(request.rawBody.toString('utf8')).has('command')) {
              log.warn({ reason: 'store-unavailable', status: 200 }, 'slack: the database is unreachable; told the sender to try again');
              response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response_type: 'ephemeral', text: o.strings.t('help.storeDown') }));
            } else {
              log.warn({ reason: 'store-unavailable', status: 503 }, 'slack: the database is unreachable; answered 503');
              response.writeHead(503, { 'retry-after': '30' }).end();
            }
            return true;
          }
          if (foreign) {
            log.warn({ reason: 'foreign-workspace' }, 'slack: refused a request from a workspace that is not configured');
            response.writeHead(403).end();
            return true;
          }
          log.error({ err: error.message }, 'slack: a listener failed');
          response.writeHead(500).end();
          return true;
        },
        // Every request the edge lets through has a listener that acknowledges; this is the backstop that
        // still answers (Bolt's default would, ours must too) instead of leaving the connection open.
        unhandledRequestHandler: ({ response }) => {
          log.warn({ status: 404 }, 'slack: a request was not acknowledged within 3 seconds; answered 404');
          if (!response.headersSent) response.writeHead(404).end();
        },
      });
  // Socket Mode: our own receiver rather than Bolt's (`socketMode: true`), for the error handler, the store
  // gate and the count of work in flight below; everything else is Bolt's default (its client's own WebClient
  // gets clientOptions, so apps.connections.open goes to SLACK_API_URL when set, as every other call does,
  // and to slack.com otherwise).
  const storeDownCommand = async (event: ReceiverEvent) => {
    log.warn({ reason: 'store-unavailable', mode: 'socket' }, 'slack: the database is unreachable; told the sender to try again');
    await event.ack({ response_type: 'ephemeral', text: o.strings.t('help.storeDown') });
  };
  const socketMode = socket
    ? gatedSocketReceiver({
        appToken: env.SLACK_APP_TOKEN!,
        logger,
        installerOptions: { clientOptions },
        // Bolt's default leaves every failed envelope unacknowledged and logs it at error: a workspace that is
        // not served, or the database being away, then reads as a crash, and Slack redelivers a request that
        // can only be refused again. The same outcomes as the HTTP handler above, in acknowledgements.
        processEventErrorHandler: async ({ error, event }) => {
          const cause = (error as { original?: unknown }).original ?? error;
          if (cause instanceof ForeignWorkspaceError) {
            log.warn({ reason: 'foreign-workspace' }, 'slack: refused a request from a workspace that is not configured');
            return true; // acknowledged with nothing: Slack stops redelivering it
          }
          if (isStoreUnavailable(cause)) {
            if ((event.body as { command?: unknown }).command) await storeDownCommand(event);
            else log.warn({ reason: 'store-unavailable', mode: 'socket' }, 'slack: the database is unreachable; the request was not handled (Slack redelivers what was not acknowledged)');
            return false;
          }
          log.error({ err: error.message }, 'slack: a listener failed');
          return false;
        },
      }, async (event) => {
        // The HTTP edge's 503 while the database is known to be away: an event is not acknowledged (Bolt would
        // acknowledge it first and then fail, and Slack would not send it again); a command gets its answer.
        if (o.storeAvailable?.() ?? true) return true;
        if ((event.body as { command?: unknown }).command) await storeDownCommand(event);
        else log.warn({ reason: 'store-unavailable', mode: 'socket' }, 'slack: the database is unreachable; left unacknowledged so Slack redelivers it');
        return false;
      })
    : undefined;
  const socketReceiver = socketMode?.receiver;
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    receiver: receiver ?? socketReceiver,
    clientOptions,
    logger,
    deferInitialization: true,
  });
  if (receiver && limiter) limiter.attach(receiver, app);
  // Errors reach the receiver's processEventErrorHandler (one log line there) instead of being logged twice.
  app.error(async (error) => {
    throw error;
  });
  if (o.teamId) {
    // The HTTP edge refuses foreign workspaces before Bolt; this covers Socket Mode.
    const allowed = o.teamId;
    app.use(async ({ context, next }) => {
      if (context.teamId !== allowed && context.enterpriseId !== allowed) throw new ForeignWorkspaceError(context.teamId);
      await next();
    });
  }
  app.use(oncePerDelivery(o.receipts, o.clock, log));
  registerListeners(app, { bot: o.bot, clock: o.clock, log, strings: o.strings });

  const edge = receiver
    ? slackEdge({ signingSecret: env.SLACK_SIGNING_SECRET!, bodyLimit: o.bodyLimit, teamId: o.teamId, log, available: o.storeAvailable, bolt: receiver.requestListener })
    : undefined;

  let initialised = false;
  let stopped = false;
  // Socket Mode's link, for /healthz: the client reconnects by itself (after its own delay, about 5 s), and
  // until then nothing reaches SafeCall, so health says so rather than "socket".
  let linkUp = false;
  socketReceiver?.client.on('connected', () => {
    if (initialised && !linkUp) log.info({ mode: 'socket' }, 'slack: Socket Mode connection open again');
    linkUp = true;
  });
  socketReceiver?.client.on('close', () => {
    if (initialised && linkUp && !stopped) log.info({ mode: 'socket' }, 'slack: Socket Mode connection closed; reconnecting');
    linkUp = false;
  });
  const abort = new AbortController();
  const retry = o.retry ?? { minTimeout: 2000, maxTimeout: 60_000 };

  return {
    mode: socket ? 'socket' : 'http',
    ready: () => initialised,
    reconnecting: () => socket && initialised && !linkUp && !stopped,
    listener: receiver
      ? (req, res) => {
          if (!initialised) {
            log.warn({ path: req.url }, 'slack: request arrived before Slack was reachable; answered 503 so Slack retries');
            res.writeHead(503, { 'retry-after': '5', 'content-type': 'text/plain' }).end('SafeCall is still connecting to Slack.');
            return;
          }
          // Over capacity: 503 before the body is even read, so Slack retries instead of getting an ack.
          if (!limiter!.admit(req, res)) return;
          edge!(req, res).catch((err: Error) => {
            log.error({ err: err.message }, 'slack: a request failed before it reached a listener');
            if (!res.headersSent) res.writeHead(500).end();
            else res.end();
          });
        }
      : undefined,
    async start() {
      // Background: never blocks the server from serving Teams and /healthz.
      void pRetry(() => app.init(), {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: retry.minTimeout,
        maxTimeout: retry.maxTimeout,
        signal: abort.signal,
        onFailedAttempt: ({ error, attemptNumber }) =>
          log.warn({ attempt: attemptNumber, reason: error.message }, 'slack: cannot reach Slack (auth.test failed); retrying'),
      })
        .then(async () => {
          if (stopped) return;
          if (socket) await app.start();
          initialised = true;
          log.info({ mode: socket ? 'socket' : 'http' }, 'slack: connected');
        })
        .catch((err: Error) => {
          if (!stopped) log.error({ reason: err.message }, 'slack: gave up connecting');
        });
    },
    async stop() {
      stopped = true;
      abort.abort();
      // Acknowledged work gets its reply out before the store closes (in Socket Mode, before the link closes
      // too: an acknowledgement still to be sent needs it).
      await limiter?.idle(10_000);
      await socketMode?.idle(10_000);
      if (socket && initialised) await app.stop();
    },
  };
}
