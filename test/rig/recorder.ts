/** A loopback HTTP server that records every request and answers from a handler. Used for both far sides. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** The body as sent (file uploads are multipart, which `body` does not decode). */
  raw?: string;
  /** What the fake answered (e.g. the new message's ts or activity id). */
  reply?: Record<string, unknown>;
}

export interface Reply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Answer only once this settles (a far side that has stopped answering), after any `delayMs`. */
  after?: Promise<unknown>;
}
export type Answer = (r: Recorded) => Reply | undefined;

function parseOr(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

function decode(raw: string, type: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if ((type ?? '').includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The Web API client JSON-encodes structured arguments (blocks, view) inside form fields; a field that
    // only looks like JSON (`[object Object]`) is kept as sent, for the test to see, not a crash of the fake.
    out[k] = /^[[{]/.test(v) ? parseOr(v) : v;
  }
  return out;
}

export class RecordingServer {
  readonly calls: Recorded[] = [];
  private server?: Server;
  private waiters: { pred: (r: Recorded) => boolean; resolve: (r: Recorded) => void }[] = [];
  url = '';
  /** Answers this much later (the far side has acted; the caller is still waiting): a crash window. */
  delayMs = 0;

  constructor(private readonly answer: Answer) {}

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      let raw = '';
      for await (const c of req) raw += c;
      // Uploads (multipart, or a file's own type) are kept raw only.
      const type = req.headers['content-type'] ?? '';
      const decodable = !type || type.includes('application/json') || type.startsWith('application/x-www-form-urlencoded');
      const rec: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: decodable ? decode(raw, type) : {}, raw };
      this.calls.push(rec);
      const reply = this.answer(rec) ?? { status: 404, body: { ok: false, error: 'unknown_method' } };
      rec.reply = reply.body as Record<string, unknown>;
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      if (reply.after) await reply.after.catch(() => undefined);
      // The caller may have gone meanwhile (a killed server): nothing to answer.
      if (res.destroyed) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.body));
      this.waiters = this.waiters.filter((w) => (w.pred(rec) ? (w.resolve(rec), false) : true));
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves with the first recorded call (past or future) matching `pred`. */
  waitFor(pred: (r: Recorded) => boolean, timeoutMs = 5000): Promise<Recorded> {
    const seen = this.calls.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.path).join(', ')}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (r) => (clearTimeout(timer), resolve(r)) });
    });
  }

  clear(): void {
    this.calls.length = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => {
      this.server?.close(() => ok());
      this.server?.closeAllConnections();
    });
  }
}
