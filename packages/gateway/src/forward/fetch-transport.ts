import { ACTIVATOR_HEADER, CLUSTER_TOKEN_HEADER, INSTANCE_HEADER, REVISION_HEADER, type Endpoint } from '@kedge/core';
import { NeverReachedError, type Transport, type UpstreamRequest } from './transport.js';

/**
 * Remote forwarding over the runtime's own fetch (keep-alive is the runtime's business). Used where
 * undici's socket layer is not the native one, i.e. under Deno; semantics match UndiciTransport
 * except that the original Host travels in X-Forwarded-Host (fetch owns the Host header).
 */
export class FetchTransport implements Transport {
  /** `clusterToken`: sent in `kedge-cluster-token`, as UndiciTransport does. */
  constructor(private readonly opts: { clusterToken?: string } = {}) {}

  async send(endpoint: Endpoint, req: UpstreamRequest, fromActivator: boolean): Promise<Response> {
    const u = new URL(req.url);
    const target = endpoint.url.replace(/\/+$/, '') + u.pathname + u.search;
    const headers = new Headers(req.headers);
    headers.delete('host');
    headers.set(INSTANCE_HEADER, endpoint.instanceId);
    headers.set(REVISION_HEADER, `${endpoint.namespace}/${endpoint.revision}`);
    if (fromActivator) headers.set(ACTIVATOR_HEADER, 'true');
    if (this.opts.clusterToken) headers.set(CLUSTER_TOKEN_HEADER, this.opts.clusterToken);
    try {
      return await fetch(target, {
        method: req.method,
        headers,
        body: req.body,
        signal: req.signal,
        redirect: 'manual',
        ...(req.body ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      // fetch hides the errno; a body-less request that failed before any response is safe to retry.
      if (!req.body && !req.signal.aborted && err instanceof TypeError)
        throw new NeverReachedError(endpoint.instanceId, err);
      throw err;
    }
  }

  async close(): Promise<void> {}
}
