import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

export interface Served {
  url: string;
  port: number;
  /**
   * Stops accepting, lets requests in flight finish, closes idle keep-alive sockets at once and,
   * after graceMs, whatever is still open (a client that never reads, a stream nobody ends).
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves a fetch handler on host:port; a port in use becomes a one-line error naming the flag,
 * not a stack trace.
 */
export function serveFetch(
  name: string,
  flag: string,
  /** `env` is @hono/node-server's (incoming/outgoing): the gateway reads connection facts from it. */
  fetch: (req: Request, env: unknown) => Promise<Response> | Response,
  port: number,
  host = '127.0.0.1',
): Promise<Served> {
  const server = createAdaptorServer({ fetch }) as Server;
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`${name}: port ${port} on ${host} is already in use (choose another with ${flag})`));
      else if (err.code === 'EACCES') reject(new Error(`${name}: not allowed to listen on port ${port} (choose another with ${flag})`));
      else reject(new Error(`${name}: cannot listen on ${host}:${port}: ${err.message}`));
    });
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host}:${actual}`,
        port: actual,
        close: (graceMs = 1_000) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => server.closeAllConnections(), graceMs);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** Reads on a loopback listener stay open (only this machine reaches them); elsewhere they need the token too. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
