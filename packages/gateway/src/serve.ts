import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a Hono app on Node (loopback by default); resolves once the socket is listening. */
export function listen(app: Hono, opts: { port?: number; hostname?: string } = {}): Promise<Listening> {
  const hostname = opts.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    let server: ServerType;
    server = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname }, (info: AddressInfo) => {
      server.off('error', reject);
      resolve({
        url: `http://${hostname}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            const s = server as unknown as { closeAllConnections?: () => void; close(cb: () => void): void };
            s.close(() => done());
            s.closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
