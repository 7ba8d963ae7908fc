import { Hono } from 'hono';
import type { ConnInfo, Gateway } from './gateway.js';

/**
 * The peer address and the end-of-response signal, whichever runtime serves the app:
 * @hono/node-server passes `{ incoming, outgoing }` (Node's request and response) as env,
 * Deno.serve passes `{ remoteAddr, completed }`.
 */
export function connInfoOf(env: unknown): ConnInfo {
  const e = env as
    | {
        incoming?: { socket?: { remoteAddress?: string; encrypted?: boolean } };
        outgoing?: { once(ev: 'close', fn: () => void): unknown };
        remoteAddr?: { hostname?: string };
        completed?: Promise<void>;
      }
    | undefined;
  const info: ConnInfo = {};
  const addr = e?.incoming?.socket?.remoteAddress ?? e?.remoteAddr?.hostname;
  if (addr) info.remoteAddress = addr;
  if (e?.incoming?.socket?.encrypted === true) info.secure = true;
  const outgoing = e?.outgoing;
  const completed = e?.completed;
  if (outgoing && typeof outgoing.once === 'function') info.onDone = (fn) => void outgoing.once('close', fn);
  else if (completed && typeof completed.then === 'function') info.onDone = (fn) => void completed.then(fn, fn);
  return info;
}

/**
 * The gateway's data-plane app: every request, whatever its path, is routed by Host. Only web
 * standard APIs and Hono here, so the module runs unchanged on Node and Deno.
 */
export function createGatewayApp(gateway: Pick<Gateway, 'fetch'>): Hono {
  const app = new Hono();
  app.all('*', (c) => gateway.fetch(c.req.raw, connInfoOf(c.env)));
  return app;
}

/** Admin app (its own port): Prometheus metrics, liveness, the routing view. */
export function createAdminApp(gateway: Pick<Gateway, 'metrics' | 'inspect'>): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await gateway.metrics(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/debug/gateway', (c) => c.json(gateway.inspect()));
  app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404));
  return app;
}
