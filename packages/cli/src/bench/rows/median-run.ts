import type { RunSummary } from '../result.js';
import { median } from '../stats.js';

/** The rounds of one target reduced to one figure: each field's median, errors and status codes summed. */
export function medianRun(runs: RunSummary[]): RunSummary {
  const pick = (f: (r: RunSummary) => number | undefined) =>
    median(runs.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const m: RunSummary = {
    rps: pick((r) => r.rps),
    requests: pick((r) => r.requests),
    p50: pick((r) => r.p50),
    p90: pick((r) => r.p90),
    p99: pick((r) => r.p99),
    max: pick((r) => r.max),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    statusCounts: {},
    loadToolCpuShare: pick((r) => r.loadToolCpuShare),
  };
  for (const r of runs)
    for (const [k, v] of Object.entries(r.statusCounts)) m.statusCounts[k] = (m.statusCounts[k] ?? 0) + v;
  const cpu = pick((r) => r.serverCpuUsPerRequest);
  if (Number.isFinite(cpu)) m.serverCpuUsPerRequest = cpu;
  const inst = pick((r) => r.maxInstances);
  if (Number.isFinite(inst)) m.maxInstances = inst;
  return m;
}
