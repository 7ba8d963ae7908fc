import { request } from 'undici';
import type { Revision } from '@kedge/core';
import type { InstanceSpec, OutboundPolicy, OutboundReply, OutboundRequest } from './protocol.js';

/**
 * Annotation on a Revision (or the Service's template) that lets its guests make HTTP requests:
 * `none` (default) — every outbound request fails with HTTP-request-denied;
 * `cluster-local` — only other Kedge services, `{name}.{namespace}.svc.cluster.local` (or
 *   `{name}.{namespace}.svc`), sent through the gateway's routing like any request;
 * `all` — those, and any other http(s) URL.
 */
export const OUTBOUND_ANNOTATION = 'kedge.dev/outbound';

export function outboundPolicy(rev: Revision): OutboundPolicy {
  const v = rev.metadata.annotations?.[OUTBOUND_ANNOTATION];
  return v === 'all' || v === 'cluster-local' ? v : 'none';
}

const CLUSTER_LOCAL = /^[a-z0-9-]+\.[a-z0-9-]+\.svc(\.cluster\.local)?$/;
/** Answers are handed to a synchronous guest whole; larger ones fail with a body-size error. */
const MAX_OUTBOUND_BODY = 16 * 1024 * 1024;
const OUTBOUND_TIMEOUT_MS = 30_000;

/** Where cluster-local requests go: a gateway in this process, or one's HTTP address (maybe known later). */
export interface GatewayTarget {
  gatewayFetch?: (req: Request) => Promise<Response>;
  gatewayUrl?: string | (() => string | undefined);
}

/** Performs guests' outbound requests on the main thread (the guest's thread waits, blocked). */
export function createOutbound(opts: GatewayTarget) {
  return async (req: OutboundRequest, spec: InstanceSpec): Promise<OutboundReply> => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return { error: 'HTTP-request-URI-invalid' };
    }
    const local = CLUSTER_LOCAL.test(url.hostname);
    if (spec.outbound === 'none' || (spec.outbound === 'cluster-local' && !local)) return { error: 'HTTP-request-denied' };
    const headers: Record<string, string> = {};
    for (const [k, v] of req.headers) headers[k] = headers[k] ? `${headers[k]}, ${v}` : v;
    let target = url;
    if (local) {
      // Knative's cluster-local address: the gateway routes it by Host like any request.
      headers.host = url.host;
      if (opts.gatewayFetch) return viaFetch(opts.gatewayFetch, new Request(req.url, { method: req.method, headers, ...(req.body.length ? { body: req.body } : {}) }));
      const base = typeof opts.gatewayUrl === 'function' ? opts.gatewayUrl() : opts.gatewayUrl;
      if (!base) return { error: 'destination-not-found', message: 'this runner knows no gateway for service-to-service requests' };
      target = new URL(url.pathname + url.search, base);
    }
    try {
      const res = await request(target, {
        method: req.method as 'GET',
        headers,
        body: req.body.length ? req.body : null,
        headersTimeout: OUTBOUND_TIMEOUT_MS,
        bodyTimeout: OUTBOUND_TIMEOUT_MS,
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
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { error: 'HTTP-response-timeout' };
      return { error: 'internal-error', message: (err as Error).message };
    }
  };
}

async function viaFetch(fetchFn: (req: Request) => Promise<Response>, req: Request): Promise<OutboundReply> {
  try {
    const res = await fetchFn(req);
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
    res.headers.forEach((v, k) => headers.push([k, v]));
    return { status: res.status, headers, body: new Uint8Array(Buffer.concat(parts)) };
  } catch (err) {
    return { error: 'internal-error', message: (err as Error).message };
  }
}
