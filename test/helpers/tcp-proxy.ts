/**
 * A TCP proxy in front of a real server (PostgreSQL), for outage tests: `cut()` destroys every live
 * connection and stops listening (new connections are refused, as when the database host is down);
 * `restore()` listens again on the same port. `blackhole()` keeps listening but accepts connections and
 * never answers, and stalls the live ones (a network partition: nothing is refused, everything hangs).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections passing through now. */
  live(): number;
  cut(): Promise<void>;
  blackhole(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let mode: 'up' | 'down' | 'blackhole' = 'up';
  let server: Server | undefined;
  let port = 0;

  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  const listen = () =>
    new Promise<void>((ok, fail) => {
      const s = createServer((client) => {
        track(client);
        if (mode === 'blackhole') return; // accepted, never answered
        const upstream = connect(target.port, target.host);
        track(upstream);
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
        const done = () => {
          pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        };
        client.on('close', done);
        upstream.on('close', done);
      });
      s.once('error', fail);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        ok();
      });
    });

  const stopListening = () =>
    new Promise<void>((ok) => {
      const s = server;
      server = undefined;
      if (!s) return ok();
      s.close(() => ok());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    live: () => pairs.size,
    async cut() {
      mode = 'down';
      const closing = stopListening();
      for (const s of sockets) s.destroy();
      await closing;
    },
    blackhole() {
      mode = 'blackhole';
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    async restore() {
      if (mode === 'blackhole') {
        // Stalled connections stay stalled (their peers time out on them); new ones pass again.
        for (const s of sockets) s.destroy();
      }
      mode = 'up';
      if (!server) await listen();
    },
    async close() {
      mode = 'down';
      const closing = stopListening();
      for (const s of sockets) s.destroy();
      await closing;
    },
  };
}
