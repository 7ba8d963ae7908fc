import { formatMs } from '../flags.js';
import type { RunSummary } from '../result.js';
import type { WaitingResult } from '../waiting.js';
import { pct, rps } from './format.js';

const WAITING_START = '<!-- waiting-guests: written by the suite; `--waiting-only` rewrites just this section -->';
const WAITING_END = '<!-- /waiting-guests -->';

// Shares far below the goal still need a digit: 0.4 % and 0 % are different findings.
const share = (v: number) => (v < 0.1 && v > 0 ? `${(v * 100).toFixed(1)} %` : pct(v));
const ratio = (v: number | undefined, ideal: number) => (v === undefined ? '–' : share(v / ideal));
const non2xx = (s: RunSummary) =>
  Object.entries(s.statusCounts)
    .filter(([k]) => !k.startsWith('2'))
    .reduce((a, [, v]) => a + v, 0);
const status = (s: RunSummary | undefined) => (s ? `${s.errors} / ${non2xx(s)}` : '–');
const cell = (s: RunSummary | undefined, f: (s: RunSummary) => string) => (s ? f(s) : '–');
const p50 = (s: RunSummary | undefined) => cell(s, (s) => formatMs(s.p50));
const p99 = (s: RunSummary | undefined) => cell(s, (s) => formatMs(s.p99));
const rate = (s: RunSummary | undefined) => cell(s, (s) => rps(s.rps));

function neighbourCell(during: RunSummary | undefined, alone: RunSummary | undefined): string {
  if (!during) return '–';
  const errors = during.errors + non2xx(during);
  const times =
    alone && alone.p99 > 0 && Number.isFinite(during.p99) ? ` = ${(during.p99 / alone.p99).toFixed(1)} × alone` : '';
  return `${formatMs(during.p99)}${times}, ${rps(during.rps)}, ${errors} errors`;
}

/** The waiting-guest and service-to-service section, between markers so `--waiting-only` can replace it alone. */
export function renderWaiting(w: WaitingResult, note?: string): string {
  return [
    WAITING_START,
    `## Guests that wait (${w.waitMs} ms), and service-to-service`,
    '',
    ...(note ? [note, ''] : []),
    ...waitingRows(w),
    ...cpuBoundRows(w),
    ...waitingCharts(w),
    ...serviceToServiceRows(w),
    ...jsServiceToServiceRows(w),
    ...(w.svgs['service-to-service.svg']
      ? [`![service-to-service vs direct](${w.svgs['service-to-service.svg']})`, '']
      : []),
    ...reproduce(w),
    ...(w.notMeasured.length
      ? ['Not measured in this section:', '', ...w.notMeasured.map((m) => `- ${m.what}: ${m.why}`), '']
      : []),
    WAITING_END,
    '',
  ].join('\n');
}

/** The sleeper through Kedge against the ideal and a bare Node server that waits. */
function waitingRows(w: WaitingResult): string[] {
  return [
    `A guest whose every request only waits ${w.waitMs} ms (\`examples/sleeper\`, \`?ms=${w.waitMs}\`: ` +
      'wasi:clocks subscribe-duration + wasi:io/poll, a few KB of WAT; ' +
      '`containerConcurrency: 10`) through a fresh `kedge up`, against the ideal ' +
      '(every connection always waiting: connections / wait) and a bare Node ' +
      `server that waits with setTimeout. ${w.durationS} s per run after 3 s of the same load ` +
      '(so Kedge is measured scaled up); every request times out after 10 s (an error). ' +
      'Peak replicas: the most the revision had while the row ran (status.actualReplicas, polled every 250 ms). ' +
      'The rows run from 1 connection up on one `kedge up`; the service-to-service rows get a fresh one, ' +
      'so neither measures the aftermath of the other.',
    '',
    '| connections | ideal | Kedge req/s | Kedge / ideal | Kedge p50 | Kedge p99 | Kedge errors / non-2xx | ' +
      'peak replicas | bare Node req/s | bare Node / ideal | bare Node p99 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...w.rows.map(
      ({ connections, idealRps, kedge: k, bare: b }) =>
        `| ${connections} | ${rps(idealRps)} | ${rate(k)} | ${ratio(k?.rps, idealRps)} | ${p50(k)} | ${p99(k)} | ` +
        `${status(k)} | ${k?.maxInstances ?? '–'} | ${rate(b)} | ${ratio(b?.rps, idealRps)} | ${p99(b)} |`,
    ),
    '',
  ];
}

/** The same wait in the JS example: bound by its CPU, not by the wait. */
function cpuBoundRows(w: WaitingResult): string[] {
  if (!w.rows.some((r) => r.cpuBound)) return [];
  return [
    `The same wait in the JS example (\`examples/autoscale-js\`, \`?sleep=${w.waitMs}\`, ` +
      "`containerConcurrency: 10`), right after the sleeper's row on the same node: " +
      'CPU-bound, not a measure of waiting — each request also runs a few ms of SpiderMonkey, ' +
      'and that CPU, not the wait, sets its ceiling.',
    '',
    '| connections | ideal | JS guest req/s | JS / ideal | JS p50 | JS p99 | JS errors / non-2xx | peak replicas |',
    '|---|---|---|---|---|---|---|---|',
    ...w.rows.map(
      ({ connections, idealRps, cpuBound: j }) =>
        `| ${connections} | ${rps(idealRps)} | ${rate(j)} | ${ratio(j?.rps, idealRps)} | ${p50(j)} | ${p99(j)} | ` +
        `${status(j)} | ${j?.maxInstances ?? '–'} |`,
    ),
    '',
  ];
}

function waitingCharts(w: WaitingResult): string[] {
  const L: string[] = [];
  if (w.svgs['waiting-guest-throughput.svg'])
    L.push(`![waiting guest throughput by connections](${w.svgs['waiting-guest-throughput.svg']})`, '');
  const tl = Object.keys(w.svgs).find((k) => /^waiting-guest-c\d+-timeline\.svg$/.test(k));
  if (tl) L.push(`![waiting guest: latency and instances over time](${w.svgs[tl]})`, '');
  return L;
}

/** A → B through the cluster-local path against B directly, with a neighbour's p99 meanwhile. */
function serviceToServiceRows(w: WaitingResult): string[] {
  const alone = w.neighbourAlone;
  return [
    'Service-to-service: `examples/caller` (a few KB of WAT, next to no CPU per request) answers every request ' +
      'by calling `http://helloworld.example.svc.cluster.local/` ' +
      '(wasi:http/outgoing-handler, `kedge.dev/outbound: cluster-local`) and returning its answer; ' +
      'against helloworld called directly through the gateway. ' +
      'Meanwhile a third service on the node, `neighbour` (another helloworld), gets 1 connection: ' +
      'its p99 against its p99 alone (the issue asks for at most 2×), and its errors.',
    '',
    '| connections | B directly req/s | B p50 | B p99 | A → B req/s | A → B p50 | A → B p99 | ' +
      'A → B errors / non-2xx | A → B / B directly | ' +
      `neighbour p99 during A → B (alone: ${p99(alone)}) |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...w.s2s.map(
      ({ connections, direct: d, viaCaller: v, neighbourDuring }) =>
        `| ${connections} | ${rate(d)} | ${p50(d)} | ${p99(d)} | ${rate(v)} | ${p50(v)} | ${p99(v)} | ` +
        `${status(v)} | ${d && v ? share(v.rps / d.rps) : '–'} | ${neighbourCell(neighbourDuring, alone)} |`,
    ),
    '',
  ];
}

/** The same call from the JS example: bound by its CPU, which the neighbour feels. */
function jsServiceToServiceRows(w: WaitingResult): string[] {
  if (!w.s2s.some((r) => r.viaJsCaller)) return [];
  const alone = w.neighbourAlone;
  return [
    'The same call from the JS example (`examples/autoscale-js`, `?call=helloworld.example`): ' +
      'CPU-bound, not a measure of the path — ' +
      "each request also runs SpiderMonkey, and that CPU, on the node's shared cores, " +
      "is what the neighbour's p99 feels here.",
    '',
    '| connections | JS A → B req/s | JS A → B p50 | JS A → B p99 | JS A → B errors / non-2xx | ' +
      `neighbour p99 during JS A → B (alone: ${p99(alone)}) |`,
    '|---|---|---|---|---|---|',
    ...w.s2s.map(
      ({ connections, viaJsCaller: j, neighbourDuringJs }) =>
        `| ${connections} | ${rate(j)} | ${p50(j)} | ${p99(j)} | ${status(j)} | ` +
        `${neighbourCell(neighbourDuringJs, alone)} |`,
    ),
    '',
  ];
}

function reproduce(w: WaitingResult): string[] {
  return [
    'Reproduce a row (C = connections; ports as printed by `kedge up`):',
    '',
    '| row | setup | bench command |',
    '|---|---|---|',
    `| sleeper through Kedge | \`${w.setup.kedge}\` | \`${w.commands.kedge}\` |`,
    `| JS guest (CPU-bound) through Kedge | as the sleeper's row | \`${w.commands.cpuBound}\` |`,
    `| bare Node waiting with setTimeout | \`${w.setup.bare}\` | \`${w.commands.bare}\` |`,
    `| A → B | \`${w.setup.s2s}\` | \`${w.commands.viaCaller}\` |`,
    `| JS A → B (CPU-bound) | as A → B | \`${w.commands.viaJsCaller}\` |`,
    `| B directly | as A → B | \`${w.commands.direct}\` |`,
    '',
  ];
}

/**
 * Puts a freshly rendered waiting section into an existing docs/benchmarks.md: in place of the previous
 * one, else before the packages' section, else at the end. The rest of the page is kept as it was.
 */
export function spliceWaiting(doc: string, section: string): string {
  const start = doc.indexOf(WAITING_START);
  const end = doc.indexOf(WAITING_END);
  if (start >= 0 && end > start) return doc.slice(0, start) + section + doc.slice(end + WAITING_END.length + 1);
  const packages = doc.indexOf("## The packages' own benchmarks");
  if (packages >= 0) return `${doc.slice(0, packages) + section}\n${doc.slice(packages)}`;
  return `${doc.trimEnd()}\n\n${section}`;
}
