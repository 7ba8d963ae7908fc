import { Pool, type Dispatcher } from 'undici';
import { Histogram } from './histogram.js';

export interface LoadOptions {
  url: string;
  /** Sent as the Host header (routing by Host in the gateway). */
  host?: string;
  connections: number;
  /** Stop after this long (ms)… */
  durationMs?: number;
  /** …or after this many requests, whichever comes first. At least one of the two is required. */
  requests?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per-request timeout (ms); a request over it counts as an error. */
  timeoutMs?: number;
  /** Called about once a second with the numbers so far. */
  onTick?: (tick: LoadTick) => void;
  signal?: AbortSignal;
}

export interface LoadTick {
  elapsedS: number;
  requests: number;
  errors: number;
  /** Over the last second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface TimelineSlot {
  /** Seconds from start to the end of this slot. */
  t: number;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface LoadResult {
  url: string;
  host?: string;
  connections: number;
  durationMs: number;
  requests: number;
  rps: number;
  bytes: number;
  /** Status code → count ("2xx" style buckets are left to the reader). */
  statusCounts: Record<string, number>;
  /** Error cause (ECONNREFUSED, timeout, …) → count; these requests have no status. */
  errors: Record<string, number>;
  errorCount: number;
  /** Time to last byte, every request (µs buckets). */
  latency: Histogram;
  /** Time to response headers. */
  ttfb: Histogram;
  timeline: TimelineSlot[];
  /** CPU the generator's own process used (user + system ms): what the load tool takes from the server. */
  cpuMs: number;
}

/**
 * A keep-alive HTTP load generator (hey/wrk's closed-loop model): `connections` workers, each sends
 * its next request as soon as the previous one finished. Latency is measured per request with
 * performance.now() and recorded in a histogram; a slot per second feeds the latency-over-time chart.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (!opts.durationMs && !opts.requests) throw new Error('load: give a duration (-z) or a request count (-n)');
  const target = new URL(opts.url);
  const path = `${target.pathname}${target.search}`;
  const pool = new Pool(target.origin, {
    connections: opts.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: opts.timeoutMs ?? 10_000,
    bodyTimeout: opts.timeoutMs ?? 10_000,
  });
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.host) headers.host = opts.host;

  const latency = new Histogram();
  const ttfb = new Histogram();
  const statusCounts: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let errorCount = 0;
  let started = 0;
  let bytes = 0;
  const slots: { hist: Histogram; errors: number }[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = opts.durationMs ? start + opts.durationMs : Infinity;
  const budget = opts.requests ?? Infinity;

  const slotFor = (now: number) => {
    const i = Math.floor((now - start) / 1000);
    while (slots.length <= i) slots.push({ hist: new Histogram(), errors: 0 });
    return slots[i]!;
  };

  let lastTickRequests = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    const done = latency.count + errorCount;
    const recent = slots[Math.floor((now - start) / 1000) - 1]?.hist;
    opts.onTick?.({
      elapsedS: (now - start) / 1000,
      requests: done,
      errors: errorCount,
      rps: done - lastTickRequests,
      p50Ms: recent ? recent.quantile(0.5) / 1000 : NaN,
      p99Ms: recent ? recent.quantile(0.99) / 1000 : NaN,
    });
    lastTickRequests = done;
  }, 1000);

  const dispatchOpts = {
    origin: target.origin,
    path,
    method: (opts.method ?? 'GET') as 'GET',
    headers,
    body: opts.body ?? null,
  };
  const more = () => started < budget && !opts.signal?.aborted && performance.now() < deadline;

  // One closed loop per connection, driven by undici's dispatch() callbacks with a handler object
  // reused for every request: no promise, stream or closure per request, so the generator takes as
  // little as it can of the cores it shares with the server.
  const worker = () =>
    new Promise<void>((done) => {
      let t0 = 0;
      let t1 = 0;
      let status = 0;
      const next = () => {
        if (!more()) return done();
        started += 1;
        t0 = performance.now();
        pool.dispatch(dispatchOpts, handler);
      };
      // undici 7's pool core still takes the legacy handler shape (onConnect/onHeaders/…).
      const handler = {
        onConnect() {},
        onHeaders(statusCode: number) {
          t1 = performance.now();
          status = statusCode;
          return true;
        },
        onData(chunk: Buffer) {
          bytes += chunk.length;
          return true;
        },
        onComplete() {
          const t2 = performance.now();
          const us = (t2 - t0) * 1000;
          ttfb.record((t1 - t0) * 1000);
          latency.record(us);
          slotFor(t2).hist.record(us);
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          queueMicrotask(next);
        },
        onError(err: Error) {
          const cause = errorCause(err);
          errors[cause] = (errors[cause] ?? 0) + 1;
          errorCount += 1;
          slotFor(performance.now()).errors += 1;
          // A refused connection fails in microseconds: don't spin the CPU the server needs.
          if (cause === 'ECONNREFUSED') setTimeout(next, 10);
          else queueMicrotask(next);
        },
      } as unknown as Dispatcher.DispatchHandler;
      next();
    });

  try {
    await Promise.all(Array.from({ length: opts.connections }, () => worker()));
  } finally {
    clearInterval(ticker);
    await pool.close().catch(() => pool.destroy());
  }
  const durationMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const timeline = slots.map((s, i) => {
    const slotEnd = Math.min(i + 1, durationMs / 1000);
    const width = slotEnd - i;
    return {
      t: slotEnd,
      requests: s.hist.count,
      errors: s.errors,
      rps: width > 0.05 ? s.hist.count / width : NaN,
      p50: s.hist.quantile(0.5) / 1000,
      p99: s.hist.quantile(0.99) / 1000,
    };
  });
  return {
    url: opts.url,
    ...(opts.host ? { host: opts.host } : {}),
    connections: opts.connections,
    durationMs,
    requests: latency.count,
    rps: latency.count / (durationMs / 1000),
    bytes,
    statusCounts,
    errors,
    errorCount,
    latency,
    ttfb,
    timeline,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

export function errorCause(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; name?: string; message?: string };
  return e?.code ?? e?.cause?.code ?? e?.name ?? 'Error';
}

/** The JSON shape written to --out (histograms reduced to summaries and buckets). */
export function loadResultJson(r: LoadResult) {
  return {
    url: r.url,
    host: r.host,
    connections: r.connections,
    durationMs: r.durationMs,
    requests: r.requests,
    rps: r.rps,
    bytes: r.bytes,
    statusCounts: r.statusCounts,
    errors: r.errors,
    latencyMs: r.latency.summaryMs(),
    ttfbMs: r.ttfb.summaryMs(),
    latencyBucketsUs: r.latency.buckets(),
    timeline: r.timeline,
    loadToolCpuMs: r.cpuMs,
  };
}
