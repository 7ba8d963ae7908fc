import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { connInfoOf } from './app.js';
import type { Gateway } from './gateway.js';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

type FetchHandler = (req: Request, env: unknown) => Response | Promise<Response>;

/** Serves a fetch handler on Node (loopback by default); resolves once the socket is listening. */
export function listen(app: Hono | { fetch: FetchHandler }, opts: { port?: number; hostname?: string } = {}): Promise<Listening> {
  const hostname = opts.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    let server: ServerType;
    server = serve({ fetch: app.fetch as FetchHandler, port: opts.port ?? 0, hostname }, (info: AddressInfo) => {
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

/**
 * The gateway's data plane on Node: @hono/node-server straight into gateway.fetch, with the peer
 * address and the end-of-response signal (connInfoOf). Skips Hono's router, which a host-routed
 * catch-all does not need; createGatewayApp is the portable (Deno) face of the same handler.
 */
export function serveGateway(gateway: Pick<Gateway, 'fetch'>, opts: { port?: number; hostname?: string } = {}): Promise<Listening> {
  return listen({ fetch: (req: Request, env: unknown) => gateway.fetch(req, connInfoOf(env)) }, opts);
}
