/** One gateway's figures: warm throughput, then cold starts, against the same cluster. */
export interface EdgeRow {
  gateway: 'node' | 'deno';
  label: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests without a 2xx answer during the warm run. */
  errors: number;
  serverCpuUsPerRequest?: number;
  coldP50Ms: number;
  coldP99Ms: number;
  coldFailed: number;
  /** Process start to its ready line. */
  startToReadyMs: number;
}

export interface EdgeResult {
  command: string;
  setup: string;
  connections: number;
  loadMs: number;
  coldIterations: number;
  rows: EdgeRow[];
}

export const EDGE_START = '<!-- edge gateway rows: begin -->';
export const EDGE_END = '<!-- edge gateway rows: end -->';

/** docs/benchmarks.md's section for these rows (between markers, so `--edge-only` can replace it alone). */
export function renderEdge(r: EdgeResult, note = ''): string {
  const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 0)} ms` : '–');
  const L = [
    EDGE_START,
    '## Edge gateway: Deno beside Node',
    '',
    `The same cluster (nats-server, \`kedge api\`, \`autoscaler\`, \`runner\` as processes), the hello service; each gateway in turn: ` +
      `${r.loadMs / 1000} s at ${r.connections} keep-alive connections after a 3 s warm-up, then ${r.coldIterations} cold starts ` +
      '(revision brought to zero, one request). Both forward to the runner over HTTP. `' +
      r.command +
      '`.',
    ...(note ? ['', note] : []),
    '',
    '| gateway | warm req/s | p50 / p99 | non-2xx | gateway CPU µs/req | cold start p50 / p99 | start to ready |',
    '|---|---|---|---|---|---|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.label} | ${Math.round(x.rps).toLocaleString('en-US')} | ${ms(x.p50Ms)} / ${ms(x.p99Ms)} | ${x.errors} | ` +
        `${x.serverCpuUsPerRequest !== undefined ? Math.round(x.serverCpuUsPerRequest) : '–'} | ${ms(x.coldP50Ms)} / ${ms(x.coldP99Ms)}` +
        `${x.coldFailed ? ` (${x.coldFailed} failed)` : ''} | ${ms(x.startToReadyMs)} |`,
    ),
    '',
    `Setup by hand: \`${r.setup}\`.`,
    EDGE_END,
    '',
  ];
  return L.join('\n');
}

/** Replaces the edge section of a benchmarks page, or adds it at the end. */
export function spliceEdge(doc: string, section: string): string {
  const start = doc.indexOf(EDGE_START);
  const end = doc.indexOf(EDGE_END);
  if (start >= 0 && end > start) return doc.slice(0, start) + section + doc.slice(end + EDGE_END.length + 1);
  return `${doc.trimEnd()}\n\n${section}`;
}
