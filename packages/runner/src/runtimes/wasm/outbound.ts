import { request } from 'undici';
import { CLUSTER_TOKEN_HEADER, DEFAULT_RUNNER_CONFIG, HOPS_HEADER } from '@kedge/core';
import type { InstanceSpec, OutboundReply, OutboundRequest } from './protocol.js';

const CLUSTER_LOCAL = /^[a-z0-9-]+\.[a-z0-9-]+\.svc(\.cluster\.local)?$/;
/** Answers are handed to the guest whole; larger ones fail with a body-size error. */
const MAX_OUTBOUND_BODY = 16 * 1024 * 1024;
/**
 * Service-to-service hops one request may make (A calls B calls C…): each cluster-local call
 * carries the count in HOPS_HEADER; past the limit it fails with `loop-detected` at once, so a
 * cycle (A calls A) ends in milliseconds instead of filling the node with waiting calls.
 */
export const MAX_HOPS = 16;
export { HOPS_HEADER };

/** Where cluster-local requests go: a gateway in this process, or one's HTTP address (maybe known later). */
export interface GatewayTarget {
  /** The co-located gateway's entry for in-cluster requests (they may reach cluster-local services). */
  gatewayFetch?: (req: Request) => Promise<Response>;
  gatewayUrl?: string | (() => string | undefined);
  /** Sent as `kedge-cluster-token` on cluster-local requests to `gatewayUrl`. */
  clusterToken?: string;
  /**
   * Per-call limit in ms, the whole exchange, answer body included (default config-kedge-runner
   * `outbound-timeout-ms`'s, 30 s; a function is read at every call); the caller's own deadline ends it sooner.
   */
  timeoutMs?: number | (() => number);
}

/** What the runner knows of the guest call making the request. */
export interface OutboundContext {
  /** Ends the call when the guest's own request ends (deadline, client gone, trap). */
  signal?: AbortSignal;
  /** Hops the guest's own request had made (its HOPS_HEADER). */
  hops?: number;
}

/** Performs guests' outbound requests on the main thread (the guest waits: suspended, or blocked if it cannot suspend). */
export function createOutbound(opts: GatewayTarget) {
  const limit = opts.timeoutMs ?? DEFAULT_RUNNER_CONFIG.outboundTimeoutMs;
  return async (req: OutboundRequest, spec: InstanceSpec, ctx: OutboundContext = {}): Promise<OutboundReply> => {
    const timeoutMs = typeof limit === 'function' ? limit() : limit;
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return { error: 'HTTP-request-URI-invalid' };
    }
    const local = CLUSTER_LOCAL.test(url.hostname);
    if (spec.outbound === 'none' || (spec.outbound === 'cluster-local' && !local))
      return { error: 'HTTP-request-denied' };
    const headers: Record<string, string> = {};
    for (const [k, v] of req.headers) {
      const name = k.toLowerCase();
      // The runner sets these; a guest cannot.
      if (name === HOPS_HEADER || name === CLUSTER_TOKEN_HEADER) continue;
      headers[name] = headers[name] ? `${headers[name]}, ${v}` : v;
    }
    const signal = ctx.signal
      ? AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
    let target = url;
    if (local) {
      // The count arrives in a request header (a public gateway removes a client's): anything but a
      // whole number ≥ 0 (NaN would never pass the limit, a negative one would stretch it) counts as 0.
      const prior = ctx.hops !== undefined && Number.isInteger(ctx.hops) && ctx.hops > 0 ? ctx.hops : 0;
      const hops = prior + 1;
      if (hops > MAX_HOPS) return { error: 'loop-detected', message: `more than ${MAX_HOPS} service-to-service hops` };
      headers[HOPS_HEADER] = String(hops);
      // Knative's cluster-local address: the gateway routes it by Host like any request.
      headers.host = url.host;
      if (opts.gatewayFetch)
        return viaFetch(
          opts.gatewayFetch,
          new Request(req.url, { method: req.method, headers, signal, ...(req.body.length ? { body: req.body } : {}) }),
          signal,
        );
      const base = typeof opts.gatewayUrl === 'function' ? opts.gatewayUrl() : opts.gatewayUrl;
      if (!base)
        return {
          error: 'destination-not-found',
          message: 'this runner knows no gateway for service-to-service requests',
        };
      if (opts.clusterToken) headers[CLUSTER_TOKEN_HEADER] = opts.clusterToken;
      target = new URL(url.pathname + url.search, base);
    }
    try {
      const res = await request(target, {
        method: req.method as 'GET',
        headers,
        body: req.body.length ? req.body : null,
        signal,
      });
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > MAX_OUTBOUND_BODY) {
          res.body.destroy();
          return { error: 'HTTP-response-body-size' };
        }
        parts.push(chunk);
      }
      const out: [string, string][] = [];
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) out.push([k, one]);
      }
      return { status: res.statusCode, headers: out, body: new Uint8Array(Buffer.concat(parts)) };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ECONNREFUSED') return { error: 'connection-refused' };
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { error: 'destination-not-found' };
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || signal.aborted)
        return timedOut(signal);
      return { error: 'internal-error', message: (err as Error).message };
    }
  };
}

function timedOut(signal: AbortSignal): OutboundReply {
  const why =
    (signal.reason as Error | undefined)?.name === 'TimeoutError'
      ? 'the per-call limit passed'
      : "the guest's own request ended";
  return { error: 'HTTP-response-timeout', message: why };
}

async function viaFetch(
  fetchFn: (req: Request) => Promise<Response>,
  req: Request,
  signal: AbortSignal,
): Promise<OutboundReply> {
  try {
    // An in-process gateway may not watch the request's signal: the wait ends with it anyway.
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    );
    aborted.catch(() => undefined);
    const res = await Promise.race([fetchFn(req), aborted]);
    signal.addEventListener('abort', () => void res.body?.cancel().catch(() => undefined), { once: true });
    const parts: Uint8Array[] = [];
    let size = 0;
    if (res.body)
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > MAX_OUTBOUND_BODY) {
          await res.body.cancel();
          return { error: 'HTTP-response-body-size' };
        }
        parts.push(chunk);
      }
    const headers: [string, string][] = [];
    for (const [k, v] of res.headers) headers.push([k, v]);
    return { status: res.status, headers, body: new Uint8Array(Buffer.concat(parts)) };
  } catch (err) {
    if (signal.aborted) return timedOut(signal);
    return { error: 'internal-error', message: (err as Error).message };
  }
}
