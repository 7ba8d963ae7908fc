/**
 * A few SVG primitives for the benchmark charts: no browser, no dependencies, plain strings.
 * Every chart is a standalone document that renders the same in a browser, on GitHub and in rsvg.
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export const FONT = 'font-family="Helvetica, Arial, sans-serif"';

export function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${r(x)}" y="${r(y)}" ${attrs}>${escapeXml(content)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, attrs = 'stroke="#999"'): string {
  return `<line x1="${r(x1)}" y1="${r(y1)}" x2="${r(x2)}" y2="${r(y2)}" ${attrs}/>`;
}

export function rect(x: number, y: number, w: number, h: number, attrs: string): string {
  return `<rect x="${r(x)}" y="${r(y)}" width="${r(Math.max(0, w))}" height="${r(Math.max(0, h))}" ${attrs}/>`;
}

export function polyline(points: [number, number][], attrs: string): string {
  if (points.length === 0) return '';
  return `<polyline fill="none" points="${points.map(([x, y]) => `${r(x)},${r(y)}`).join(' ')}" ${attrs}/>`;
}

/** Rounds coordinates to 0.1 px: smaller files, no visible difference. */
export function r(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0';
}

export interface Scale {
  (v: number): number;
  ticks: number[];
}

/** Linear scale from [lo, hi] onto [a, b] with about `count` round ticks. */
export function linearScale(lo: number, hi: number, a: number, b: number, count = 5): Scale {
  const ticks = niceTicks(lo, hi, count);
  const d0 = Math.min(lo, ticks[0] ?? lo);
  const d1 = Math.max(hi, ticks[ticks.length - 1] ?? hi);
  const span = d1 - d0 || 1;
  const f = ((v: number) => a + ((v - d0) / span) * (b - a)) as Scale;
  f.ticks = ticks;
  return f;
}

/** Log10 scale for latencies that span orders of magnitude; ticks at 1-2-5 steps. */
export function logScale(lo: number, hi: number, a: number, b: number): Scale {
  const l0 = Math.floor(Math.log10(Math.max(lo, 1e-9)));
  const l1 = Math.ceil(Math.log10(Math.max(hi, lo * 10, 1e-9)));
  const f = ((v: number) => a + ((Math.log10(Math.max(v, 10 ** l0)) - l0) / (l1 - l0 || 1)) * (b - a)) as Scale;
  const ticks: number[] = [];
  for (let e = l0; e <= l1; e++)
    for (const m of l1 - l0 > 3 ? [1] : [1, 2, 5]) if (m * 10 ** e <= 10 ** l1) ticks.push(m * 10 ** e);
  f.ticks = ticks;
  return f;
}

export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= hi + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  if (ticks[ticks.length - 1]! < hi) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

/** 0.25 → "0.25", 1500 → "1.5k", 0.001 → "0.001": short tick labels. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e6) return `${trim(v / 1e6)}M`;
  if (Math.abs(v) >= 1e4) return `${trim(v / 1e3)}k`;
  return trim(v);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** Axes with grid lines: y ticks on the left, x ticks at the bottom. */
export function axes(
  x: Scale,
  y: Scale,
  box: { left: number; top: number; right: number; bottom: number },
  labels: { x?: string; y?: string; xTicks?: boolean },
): string[] {
  const out: string[] = [];
  for (const t of y.ticks) {
    out.push(line(box.left, y(t), box.right, y(t), 'stroke="#e5e5e5"'));
    out.push(text(box.left - 6, y(t) + 4, tickLabel(t), 'text-anchor="end" fill="#555"'));
  }
  if (labels.xTicks !== false) {
    for (const t of x.ticks) {
      out.push(line(x(t), box.bottom, x(t), box.bottom + 4, 'stroke="#999"'));
      out.push(text(x(t), box.bottom + 16, tickLabel(t), 'text-anchor="middle" fill="#555"'));
    }
  }
  out.push(line(box.left, box.bottom, box.right, box.bottom, 'stroke="#666"'));
  out.push(line(box.left, box.top, box.left, box.bottom, 'stroke="#666"'));
  if (labels.x)
    out.push(text((box.left + box.right) / 2, box.bottom + 32, labels.x, 'text-anchor="middle" fill="#333"'));
  if (labels.y) {
    const cy = (box.top + box.bottom) / 2;
    const [lx, ly] = [r(box.left - 44), r(cy)];
    out.push(
      `<text x="${lx}" y="${ly}" transform="rotate(-90 ${lx} ${ly})" text-anchor="middle" fill="#333">` +
        `${escapeXml(labels.y)}</text>`,
    );
  }
  return out;
}

export function title(width: number, content: string, subtitle?: string): string[] {
  const out = [text(width / 2, 20, content, 'text-anchor="middle" font-size="15" font-weight="bold" fill="#222"')];
  if (subtitle) out.push(text(width / 2, 37, subtitle, 'text-anchor="middle" font-size="11" fill="#666"'));
  return out;
}

export function legend(x: number, y: number, items: { label: string; color: string }[], across = true): string[] {
  const out: string[] = [];
  let cx = x;
  let cy = y;
  for (const item of items) {
    out.push(rect(cx, cy - 9, 10, 10, `fill="${item.color}"`));
    out.push(text(cx + 14, cy, item.label, 'fill="#333"'));
    if (across) cx += 24 + item.label.length * 6.5;
    else cy += 16;
  }
  return out;
}
