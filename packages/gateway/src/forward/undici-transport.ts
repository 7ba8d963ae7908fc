import { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { ACTIVATOR_HEADER, CLUSTER_TOKEN_HEADER, INSTANCE_HEADER, REVISION_HEADER, type Endpoint } from '@kedge/core';
import { NeverReachedError, neverReached, nullBodyStatus, type Transport, type UpstreamRequest } from './transport.js';

export interface UndiciTransportOptions {
  /** Sockets per runner URL (keep-alive). */
  connections?: number;
  keepAliveTimeoutMs?: number;
  /** Sent in `kedge-cluster-token`: the runners' HTTP entry accepts only requests carrying it. */
  clusterToken?: string;
}

/** Keep-alive HTTP/1.1 to remote runners: one undici Pool per runner URL, bodies streamed both ways. */
export class UndiciTransport implements Transport {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly opts: UndiciTransportOptions = {}) {}

  private pool(url: string): Pool {
    let p = this.pools.get(url);
    if (!p) {
      p = new Pool(url, {
        connections: this.opts.connections ?? 256,
        keepAliveTimeout: this.opts.keepAliveTimeoutMs ?? 30_000,
        pipelining: 1,
      });
      this.pools.set(url, p);
    }
    return p;
  }

  async send(endpoint: Endpoint, req: UpstreamRequest, fromActivator: boolean): Promise<Response> {
    const u = new URL(req.url);
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers[INSTANCE_HEADER] = endpoint.instanceId;
    headers[REVISION_HEADER] = `${endpoint.namespace}/${endpoint.revision}`;
    if (fromActivator) headers[ACTIVATOR_HEADER] = 'true';
    if (this.opts.clusterToken) headers[CLUSTER_TOKEN_HEADER] = this.opts.clusterToken;
    let started = false;
    const source = req.body;
    // Readable.from pulls lazily: `started` flips only once undici has a socket and sends the body.
    const body = source
      ? Readable.from(
          (async function* () {
            started = true;
            for await (const chunk of source as unknown as AsyncIterable<Uint8Array>) yield chunk;
          })(),
          { objectMode: false },
        )
      : null;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool(endpoint.url).request({
        path: u.pathname + u.search,
        method: req.method as 'GET',
        headers,
        body,
        signal: req.signal,
      });
    } catch (err) {
      if (neverReached(err, started, source !== null)) throw new NeverReachedError(endpoint.instanceId, err);
      throw err;
    }
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) out.append(name, v);
      else out.append(name, value);
    }
    if (nullBodyStatus(res.statusCode) || req.method === 'HEAD') {
      res.body.dump().catch(() => {});
      return new Response(null, { status: res.statusCode, headers: out });
    }
    const stream = Readable.toWeb(res.body) as unknown as ReadableStream<Uint8Array>;
    return new Response(stream, { status: res.statusCode, headers: out });
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => {})));
  }
}
