/**
 * A TCP proxy in front of a real server (PostgreSQL), for outage tests: `cut()` destroys every live
 * connection and stops listening (new connections are refused, as when the database host is down);
 * `restore()` listens again on the same port. `blackhole()` is a network partition: nothing is refused and
 * nothing answers. New connections are accepted and never answered; live ones go silent, and the server's
 * side of them is closed (as the server does when its retransmissions give up). After `restore()` a silent
 * connection is reset as soon as its client sends something (the server no longer knows it); one whose
 * client only listens stays silent, as it would on a real network.
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
  /** Client sides of connections caught in a partition. */
  const silent = new Set<Socket>();
  let mode: 'up' | 'down' | 'blackhole' = 'up';
  let server: Server | undefined;
  let port = 0;

  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      silent.delete(s);
    });
    s.on('error', () => s.destroy());
  };

  const listen = () =>
    new Promise<void>((ok, fail) => {
      const s = createServer((client) => {
        track(client);
        if (mode === 'blackhole') {
          client.pause(); // accepted, never answered
          silent.add(client);
          return;
        }
        const upstream = connect(target.port, target.host);
        track(upstream);
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
        const done = () => {
          pairs.delete(pair);
          upstream.destroy();
          if (!silent.has(client)) client.destroy(); // a partitioned client is not told
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

  const destroyAll = async () => {
    const closing = stopListening();
    silent.clear();
    for (const s of sockets) s.destroy();
    await closing;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    live: () => pairs.size,
    async cut() {
      mode = 'down';
      await destroyAll();
    },
    blackhole() {
      mode = 'blackhole';
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        silent.add(client);
        upstream.destroy();
      }
    },
    async restore() {
      mode = 'up';
      for (const client of silent) {
        client.on('data', () => client.destroy());
        client.resume();
      }
      silent.clear();
      if (!server) await listen();
    },
    async close() {
      mode = 'down';
      await destroyAll();
    },
  };
}
