import { median, summarize, type SampleSummary } from './stats.js';
import { TimedClient, type TimedResponse } from './request.js';
import type { ProgressSink } from './progress.js';
import { formatMs } from './flags.js';

/**
 * Server-Timing phases that happen inside another one. The gateway's `poke` is the time from its poke
 * to the instance being ready, all of it while the activator holds the request; the autoscaler's decision,
 * placement and the runner's instantiate happen in that same window.
 */
export const PHASE_WITHIN: Record<string, string> = {
  poke: 'activator',
  decision: 'activator',
  placement: 'activator',
  instantiate: 'activator',
  compile: 'activator',
};

export interface ColdStartOptions {
  url: string;
  host?: string;
  iterations: number;
  /** Requests sent at once per iteration, all against the revision at zero. */
  concurrency: number;
  /** Brings the revision to zero and resolves once it has no instance left (and has stayed there). */
  toZero: () => Promise<void>;
  timeoutMs?: number;
  /** Quiet time the revision spent at zero before each request (recorded; toZero does the waiting). */
  settleMs?: number;
  progress?: ProgressSink;
}

export interface ColdStartResult {
  url: string;
  host?: string;
  iterations: number;
  concurrency: number;
  settleMs?: number;
  samples: TimedResponse[];
  /** Samples whose Server-Timing shows no activator hold: the request did not find the revision at zero. */
  warmHits: number;
  errors: Record<string, number>;
  statusCounts: Record<string, number>;
  /** Requests with a connection error or a 5xx answer; left out of the latency figures. */
  failed: number;
  ttfb: SampleSummary;
  ttlb: SampleSummary;
  /** Phase name → summary over the samples that reported it. */
  phases: Record<string, SampleSummary>;
  /** Phase names in the order the server reported them. */
  phaseOrder: string[];
}

/**
 * Cold-start benchmark: per iteration, scale the revision to zero, then send `concurrency` requests at
 * once and time them. Iterations run one after another so each one starts from a quiet system.
 */
export async function runColdStart(opts: ColdStartOptions): Promise<ColdStartResult> {
  const client = new TimedClient(opts.url, opts.host, opts.concurrency, opts.timeoutMs ?? 30_000);
  const samples: TimedResponse[] = [];
  const phaseOrder: string[] = [];
  try {
    await client.warm();
    for (let i = 0; i < opts.iterations; i++) {
      await opts.toZero();
      const batch = await Promise.all(Array.from({ length: opts.concurrency }, () => client.send()));
      for (const s of batch) {
        samples.push(s);
        for (const name of Object.keys(s.phases)) if (!phaseOrder.includes(name)) phaseOrder.push(name);
      }
      opts.progress?.update(
        `cold-start ${i + 1}/${opts.iterations}  last TTFB ${formatMs(batch[0]!.ttfbMs)}  p50 so far ${formatMs(median(samples.map((s) => s.ttfbMs)))}`,
      );
    }
  } finally {
    opts.progress?.done();
    await client.close();
  }
  return summarizeColdStart(opts, samples, phaseOrder);
}

export function summarizeColdStart(
  opts: Pick<ColdStartOptions, 'url' | 'host' | 'iterations' | 'concurrency' | 'settleMs'>,
  samples: TimedResponse[],
  phaseOrder: string[],
): ColdStartResult {
  // A 5xx is a failed cold start, not a fast one: only successful responses count in the latencies.
  const ok = samples.filter((s) => !s.error && s.status < 500);
  const errors: Record<string, number> = {};
  const statusCounts: Record<string, number> = {};
  for (const s of samples) {
    if (s.error) errors[s.error] = (errors[s.error] ?? 0) + 1;
    else statusCounts[s.status] = (statusCounts[s.status] ?? 0) + 1;
  }
  const phases: Record<string, SampleSummary> = {};
  for (const name of phaseOrder)
    phases[name] = summarize(ok.filter((s) => name in s.phases).map((s) => s.phases[name]!));
  return {
    url: opts.url,
    ...(opts.host ? { host: opts.host } : {}),
    iterations: opts.iterations,
    concurrency: opts.concurrency,
    ...(opts.settleMs ? { settleMs: opts.settleMs } : {}),
    samples,
    warmHits: phaseOrder.includes('activator') ? ok.filter((s) => !('activator' in s.phases)).length : 0,
    errors,
    statusCounts,
    failed: samples.length - ok.length,
    ttfb: summarize(ok.map((s) => s.ttfbMs)),
    ttlb: summarize(ok.map((s) => s.ttlbMs)),
    phases,
    phaseOrder,
  };
}

/** A fixed-width table of p50/p90/p99/max per row, for the terminal. */
export function summaryTable(rows: { name: string; s: SampleSummary }[]): string {
  const head = ['', 'n', 'p50', 'p90', 'p99', 'max'];
  const body = rows.map((r) => [
    r.name,
    String(r.s.count),
    formatMs(r.s.p50),
    formatMs(r.s.p90),
    formatMs(r.s.p99),
    formatMs(r.s.max),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body]
    .map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}
