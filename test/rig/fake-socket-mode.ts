/**
 * A fake Slack Socket Mode endpoint: the WebSocket that `apps.connections.open` hands out (FakeSlack answers it
 * with `url()`). It speaks Slack's envelope protocol as documented (docs.slack.dev, "Using Socket Mode"):
 * a `hello` on connect; envelopes `{envelope_id, type, payload, accepts_response_payload, retry_attempt,
 * retry_reason}` sent to the app; acknowledgements `{envelope_id, payload?}` back from it; and a
 * `disconnect` message (refresh_requested, warning, link_disabled) after which the app opens a new connection.
 * Every connection, envelope and acknowledgement is recorded with its time.
 */
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';

export const APP_ID = 'A0SAFECALL';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface Connection {
  /** 1 for the first connection, 2 after the first reconnect, … */
  n: number;
  ws: WebSocket;
  /** The ticket in the URL `apps.connections.open` gave for it. */
  ticket: string;
  openedAt: number;
  closedAt?: number;
}

export interface Ack {
  envelope_id: string;
  payload?: Record<string, unknown>;
  /** The connection it came back on. */
  connection: number;
  at: number;
}

export interface SentEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  connection: number;
  at: number;
}

export class FakeSocketMode {
  readonly connections: Connection[] = [];
  readonly acks: Ack[] = [];
  readonly sent: SentEnvelope[] = [];
  /** Anything the app sent that is not an acknowledgement (Slack would ignore it; tests expect none). */
  readonly strays: string[] = [];
  /** Tickets handed out through `url()`: each URL is good for one connection, as Slack's are. */
  private readonly tickets = new Set<string>();
  private server?: WebSocket.Server;
  private port = 0;
  private sequence = 0;

  async start(): Promise<this> {
    this.server = new WebSocket.Server({ host: '127.0.0.1', port: 0, path: '/link' });
    await new Promise<void>((ok) => this.server!.once('listening', () => ok()));
    this.port = (this.server.address() as AddressInfo).port;
    this.server.on('connection', (ws, req) => this.connected(ws, req.url ?? ''));
    return this;
  }

  /** A fresh connection URL, as `apps.connections.open` returns (wss:// at Slack; ws:// on loopback here). */
  url(): string {
    const ticket = `t${++this.sequence}-${Math.random().toString(36).slice(2, 10)}`;
    this.tickets.add(ticket);
    return `ws://127.0.0.1:${this.port}/link?ticket=${ticket}&app_id=${APP_ID}`;
  }

  /** The open connection envelopes go to (the newest). */
  get current(): Connection | undefined {
    return [...this.connections].reverse().find((c) => c.closedAt === undefined && c.ws.readyState === WebSocket.OPEN);
  }

  private connected(ws: WebSocket, path: string): void {
    const ticket = new URL(path, 'ws://x').searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      // Slack refuses a URL it did not just hand out (or one already used).
      ws.close(4001, 'invalid ticket');
      return;
    }
    const c: Connection = { n: this.connections.length + 1, ws, ticket, openedAt: Date.now() };
    this.connections.push(c);
    ws.on('message', (data) => this.received(c, data.toString()));
    ws.on('close', () => (c.closedAt = Date.now()));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connections.filter((x) => x.closedAt === undefined).length,
        debug_info: { host: `applink-fake-${c.n}`, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
      }),
    );
  }

  private received(c: Connection, text: string): void {
    let msg: { envelope_id?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.strays.push(text);
      return;
    }
    if (typeof msg.envelope_id !== 'string') {
      this.strays.push(text);
      return;
    }
    this.acks.push({ envelope_id: msg.envelope_id, payload: msg.payload as Record<string, unknown> | undefined, connection: c.n, at: Date.now() });
  }

  /**
   * Sends one envelope on the current connection and returns its id. `envelopeId` and `retryAttempt` let a
   * test redeliver an envelope as Slack does when it saw no acknowledgement.
   */
  send(type: EnvelopeType, payload: Record<string, unknown>, o: { envelopeId?: string; retryAttempt?: number; retryReason?: string; acceptsResponsePayload?: boolean } = {}): string {
    const c = this.current;
    if (!c) throw new Error('no open Socket Mode connection to send on');
    const envelope_id = o.envelopeId ?? `env-${++this.sequence}-${Math.random().toString(36).slice(2, 10)}`;
    c.ws.send(
      JSON.stringify({
        envelope_id,
        type,
        payload,
        // Slack sets it for commands and interactivity (the ack may carry the answer), not for events.
        accepts_response_payload: o.acceptsResponsePayload ?? type !== 'events_api',
        retry_attempt: o.retryAttempt ?? 0,
        retry_reason: o.retryReason ?? '',
      }),
    );
    this.sent.push({ envelope_id, type, connection: c.n, at: Date.now() });
    return envelope_id;
  }

  /** The acknowledgements of one envelope so far. */
  acksOf(envelopeId: string): Ack[] {
    return this.acks.filter((a) => a.envelope_id === envelopeId);
  }

  /** Resolves with the (first) acknowledgement of an envelope. */
  async ackOf(envelopeId: string, timeoutMs = 5000): Promise<Ack> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const ack = this.acks.find((a) => a.envelope_id === envelopeId);
      if (ack) return ack;
      if (Date.now() > end) throw new Error(`envelope ${envelopeId} was not acknowledged within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Slack asking the app to reconnect: a `disconnect` message on the current connection. */
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled'): Connection {
    const c = this.current;
    if (!c) throw new Error('no open Socket Mode connection to disconnect');
    c.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: `applink-fake-${c.n}` } }));
    return c;
  }

  /** Slack dropping the connection without a word (a close frame). */
  close(code = 1001): Connection {
    const c = this.current;
    if (!c) throw new Error('no open Socket Mode connection to close');
    c.ws.close(code);
    return c;
  }

  /**
   * Closes the way Slack does, completing the close handshake (a client that asked to close gets its answer;
   * the others are told 1001 "going away"), and cuts only a connection that does not finish it within a second.
   * A bare cut of a socket the client is closing is an error on its side, and leaves @slack/socket-mode's
   * 30-second close-handshake timer running, which would hold the test process open.
   */
  async stop(): Promise<void> {
    await Promise.all(
      this.connections
        .filter((c) => c.closedAt === undefined)
        .map(
          (c) =>
            new Promise<void>((ok) => {
              const hard = setTimeout(() => (c.ws.terminate(), ok()), 1000);
              c.ws.once('close', () => (clearTimeout(hard), ok()));
              c.ws.close(1001, 'going away');
            }),
        ),
    );
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}

/**
 * Payloads as Socket Mode carries them: the same fields as the HTTP request's, as an object
 * (slack-requests.ts builds the HTTP bodies; these decode them).
 */
export const formPayload = (form: string): Record<string, unknown> => Object.fromEntries(new URLSearchParams(form));
export const interactivePayload = (form: string): Record<string, unknown> => JSON.parse(new URLSearchParams(form).get('payload') ?? '{}') as Record<string, unknown>;
export const eventPayload = (json: string): Record<string, unknown> => JSON.parse(json) as Record<string, unknown>;
