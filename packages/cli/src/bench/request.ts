import { Pool } from 'undici';
import { errorCause } from './load.js';
import { serverTimingPhases } from './server-timing.js';

/** One timed request: client-side TTFB/TTLB plus the server's own phase breakdown. */
export interface TimedResponse {
  /** Wall-clock ms (Date.now()) when the request was sent. */
  at: number;
  status: number;
  ttfbMs: number;
  ttlbMs: number;
  /** From the Server-Timing header (ms per phase). */
  phases: Record<string, number>;
  error?: string;
}

/**
 * Keep-alive connections to one origin for single timed requests. The TCP connection to the gateway is
 * opened once and reused, so a cold-start sample measures the revision waking up, not a TCP handshake.
 */
export class TimedClient {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(
    url: string,
    private readonly host?: string,
    connections = 1,
    private readonly timeoutMs = 30_000,
  ) {
    const u = new URL(url);
    this.path = `${u.pathname}${u.search}`;
    this.pool = new Pool(u.origin, {
      connections,
      keepAliveTimeout: 60_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  async send(path = this.path, host = this.host): Promise<TimedResponse> {
    const at = Date.now();
    const t0 = performance.now();
    try {
      const res = await this.pool.request({
        path,
        method: 'GET',
        headers: host ? { host } : {},
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const t1 = performance.now();
      await res.body.dump({ limit: 1 << 30 });
      const t2 = performance.now();
      const st = res.headers['server-timing'];
      return {
        at,
        status: res.statusCode,
        ttfbMs: t1 - t0,
        ttlbMs: t2 - t0,
        phases: serverTimingPhases(Array.isArray(st) ? st.join(', ') : st),
      };
    } catch (err) {
      const t = performance.now() - t0;
      return { at, status: 0, ttfbMs: t, ttlbMs: t, phases: {}, error: errorCause(err) };
    }
  }

  /** Opens the keep-alive connection(s) before the first measured request. */
  async warm(path = '/__kedge_bench_warmup', host = 'kedge-bench.invalid'): Promise<void> {
    await this.send(path, host);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
