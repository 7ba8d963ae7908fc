import { formatMs } from '../flags.js';
import type { RunSummary, SuiteResult } from '../result.js';
import { goal, pct, rps } from './format.js';

/** The ratios of one run, each against its goal where the issue sets one: the page's first section. */
export function renderRatios(r: SuiteResult): string[] {
  return [
    '## Ratios (same run)',
    '',
    '| comparison | ratio / difference | goal | |',
    '|---|---|---|---|',
    ...throughputRatios(r),
    ...latencyRatios(r),
    ...coldStartRatios(r),
    ...loadToolRatio(r),
    '',
    ...loadToolNote(r),
  ];
}

const throughputOf = (r: SuiteResult, key: string) => r.throughput.find((f) => f.key === key)?.median;
const latencyOf = (r: SuiteResult, key: string) => r.latency.find((f) => f.key === key)?.median;

/** A row for each pair of throughput targets both measured. */
function throughputRatios(r: SuiteResult): string[] {
  const c = r.options.connections;
  const node = throughputOf(r, 'node');
  const gw = throughputOf(r, 'gateway');
  const direct = throughputOf(r, 'direct');
  const jco = throughputOf(r, 'jco');
  const floor = throughputOf(r, 'floor');
  const ceiling = throughputOf(r, 'in-thread');
  const L: string[] = [];
  const row = (
    a: RunSummary | undefined,
    b: RunSummary | undefined,
    text: (a: RunSummary, b: RunSummary) => string,
  ) => {
    if (a && b) L.push(text(a, b));
  };
  row(node, gw, (node, gw) => {
    const ratio = gw.rps / node.rps;
    return (
      `| Kedge gateway throughput / bare Node http, ${c} connections | ${pct(ratio)} | ≥ 60 % | ` +
      `${goal(ratio >= 0.6)} |`
    );
  });
  row(
    node,
    direct,
    (node, direct) =>
      `| instance called directly (lone runner) / bare Node http, ${c} connections | ` +
      `${pct(direct.rps / node.rps)} | | |`,
  );
  row(
    direct,
    gw,
    (direct, gw) => `| Kedge gateway / instance called directly, ${c} connections | ${pct(gw.rps / direct.rps)} | | |`,
  );
  row(
    node,
    floor,
    (node, floor) =>
      '| node:http straight into guest workers (the floor of any guest-off-the-main-thread design) / bare Node http, ' +
      `${c} connections | ${pct(floor.rps / node.rps)} | | |`,
  );
  row(floor, gw, (floor, gw) => `| Kedge gateway / that floor, ${c} connections | ${pct(gw.rps / floor.rps)} | | |`);
  row(
    node,
    ceiling,
    (node, ceiling) =>
      '| node:http calling the guest on its own thread (the ceiling of any way to host it; no isolation) / ' +
      `bare Node http, ${c} connections | ${pct(ceiling.rps / node.rps)} | | |`,
  );
  row(
    node,
    jco,
    (node, jco) => `| \`jco serve\` / bare Node http, ${c} connections | ${pct(jco.rps / node.rps)} | | |`,
  );
  row(
    jco,
    gw,
    (jco, gw) =>
      `| Kedge gateway / \`jco serve\`, same component, ${c} connections | ${(gw.rps / jco.rps).toFixed(1)} × | | |`,
  );
  return L;
}

/** What the gateway adds to a warm request, against the instance called directly and bare Node. */
function latencyRatios(r: SuiteResult): string[] {
  const lg = latencyOf(r, 'gateway');
  const ld = latencyOf(r, 'direct');
  const ln = latencyOf(r, 'node');
  const L: string[] = [];
  if (lg && ld) {
    const added = lg.p50 - ld.p50;
    const shown = added >= 0 ? `+${formatMs(added)}` : `−${formatMs(-added)} (the gateway path was faster)`;
    L.push(
      '| warm latency added by the gateway over the instance called directly, p50, 1 connection | ' +
        `${shown} | ≤ 0.5 ms | ${goal(added <= 0.5)} |`,
    );
  }
  if (lg && ln)
    L.push(
      '| warm latency, Kedge gateway vs bare Node http, p50, 1 connection | ' +
        `${(lg.p50 / ln.p50).toFixed(1)} × (${formatMs(lg.p50)} vs ${formatMs(ln.p50)}) | | |`,
    );
  return L;
}

/** The cold-start rows with their goals, each only when its variant answered at least once. */
function coldStartRatios(r: SuiteResult): string[] {
  const answered = (key: string) => {
    const c = r.coldStarts.find((c) => c.key === key)?.result;
    return c && c.ttfb.count > 0 ? c : undefined;
  };
  const warm = latencyOf(r, 'gateway');
  const L: string[] = [];
  const cs = answered('cold-start');
  if (cs) {
    const times = (cs.ttfb.p50 / (warm?.p50 ?? NaN)).toFixed(0);
    L.push(
      '| cold start → first byte through the gateway, p50 (tiny hello) | ' +
        `${formatMs(cs.ttfb.p50)} = ${times} × a warm request | ≤ 3 ms | ${goal(cs.ttfb.p50 <= 3)} |`,
    );
    L.push(
      '| cold start → first byte through the gateway, p99 (tiny hello) | ' +
        `${formatMs(cs.ttfb.p99)} | ≤ 15 ms | ${goal(cs.ttfb.p99 <= 15)} |`,
    );
  }
  const ci = answered('cold-start-immediate');
  if (ci)
    L.push(
      '| cold start right after a scale-down (no settle), p50 / p99 | ' +
        `${formatMs(ci.ttfb.p50)} / ${formatMs(ci.ttfb.p99)} | | |`,
    );
  const cd = answered('cold-start-distributed');
  if (cd)
    L.push(
      '| cold start through a gateway whose runner is another process (NATS), p50 | ' +
        `${formatMs(cd.ttfb.p50)} (p99 ${formatMs(cd.ttfb.p99)}) | ≤ 10 ms | ${goal(cd.ttfb.p50 <= 10)} |`,
    );
  const cj = answered('cold-start-js');
  if (cj)
    L.push(
      '| cold start → first byte through the gateway, p50, JS (SpiderMonkey) hello | ' +
        `${formatMs(cj.ttfb.p50)} (p99 ${formatMs(cj.ttfb.p99)}) | ≤ 30 ms | ${goal(cj.ttfb.p50 <= 30)} |`,
    );
  const cp = answered('cold-start-process');
  if (cp && cs)
    L.push(
      '| cold start, process revision (node) / tiny wasm component, p50 | ' +
        `${(cp.ttfb.p50 / cs.ttfb.p50).toFixed(1)} × (${formatMs(cp.ttfb.p50)} vs ${formatMs(cs.ttfb.p50)}) | | |`,
    );
  return L;
}

/** Our load tool against wrk on the same server: what the tool itself costs. */
function loadToolRatio(r: SuiteResult): string[] {
  const node = throughputOf(r, 'node');
  if (!r.wrk || !node) return [];
  return [
    "| `kedge bench load` / `wrk -t1` on the bare Node server (the load tool's own cost) | " +
      `${pct(node.rps / r.wrk.rps)} | | |`,
  ];
}

/** The load generator shares the cores with the server: how much it took, below the table. */
function loadToolNote(r: SuiteResult): string[] {
  const node = throughputOf(r, 'node');
  if (!node) return [];
  const wrk = r.wrk
    ? ` (\`${r.wrk.command}\`, run in every round just before it, reached ${rps(r.wrk.rps)} on the same server, median)`
    : '';
  return [
    `The load generator itself used ${pct(node.loadToolCpuShare)} of one core while driving the bare Node server` +
      wrk +
      '. With 2 cores, whatever it takes is taken from the server: ' +
      'every throughput figure here is a lower bound, the same for every target.',
    '',
  ];
}
