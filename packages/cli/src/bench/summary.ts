import type { LoadResult } from './load.js';
import type { RunSummary } from './result.js';

/** One load run reduced to the figures the report shows. */
export function summarizeRun(r: LoadResult, serverCpuMs?: number, maxInstances?: number): RunSummary {
  const s = r.latency.summaryMs();
  return {
    rps: r.rps,
    requests: r.requests,
    p50: s.p50,
    p90: s.p90,
    p99: s.p99,
    max: s.max,
    errors: r.errorCount,
    statusCounts: r.statusCounts,
    loadToolCpuShare: r.cpuMs / r.durationMs,
    ...(serverCpuMs !== undefined && r.requests > 0
      ? { serverCpuUsPerRequest: (serverCpuMs * 1000) / r.requests }
      : {}),
    ...(maxInstances !== undefined ? { maxInstances } : {}),
  };
}
