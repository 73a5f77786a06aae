/**
 * One loopback server playing both far sides for the platform benchmark: the Slack Web API (and
 * response_url) and the Bot Connector. It counts, per load run, which requests got their reply: every
 * benchmark request carries a number (Slack: in its channel id `D0BENCH<n>`, response_url and trigger_id;
 * Teams: in the activity id, which comes back as `replyToId`). Bodies are not kept, so the fake stays small.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const SLACK_ID = /(?:D0BENCH|\/respond\/|trigger-)(\d+)/;
const TEAMS_ID = /"replyToId":"bench-(\d+)"/;

export class FarSide {
  private server?: Server;
  private ts = 1_700_000_000;
  /** Request numbers that got at least one reply. */
  readonly answered = new Set<number>();
  replyCalls = 0;
  url = '';

  reset(): void {
    this.answered.clear();
    this.replyCalls = 0;
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      let raw = '';
      for await (const c of req) raw += c;
      const path = req.url ?? '/';
      const send = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path === '/api/auth.test') return send({ ok: true, user_id: 'UBOT0001', bot_id: 'BBOT0001', team_id: 'T0SCHOOL', team: 'School', user: 'bot' });
      if (path.startsWith('/api/') || path.startsWith('/respond/')) {
        this.count(SLACK_ID.exec(`${path} ${decodeURIComponent(raw)}`));
        return send({ ok: true, channel: 'D0', ts: `${++this.ts}.000100`, message_ts: `${this.ts}.000200`, view: { id: `V${this.ts}` } });
      }
      if (path.startsWith('/v3/conversations/')) {
        this.count(TEAMS_ID.exec(raw));
        return send({ id: `activity-${++this.ts}` });
      }
      res.writeHead(404).end();
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private count(match: RegExpExecArray | null): void {
    this.replyCalls += 1;
    if (match) this.answered.add(Number(match[1]));
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => {
      this.server?.close(() => ok());
      this.server?.closeAllConnections();
    });
  }
}
