import { serve, type ServerType } from '@hono/node-server';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
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
export function listen(
  app: Hono | { fetch: FetchHandler },
  opts: { port?: number; hostname?: string; tls?: { SNICallback: SniCallback } } = {},
): Promise<Listening> {
  const hostname = opts.hostname ?? '127.0.0.1';
  const tls = opts.tls ? { createServer: createHttpsServer, serverOptions: { SNICallback: opts.tls.SNICallback } } : {};
  return new Promise((resolve, reject) => {
    let server: ServerType;
    server = serve(
      { fetch: app.fetch as FetchHandler, port: opts.port ?? 0, hostname, ...tls },
      (info: AddressInfo) => {
        server.off('error', reject);
        resolve({
          url: `${opts.tls ? 'https' : 'http'}://${hostname}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              const s = server as unknown as { closeAllConnections?: () => void; close(cb: () => void): void };
              s.close(() => done());
              s.closeAllConnections?.();
            }),
        });
      },
    );
    server.once('error', reject);
  });
}

/**
 * The gateway's data plane on Node: @hono/node-server straight into gateway.fetch, with the peer
 * address and the end-of-response signal (connInfoOf). Skips Hono's router, which a host-routed
 * catch-all does not need; createGatewayApp is the portable (Deno) face of the same handler.
 */
export function serveGateway(
  gateway: Pick<Gateway, 'fetch'>,
  opts: { port?: number; hostname?: string } = {},
): Promise<Listening> {
  return listen({ fetch: (req: Request, env: unknown) => gateway.fetch(req, connInfoOf(env)) }, opts);
}

type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

/**
 * Picks each connection's certificate by its TLS server name (SNI) from the gateway's DomainMappings
 * and their Secrets. A context is built once per Secret version, so a changed Secret is served from
 * the next handshake on (hot reload) without restarting the listener.
 */
export function sniCallback(gateway: Pick<Gateway, 'tlsMaterial'>): SniCallback {
  const contexts = new Map<string, { version: string; ctx: SecureContext }>();
  return (servername, cb) => {
    const material = gateway.tlsMaterial(servername);
    if (!material) return cb(new Error(`no certificate for server name "${servername}"`));
    const cached = contexts.get(servername);
    if (cached?.version === material.version) return cb(null, cached.ctx);
    try {
      const ctx = createSecureContext({ cert: material.cert, key: material.key });
      contexts.set(servername, { version: material.version, ctx });
      cb(null, ctx);
    } catch (err) {
      cb(new Error(`the certificate for "${servername}" cannot be loaded: ${(err as Error).message}`));
    }
  };
}

/**
 * The gateway's HTTPS listener on Node: TLS terminated here with the certificate SNI picks, then the
 * same gateway.fetch (marked secure, so http-protocol redirects do not apply). Tells the gateway its
 * port, for the redirects of the plain listener.
 */
export async function serveGatewayTls(
  gateway: Pick<Gateway, 'fetch' | 'tlsMaterial' | 'setHttpsPort'>,
  opts: { port?: number; hostname?: string } = {},
): Promise<Listening> {
  const listening = await listen(
    { fetch: (req: Request, env: unknown) => gateway.fetch(req, connInfoOf(env)) },
    { ...opts, tls: { SNICallback: sniCallback(gateway) } },
  );
  gateway.setHttpsPort(listening.port);
  return listening;
}
