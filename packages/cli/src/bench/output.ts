import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PHASE_WITHIN, type ColdStartResult } from './cold-start.js';
import { loadResultJson, type LoadResult } from './load.js';
import { median } from './stats.js';
import { histogramChart, phaseChart, samplesToBuckets, timelineChart, type PhaseBar } from './svg/charts.js';

/** Files a benchmark wrote, for the command to print. */
export type Written = string[];

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(
    path,
    `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
}

/** The phase bar of one cold-start run: p50 of each server phase, client TTFB as the marker. */
export function phaseBar(label: string, r: ColdStartResult): PhaseBar {
  return {
    label,
    phases: r.phaseOrder.map((name) => ({
      name,
      ms: r.phases[name]!.p50,
      ...(PHASE_WITHIN[name] && r.phaseOrder.includes(PHASE_WITHIN[name]!) ? { within: PHASE_WITHIN[name] } : {}),
    })),
    totalMs: r.ttfb.p50,
    restMs: median(
      r.samples
        .filter((s) => !s.error && s.status < 500)
        .map(
          (s) =>
            s.ttfbMs -
            r.phaseOrder
              .filter((n) => !PHASE_WITHIN[n] || !r.phaseOrder.includes(PHASE_WITHIN[n]!))
              .reduce((a, n) => a + (s.phases[n] ?? 0), 0),
        ),
    ),
  };
}

export async function writeColdStart(dir: string, name: string, r: ColdStartResult, label = name): Promise<Written> {
  await mkdir(dir, { recursive: true });
  const files = [join(dir, `${name}.json`), join(dir, `${name}-histogram.svg`), join(dir, `${name}-phases.svg`)];
  await writeJson(files[0]!, r);
  const ttfb = r.samples.filter((s) => !s.error && s.status < 500).map((s) => s.ttfbMs);
  await writeFile(
    files[1]!,
    histogramChart({
      title: `Cold start, time to first byte — ${label}`,
      subtitle: `${ttfb.length} requests from zero instances, ${r.concurrency} at a time`,
      buckets: samplesToBuckets(ttfb),
      markers: [
        { label: 'p50', ms: r.ttfb.p50 },
        { label: 'p99', ms: r.ttfb.p99 },
      ],
    }),
  );
  await writeFile(
    files[2]!,
    phaseChart({
      title: `Cold-start phases (p50) — ${label}`,
      subtitle:
        'server phases from the Server-Timing header, p50 each (medians do not add up exactly); the marker is the client TTFB p50',
      bars: [phaseBar(label, r)],
    }),
  );
  return files;
}

export async function writeLoad(
  dir: string,
  name: string,
  r: LoadResult,
  instances: { t: number; count: number }[] | undefined,
  label = name,
): Promise<Written> {
  await mkdir(dir, { recursive: true });
  const files = [join(dir, `${name}.json`), join(dir, `${name}-histogram.svg`), join(dir, `${name}-timeline.svg`)];
  await writeJson(files[0]!, { ...loadResultJson(r), instances: instances ?? null });
  const s = r.latency.summaryMs();
  await writeFile(
    files[1]!,
    histogramChart({
      title: `Latency — ${label}`,
      subtitle: `${r.requests} requests, ${r.connections} connections, ${(r.durationMs / 1000).toFixed(1)} s, ${Math.round(r.rps)} req/s`,
      buckets: r.latency.buckets(),
      markers: [
        { label: 'p50', ms: s.p50 },
        { label: 'p99', ms: s.p99 },
      ],
    }),
  );
  await writeFile(
    files[2]!,
    timelineChart({
      title: `Latency and instances over time — ${label}`,
      subtitle: `${r.connections} connections; latency p50/p99 per second, instance count polled from the API`,
      // A last slot shorter than half a second says little about its second: left out of the plot.
      latency: r.timeline.filter((t, i) => t.t - i >= 0.5).map((t) => ({ t: t.t, p50: t.p50, p99: t.p99, rps: t.rps })),
      instances: instances ?? [],
      durationS: r.durationMs / 1000,
    }),
  );
  return files;
}
