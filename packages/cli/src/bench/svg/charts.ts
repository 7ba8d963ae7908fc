import type { HistogramBucket } from '../histogram.js';
import {
  PALETTE,
  axes,
  escapeXml,
  legend,
  line,
  linearScale,
  logScale,
  polyline,
  rect,
  svgDocument,
  text,
  title,
  r,
} from './svg.js';

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
  // Headroom on the right so the slowest bucket and its marker label are not drawn on the border.
  const hiMs = Math.max((nonEmpty[nonEmpty.length - 1]!.to / 1000) * 1.6, loMs * 2);
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
    const label = `${m.label} ${fmt(m.ms)}`;
    const leftOfLine = mx + 8 + label.length * 6 > box.right;
    out.push(
      text(
        leftOfLine ? mx - 3 : mx + 3,
        box.top + 12 + i * 14,
        label,
        `fill="${color}" font-size="11"${leftOfLine ? ' text-anchor="end"' : ''}`,
      ),
    );
  });
  return svgDocument(W, H, out);
}

export interface PhaseBar {
  label: string;
  /**
   * Phase → p50 ms, in the order they happen. A phase with `within` happened inside another one
   * (the poke→ready time inside the activator hold): it is drawn under its parent, not added to the stack.
   */
  phases: { name: string; ms: number; within?: string }[];
  /** Client-side total (TTFB) drawn as a marker. */
  totalMs?: number;
  /**
   * The part of the TTFB no phase explains (p50 of the per-request remainder, since medians do not add up);
   * defaults to totalMs minus the stacked phases.
   */
  restMs?: number;
}

const REST = 'rest of TTFB (forwarding, network, client)';

/** Stacked horizontal bars, one per run/runtime, of the cold-start phases (p50 each). */
export function phaseChart(input: { title: string; subtitle?: string; bars: PhaseBar[] }): string {
  const W = 760;
  if (input.bars.length === 0) return emptyChart(W, 200, input.title, 'no runs');
  const names: string[] = [];
  for (const bar of input.bars) for (const p of bar.phases) if (!names.includes(p.name)) names.push(p.name);
  const color = (name: string) => (name === REST ? '#d0d0d0' : PALETTE[names.indexOf(name) % PALETTE.length]!);
  const barH = 24;
  const subH = 12;
  const rowH = barH + subH + 22;
  const labelW = Math.min(300, Math.max(80, ...input.bars.map((b) => b.label.length * 6.6 + 12)));
  const box = { left: labelW + 10, top: 56, right: W - 40, bottom: 56 + input.bars.length * rowH + 4 };
  const H = box.bottom + 70;
  const top = (b: PhaseBar) => b.phases.filter((p) => !p.within);
  const maxTotal = Math.max(
    ...input.bars.map((b) =>
      Math.max(top(b).reduce((a, p) => a + p.ms, 0) + Math.max(0, b.restMs ?? 0), b.totalMs ?? 0),
    ),
    0.001,
  );
  const x = linearScale(0, maxTotal, box.left, box.right, 6);
  const yDummy = Object.assign((v: number) => v, { ticks: [] as number[] });
  const out = [...title(W, input.title, input.subtitle)];
  out.push(...axes(x, yDummy, box, { x: 'milliseconds (p50 of each phase)' }));
  const seg = (x0: number, x1: number, y: number, h: number, name: string, ms: number, labelled: boolean) => {
    out.push(
      `${rect(x0, y, x1 - x0, h, `fill="${color(name)}"`).slice(0, -2)}><title>${escapeXml(name)}: ${fmt(ms)}</title></rect>`,
    );
    if (labelled && x1 - x0 > 40)
      out.push(
        text(
          (x0 + x1) / 2,
          y + h / 2 + 4,
          fmt(ms),
          `text-anchor="middle" fill="${name === REST ? '#333' : '#fff'}" font-size="10"`,
        ),
      );
  };
  let hasRest = false;
  input.bars.forEach((bar, i) => {
    const y0 = box.top + 14 + i * rowH;
    out.push(text(box.left - 8, y0 + barH / 2 + 4, bar.label, 'text-anchor="end" fill="#333"'));
    const starts = new Map<string, number>();
    let acc = 0;
    for (const p of top(bar)) {
      starts.set(p.name, acc);
      seg(x(acc), x(acc + p.ms), y0, barH, p.name, p.ms, true);
      acc += p.ms;
    }
    const rest = bar.restMs ?? (bar.totalMs !== undefined ? bar.totalMs - acc : NaN);
    if (Number.isFinite(rest) && rest > 0) {
      hasRest = true;
      seg(x(acc), x(acc + rest), y0, barH, REST, rest, true);
    }
    // Nested phases: a thinner band under the parent, starting where the parent starts.
    const inner = new Map<string, number>();
    for (const p of bar.phases.filter((q) => q.within)) {
      const start = (starts.get(p.within!) ?? 0) + (inner.get(p.within!) ?? 0);
      inner.set(p.within!, (inner.get(p.within!) ?? 0) + p.ms);
      seg(x(start), x(start + p.ms), y0 + barH + 2, subH, p.name, p.ms, false);
      if (x(start + p.ms) - x(start) > 0)
        out.push(
          text(
            x(start + p.ms) + 3,
            y0 + barH + 2 + subH - 2,
            `${p.name} ${fmt(p.ms)} (within ${p.within})`,
            'fill="#555" font-size="9"',
          ),
        );
    }
    if (bar.totalMs !== undefined && Number.isFinite(bar.totalMs)) {
      const tx = x(bar.totalMs);
      out.push(line(tx, y0 - 4, tx, y0 + barH + 4, 'stroke="#222" stroke-width="2"'));
      out.push(text(tx, y0 - 6, `TTFB ${fmt(bar.totalMs)}`, 'fill="#222" font-size="10" text-anchor="middle"'));
    }
  });
  const items = names.map((n) => ({ label: n, color: color(n) }));
  if (hasRest) items.push({ label: REST, color: color(REST) });
  out.push(...legend(box.left, H - 14, items));
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
  for (const t of x.ticks) out.push(line(x(t), top.bottom, x(t), top.bottom + 4, 'stroke="#999"'));
  const series = (key: 'p50' | 'p99') =>
    input.latency
      .filter((p) => p[key] !== undefined && Number.isFinite(p[key]))
      .map((p) => [x(p.t), yLat(p[key]!)] as [number, number]);
  out.push(polyline(series('p99'), `stroke="${PALETTE[1]}" stroke-width="1.5"`));
  out.push(polyline(series('p50'), `stroke="${PALETTE[0]}" stroke-width="2"`));
  const rpsPoints = input.latency.filter((p) => p.rps !== undefined);
  if (rpsPoints.length) {
    const rpsMax = Math.max(...rpsPoints.map((p) => p.rps!), 1);
    const yR = linearScale(0, rpsMax, top.bottom, top.top, 5);
    out.push(
      polyline(
        rpsPoints.map((p) => [x(p.t), yR(p.rps!)]),
        `stroke="${PALETTE[2]}" stroke-width="1" stroke-dasharray="3 2"`,
      ),
    );
    for (const t of yR.ticks) out.push(text(top.right + 6, yR(t) + 4, tickLabel2(t), `fill="${PALETTE[2]}"`));
    const [lx, ly] = [r(top.right + 52), r((top.top + top.bottom) / 2)];
    out.push(
      `<text x="${lx}" y="${ly}" transform="rotate(90 ${lx} ${ly})" text-anchor="middle" fill="${PALETTE[2]}">` +
        'req/s</text>',
    );
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
    const lastPoint = input.instances[input.instances.length - 1]!;
    if (input.durationS !== undefined && input.durationS > lastPoint.t)
      pts.push([x(input.durationS), yInst(lastPoint.count)]);
    out.push(polyline(pts, `stroke="${PALETTE[3]}" stroke-width="2"`));
  } else {
    out.push(
      text(
        (bottom.left + bottom.right) / 2,
        (bottom.top + bottom.bottom) / 2,
        'instance count not available',
        'text-anchor="middle" fill="#999"',
      ),
    );
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
  return [...samplesMs].sort((a, b) => a - b).map((ms) => ({ from: ms * 1000, to: ms * 1000, count: 1 }));
}

export interface BarGroup {
  label: string;
  /** One bar per series, in the same series order in every group; NaN = not measured (drawn as a gap). */
  bars: { series: string; value: number }[];
}

/**
 * Groups of vertical bars on a log value axis (throughput at 1…200 connections spans three orders of
 * magnitude), each bar labelled with its value, one colour per series.
 */
export function groupedBarChart(input: {
  title: string;
  subtitle?: string;
  yLabel: string;
  groups: BarGroup[];
}): string {
  const W = 760;
  const H = 400;
  const box = { left: 80, top: 56, right: W - 20, bottom: H - 70 };
  const series: string[] = [];
  for (const g of input.groups) for (const b of g.bars) if (!series.includes(b.series)) series.push(b.series);
  const values = input.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => Number.isFinite(v) && v > 0);
  if (values.length === 0) return emptyChart(W, H, input.title, 'no measurements');
  const y = logScale(Math.min(...values) / 2, Math.max(...values) * 1.5, box.bottom, box.top);
  const groupW = (box.right - box.left) / input.groups.length;
  const barW = Math.min(60, (groupW - 20) / Math.max(1, series.length));
  const out = [...title(W, input.title, input.subtitle)];
  const xDummy = Object.assign((v: number) => v, { ticks: [] as number[] });
  out.push(...axes(xDummy, y, box, { y: input.yLabel, xTicks: false }));
  input.groups.forEach((g, gi) => {
    const x0 = box.left + gi * groupW + (groupW - barW * series.length) / 2;
    for (const b of g.bars) {
      const si = series.indexOf(b.series);
      const bx = x0 + si * barW;
      if (!Number.isFinite(b.value)) {
        out.push(text(bx + barW / 2, box.bottom - 4, '–', 'text-anchor="middle" fill="#999"'));
        continue;
      }
      const top = y(Math.max(b.value, y.ticks[0]!));
      const bar = rect(bx + 1, top, barW - 2, box.bottom - top, `fill="${PALETTE[si % PALETTE.length]}"`);
      const title = escapeXml(`${g.label}, ${b.series}: ${tickLabel2(b.value)}`);
      out.push(`${bar.slice(0, -2)}><title>${title}</title></rect>`);
      out.push(
        text(
          bx + barW / 2,
          top - 3,
          tickLabel2(Math.round(b.value * 10) / 10),
          'text-anchor="middle" fill="#333" font-size="10"',
        ),
      );
    }
    out.push(text(box.left + gi * groupW + groupW / 2, box.bottom + 16, g.label, 'text-anchor="middle" fill="#555"'));
  });
  out.push(
    ...legend(
      box.left,
      H - 20,
      series.map((s, i) => ({ label: s, color: PALETTE[i % PALETTE.length]! })),
    ),
  );
  return svgDocument(W, H, out);
}
