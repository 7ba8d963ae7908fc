import type { HistogramBucket } from '../histogram.js';
import { PALETTE, axes, legend, line, linearScale, logScale, polyline, rect, svgDocument, text, title, r } from './svg.js';

export interface HistogramChartInput {
  title: string;
  subtitle?: string;
  /** Buckets in µs, as Histogram.buckets() gives them, or built from raw samples. */
  buckets: HistogramBucket[];
  /** Vertical markers (ms), e.g. p50 and p99. */
  markers?: { label: string; ms: number }[];
}

/**
 * Latency histogram on a log time axis: the buckets are regrouped into ~60 equal-width log bins so
 * a 100-sample cold-start run and a million-request load run both read as a distribution.
 */
export function histogramChart(input: HistogramChartInput): string {
  const W = 760;
  const H = 360;
  const box = { left: 70, top: 50, right: W - 20, bottom: H - 50 };
  const nonEmpty = input.buckets.filter((b) => b.count > 0);
  if (nonEmpty.length === 0) return emptyChart(W, H, input.title, 'no samples');
  const loMs = Math.max(nonEmpty[0]!.from / 1000, 0.001);
  const hiMs = Math.max(nonEmpty[nonEmpty.length - 1]!.to / 1000, loMs * 1.01);
  const x = logScale(loMs, hiMs, box.left, box.right);
  const bins = 60;
  const l0 = Math.log10(x.ticks[0]!);
  const l1 = Math.log10(x.ticks[x.ticks.length - 1]!);
  const counts = new Array<number>(bins).fill(0);
  for (const b of nonEmpty) {
    const mid = Math.max((b.from + b.to) / 2000, 10 ** l0);
    const i = Math.min(bins - 1, Math.max(0, Math.floor(((Math.log10(mid) - l0) / (l1 - l0 || 1)) * bins)));
    counts[i]! += b.count;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const pct = counts.map((c) => (c / total) * 100);
  const y = linearScale(0, Math.max(...pct), box.bottom, box.top, 5);
  const out = [...title(W, input.title, input.subtitle)];
  out.push(...axes(x, y, box, { x: 'latency (ms, log scale)', y: '% of requests' }));
  const bw = (box.right - box.left) / bins;
  pct.forEach((p, i) => {
    if (p > 0) out.push(rect(box.left + i * bw + 0.5, y(p), bw - 1, box.bottom - y(p), `fill="${PALETTE[0]}"`));
  });
  (input.markers ?? []).forEach((m, i) => {
    if (!Number.isFinite(m.ms)) return;
    const mx = x(m.ms);
    const color = PALETTE[(i + 1) % PALETTE.length];
    out.push(line(mx, box.top, mx, box.bottom, `stroke="${color}" stroke-dasharray="4 3" stroke-width="1.5"`));
    out.push(text(mx + 3, box.top + 12 + i * 14, `${m.label} ${fmt(m.ms)}`, `fill="${color}" font-size="11"`));
  });
  return svgDocument(W, H, out);
}

export interface PhaseBar {
  label: string;
  /** Phase → p50 ms, in the order they happen. */
  phases: { name: string; ms: number }[];
  /** Client-side total (TTFB) drawn as a marker, to show what the phases do not explain. */
  totalMs?: number;
}

/** Stacked horizontal bars, one per run/runtime, of the cold-start phases (p50 each). */
export function phaseChart(input: { title: string; subtitle?: string; bars: PhaseBar[] }): string {
  const W = 760;
  const names: string[] = [];
  for (const bar of input.bars) for (const p of bar.phases) if (!names.includes(p.name)) names.push(p.name);
  const barH = 26;
  const H = 110 + input.bars.length * (barH + 14) + 20;
  const box = { left: 170, top: 50, right: W - 30, bottom: 50 + input.bars.length * (barH + 14) + 6 };
  if (input.bars.length === 0) return emptyChart(W, 200, input.title, 'no runs');
  const maxTotal = Math.max(
    ...input.bars.map((b) => Math.max(b.phases.reduce((a, p) => a + p.ms, 0), b.totalMs ?? 0)),
    0.001,
  );
  const x = linearScale(0, maxTotal, box.left, box.right, 6);
  const yDummy = Object.assign((v: number) => v, { ticks: [] as number[] });
  const out = [...title(W, input.title, input.subtitle)];
  out.push(...axes(x, yDummy, box, { x: 'milliseconds (p50 of each phase)' }));
  input.bars.forEach((bar, i) => {
    const y0 = box.top + 8 + i * (barH + 14);
    out.push(text(box.left - 8, y0 + barH / 2 + 4, bar.label, 'text-anchor="end" fill="#333"'));
    let acc = 0;
    for (const p of bar.phases) {
      const color = PALETTE[names.indexOf(p.name) % PALETTE.length];
      const x0 = x(acc);
      const x1 = x(acc + p.ms);
      out.push(`${rect(x0, y0, x1 - x0, barH, `fill="${color}"`).slice(0, -2)}><title>${p.name}: ${fmt(p.ms)}</title></rect>`);
      if (x1 - x0 > 38) out.push(text((x0 + x1) / 2, y0 + barH / 2 + 4, fmt(p.ms), 'text-anchor="middle" fill="#fff" font-size="10"'));
      acc += p.ms;
    }
    if (bar.totalMs !== undefined && Number.isFinite(bar.totalMs)) {
      const tx = x(bar.totalMs);
      out.push(line(tx, y0 - 3, tx, y0 + barH + 3, 'stroke="#222" stroke-width="2"'));
      out.push(text(tx + 4, y0 - 1, `TTFB ${fmt(bar.totalMs)}`, 'fill="#222" font-size="10"'));
    }
  });
  out.push(...legend(box.left, H - 16, names.map((n) => ({ label: n, color: PALETTE[names.indexOf(n) % PALETTE.length]! }))));
  return svgDocument(W, H, out);
}

export interface TimelinePoint {
  /** Seconds since the start of the run. */
  t: number;
  p50?: number;
  p99?: number;
  rps?: number;
}

/**
 * Two panels over one time axis: latency (p50/p99 per second) above, instance count below —
 * what a load run looks like while the autoscaler reacts.
 */
export function timelineChart(input: {
  title: string;
  subtitle?: string;
  latency: TimelinePoint[];
  instances: { t: number; count: number }[];
  durationS?: number;
}): string {
  const W = 760;
  const H = 520;
  const top = { left: 70, top: 50, right: W - 70, bottom: 270 };
  const bottom = { left: 70, top: 320, right: W - 70, bottom: H - 50 };
  const tMax = Math.max(input.durationS ?? 0, ...input.latency.map((p) => p.t), ...input.instances.map((p) => p.t), 1);
  const x = linearScale(0, tMax, top.left, top.right, 8);
  const latMax = Math.max(...input.latency.flatMap((p) => [p.p50 ?? 0, p.p99 ?? 0]), 0.001);
  const yLat = linearScale(0, latMax, top.bottom, top.top, 5);
  const out = [...title(W, input.title, input.subtitle)];
  out.push(...axes(x, yLat, top, { y: 'latency (ms)', xTicks: false }));
  const series = (key: 'p50' | 'p99') =>
    input.latency.filter((p) => p[key] !== undefined && Number.isFinite(p[key])).map((p) => [x(p.t), yLat(p[key]!)] as [number, number]);
  out.push(polyline(series('p99'), `stroke="${PALETTE[1]}" stroke-width="1.5"`));
  out.push(polyline(series('p50'), `stroke="${PALETTE[0]}" stroke-width="2"`));
  const rpsPoints = input.latency.filter((p) => p.rps !== undefined);
  if (rpsPoints.length) {
    const rpsMax = Math.max(...rpsPoints.map((p) => p.rps!), 1);
    const yR = linearScale(0, rpsMax, top.bottom, top.top, 5);
    out.push(polyline(rpsPoints.map((p) => [x(p.t), yR(p.rps!)]), `stroke="${PALETTE[2]}" stroke-width="1" stroke-dasharray="3 2"`));
    for (const t of yR.ticks) out.push(text(top.right + 6, yR(t) + 4, tickLabel2(t), `fill="${PALETTE[2]}"`));
    out.push(`<text x="${r(top.right + 52)}" y="${r((top.top + top.bottom) / 2)}" transform="rotate(90 ${r(top.right + 52)} ${r((top.top + top.bottom) / 2)})" text-anchor="middle" fill="${PALETTE[2]}">req/s</text>`);
  }
  out.push(
    ...legend(top.left + 10, top.top + 14, [
      { label: 'p50', color: PALETTE[0]! },
      { label: 'p99', color: PALETTE[1]! },
      ...(rpsPoints.length ? [{ label: 'req/s (right axis)', color: PALETTE[2]! }] : []),
    ]),
  );
  const instMax = Math.max(...input.instances.map((p) => p.count), 1);
  const yInst = linearScale(0, instMax, bottom.bottom, bottom.top, Math.min(5, instMax));
  out.push(...axes(x, yInst, bottom, { x: 'time (s)', y: 'instances' }));
  if (input.instances.length) {
    // A step line: the count holds until the next sample.
    const pts: [number, number][] = [];
    input.instances.forEach((p, i) => {
      if (i > 0) pts.push([x(p.t), yInst(input.instances[i - 1]!.count)]);
      pts.push([x(p.t), yInst(p.count)]);
    });
    out.push(polyline(pts, `stroke="${PALETTE[3]}" stroke-width="2"`));
  } else {
    out.push(text((bottom.left + bottom.right) / 2, (bottom.top + bottom.bottom) / 2, 'instance count not available', 'text-anchor="middle" fill="#999"'));
  }
  return svgDocument(W, H, out);
}

function tickLabel2(v: number): string {
  return v >= 1e4 ? `${Number((v / 1e3).toPrecision(3))}k` : String(Number(v.toPrecision(3)));
}

function emptyChart(W: number, H: number, t: string, why: string): string {
  return svgDocument(W, H, [...title(W, t), text(W / 2, H / 2, why, 'text-anchor="middle" fill="#999"')]);
}

function fmt(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 10) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${ms.toFixed(1)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

/** Turns raw ms samples into histogram-shaped buckets (1 sample each) for histogramChart. */
export function samplesToBuckets(samplesMs: readonly number[]): HistogramBucket[] {
  return [...samplesMs]
    .sort((a, b) => a - b)
    .map((ms) => ({ from: ms * 1000, to: ms * 1000, count: 1 }));
}
