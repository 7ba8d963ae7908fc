import { formatMs } from '../flags.js';
import type { LoadFigure, SuiteResult } from '../result.js';
import { pct, rps } from './format.js';

/** Throughput and warm latency of every target, how to reproduce each row, and the histograms. */
export function renderAbsolutes(r: SuiteResult): string[] {
  const L = [
    '## Absolutes',
    '',
    `### Throughput, ${r.options.connections} connections (median of ${r.options.repeats})`,
    '',
    loadTable(r.throughput, true),
    '',
    `### Warm latency, 1 connection (median of ${r.options.repeats})`,
    '',
    loadTable(r.latency, false),
    '',
    'How to reproduce a row: start the server with its setup command, then run its bench command ' +
      '(`kedge` is `node packages/cli/dist/bin.js`):',
    '',
    '| target | setup | bench command |',
    '|---|---|---|',
    ...[...r.throughput, ...r.latency].map((f) => `| ${f.label} | \`${f.setup}\` | \`${f.command}\` |`),
    '',
  ];
  const svgs = r.throughput.filter((f) => f.svg);
  if (svgs.length) L.push('Latency histograms (median round):', '', ...svgs.map((f) => `- [${f.label}](${f.svg})`), '');
  return L;
}

function loadTable(figs: LoadFigure[], withRps: boolean): string {
  const rows = [
    '| target | req/s | p50 | p90 | p99 | max | server CPU / request | load tool CPU | errors | max instances |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of figs) {
    const m = f.median;
    const rate = withRps ? rps(m.rps) : Math.round(m.rps).toLocaleString('en-US');
    const cpu = m.serverCpuUsPerRequest !== undefined ? `${m.serverCpuUsPerRequest.toFixed(0)} µs` : '–';
    rows.push(
      `| ${f.label} | ${rate} | ${formatMs(m.p50)} | ${formatMs(m.p90)} | ${formatMs(m.p99)} | ${formatMs(m.max)} | ` +
        `${cpu} | ${pct(m.loadToolCpuShare)} | ${m.errors} | ${m.maxInstances ?? '–'} |`,
    );
  }
  return rows.join('\n');
}
