import type { StatMessage } from '@kedge/core';

/** Kubernetes' metrics-server scrapes every 15 s: a CPU rate spans at most that much of an instance's reports. */
export const METRIC_WINDOW_MS = 15_000;
/** A rate over less than a second of reports says more about when they arrived than about the CPU. */
const MIN_SPAN_MS = 1_000;
/** Instances report every second: one silent for longer is gone (stopped, or its node left). */
const GONE_MS = 3_000;

interface Sample {
  at: number;
  cpuMs?: number;
  memoryBytes?: number;
}

/**
 * Each instance's recent CPU time and memory, as its runner reported them (Kubernetes' resource
 * metrics API): CPU as a rate over the window, memory as the last value.
 */
export class InstanceMetrics {
  private readonly samples = new Map<string, Sample[]>();

  record(source: string, now: number, stat: Pick<StatMessage, 'cpuMs' | 'memoryBytes'>): void {
    if (stat.cpuMs === undefined && stat.memoryBytes === undefined) return;
    let list = this.samples.get(source);
    if (!list) this.samples.set(source, (list = []));
    const s: Sample = { at: now };
    if (stat.cpuMs !== undefined) s.cpuMs = stat.cpuMs;
    if (stat.memoryBytes !== undefined) s.memoryBytes = stat.memoryBytes;
    list.push(s);
    while (list.length > 1 && list[0]!.at < now - METRIC_WINDOW_MS) list.shift();
  }

  /** Forgets instances that stopped reporting (stopped, or their node went away). */
  prune(now: number): void {
    for (const [source, list] of this.samples)
      if (list.at(-1)!.at < now - METRIC_WINDOW_MS) this.samples.delete(source);
  }

  /** Each instance's CPU use over the window, in percent of `requestCores`. */
  cpuUtilization(now: number, requestCores: number): number[] {
    const out: number[] = [];
    for (const list of this.samples.values()) {
      if (list.at(-1)!.at < now - GONE_MS) continue;
      const recent = list.filter((s) => s.at >= now - METRIC_WINDOW_MS && s.cpuMs !== undefined);
      const first = recent[0];
      const last = recent.at(-1);
      if (!first || !last || last.at - first.at < MIN_SPAN_MS || last.cpuMs! < first.cpuMs!) continue;
      const cores = (last.cpuMs! - first.cpuMs!) / (last.at - first.at);
      out.push((cores / requestCores) * 100);
    }
    return out;
  }

  /** Each instance's memory now, bytes. */
  memory(now: number): number[] {
    const out: number[] = [];
    for (const list of this.samples.values()) {
      const last = list.findLast((s) => s.memoryBytes !== undefined);
      if (last && last.at >= now - GONE_MS) out.push(last.memoryBytes!);
    }
    return out;
  }
}
