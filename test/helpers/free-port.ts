/**
 * A port nothing listens on now, from the OS (bind to port 0, read it, close). A random number instead
 * can land in the ephemeral range other tests' connections use (it did: EADDRINUSE on 32934).
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}
