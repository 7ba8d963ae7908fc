import type { Endpoint, InstanceDispatcher } from '@kedge/core';
import { FetchTransport } from './fetch-transport.js';
import type { Transport } from './transport.js';
import { UndiciTransport } from './undici-transport.js';
import type { Upstream } from './upstream.js';

/** undici pools on Node; Deno has no undici, only fetch. */
export function defaultTransport(clusterToken: string | undefined): Transport {
  const opts = clusterToken ? { clusterToken } : {};
  const deno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
  return deno ? new FetchTransport(opts) : new UndiciTransport(opts);
}

/**
 * Sends one request to one instance: in process when its runner lives here (the Request is handed
 * over as is unless its headers were rewritten), over the transport otherwise.
 */
export class InstanceSender {
  constructor(
    private readonly locals: ReadonlyMap<string, InstanceDispatcher>,
    private readonly transport: Transport,
  ) {}

  send(ep: Endpoint, up: Upstream, proxied: boolean): Promise<Response> {
    const local = this.locals.get(ep.nodeId);
    if (!local) return this.transport.send(ep, up, proxied);
    let request = up.original;
    if (request.headers !== up.headers) {
      const init: RequestInit & { duplex?: 'half' } = { method: up.method, headers: up.headers, signal: up.signal };
      if (up.body) {
        init.body = up.body;
        init.duplex = 'half';
      }
      request = new Request(up.url, init);
    }
    return local.dispatch(
      { namespace: ep.namespace, revision: ep.revision, instanceId: ep.instanceId },
      request,
      up.hasSignal() ? { fromActivator: proxied, signal: up.signal } : { fromActivator: proxied },
    );
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
