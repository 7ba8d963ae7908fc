import { HOPS_HEADER } from '@kedge/core';
import type { ConnInfo } from '../gateway.js';
import type { ProxiedCall } from './call.js';
import { upstreamRequestHeaders } from './headers.js';
import type { UpstreamRequest } from './transport.js';

/** The request on its way out, plus what the in-process path needs to avoid copying it. */
export interface Upstream extends UpstreamRequest {
  original: Request;
  /** Whether a cancellation signal exists already (the local path does not create one). */
  hasSignal(): boolean;
}

/** `stripHops`: a hop count only cluster-internal callers may send is dropped. */
export function upstreamOf(req: Request, info: ConnInfo | undefined, call: ProxiedCall, stripHops: boolean): Upstream {
  const method = req.method;
  const headers = upstreamRequestHeaders(req, info?.remoteAddress, req.url.startsWith('https:') ? 'https' : 'http');
  if (stripHops) headers.delete(HOPS_HEADER);
  return {
    method,
    url: req.url,
    headers,
    // Touching .body on a GET would make @hono/node-server build a full Request for nothing.
    body: method === 'GET' || method === 'HEAD' ? null : req.body,
    get signal() {
      return call.signal();
    },
    original: req,
    hasSignal: () => call.hasSignal(),
  };
}
