import { describe, expect, it } from 'vitest';
import {
  renderReport,
  renderWaiting,
  spliceWaiting,
  type LoadFigure,
  type RunSummary,
  type SuiteResult,
} from './report.js';
import type { WaitingResult } from './waiting.js';

const run = (rps: number, p50: number): RunSummary => ({
  rps,
  requests: rps * 5,
  p50,
  p90: p50 * 2,
  p99: p50 * 4,
  max: p50 * 10,
  errors: 0,
  statusCounts: { '200': rps * 5 },
  loadToolCpuShare: 0.5,
});

const fig = (key: string, label: string, connections: number, m: RunSummary): LoadFigure => ({
  key,
  label,
  connections,
  durationS: connections === 1 ? 3 : 5,
  setup: `start ${key}`,
  command: `kedge bench load --url http://127.0.0.1:1/ -c ${connections}`,
  runs: [m],
  median: m,
});

const base: SuiteResult = {
  startedAt: '2026-11-25T19:00:00.000Z',
  seconds: 200,
  machine: { cpuModel: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20.20.2', os: 'linux', loadAverage: 0.5 },
  options: { repeats: 3, loadMs: 5000, latencyMs: 3000, connections: 50, coldIterations: 100, sfzSizes: [1, 5] },
  throughput: [
    fig('node', 'bare Node http hello', 50, run(20_000, 2)),
    fig('gateway', 'Kedge gateway', 50, run(13_000, 3)),
  ],
  latency: [
    fig('node', 'bare Node http hello', 1, run(8000, 0.1)),
    fig('direct', 'direct', 1, run(3000, 0.3)),
    fig('gateway', 'Kedge gateway', 1, run(2500, 0.5)),
  ],
  coldStarts: [],
  notMeasured: [],
  packages: [],
  svgs: {},
};

describe('renderReport', () => {
  it('puts ratios before absolutes and judges them against the goals', () => {
    const md = renderReport(base);
    expect(md.indexOf('## Ratios')).toBeLessThan(md.indexOf('## Absolutes'));
    expect(md).toContain('| Kedge gateway throughput / bare Node http, 50 connections | 65 % | ≥ 60 % | met |');
    expect(md).toContain('+200 µs | ≤ 0.5 ms | met |');
    expect(md).toContain('2 × Test CPU');
    expect(md).toContain('`kedge bench load --url http://127.0.0.1:1/ -c 50`');
  });

  it('says plainly what was not measured', () => {
    const md = renderReport({
      ...base,
      throughput: base.throughput.slice(0, 1),
      notMeasured: [{ what: 'cold start', why: 'kedge up did not start' }],
    });
    expect(md).not.toContain('Kedge gateway throughput /');
    expect(md).toContain('- cold start: kedge up did not start');
    expect(md).toMatch(/## Cold start[^#]*Not measured in this run/);
  });

  it('flags a missed goal and cold-start figures', () => {
    const md = renderReport({
      ...base,
      coldStarts: [
        {
          key: 'cold-start',
          command: 'kedge bench cold-start --service helloworld -n example -i 100',
          result: {
            url: 'http://g/',
            iterations: 100,
            concurrency: 1,
            warmHits: 2,
            failed: 0,
            errors: {},
            statusCounts: { '200': 100 },
            ttfb: { count: 100, p50: 4, p90: 8, p95: 9, p99: 20, max: 30, mean: 5 },
            ttlb: { count: 100, p50: 4.1, p90: 8, p95: 9, p99: 20, max: 30, mean: 5 },
            phases: { activator: { count: 100, p50: 3, p90: 6, p95: 7, p99: 15, max: 25, mean: 4 } },
            phaseOrder: ['activator'],
          },
        },
      ],
    });
    expect(md).toContain('| cold start → first byte through the gateway, p50 (tiny hello) | 4.00 ms');
    expect(md).toContain('≤ 3 ms | **not met** |');
    expect(md).toContain('| server: activator | 100 | 3.00 ms |');
    expect(md).toContain('**2 request(s) met a ready instance**');
  });
});

const waiting: WaitingResult = {
  waitMs: 100,
  durationS: 5,
  rows: [
    {
      connections: 10,
      idealRps: 100,
      kedge: { ...run(19.5, 500), maxInstances: 72 },
      bare: run(97, 101),
      cpuBound: { ...run(70, 140), maxInstances: 9 },
    },
    { connections: 200, idealRps: 2000, bare: run(1800, 110) },
  ],
  s2s: [
    {
      connections: 1,
      direct: run(3000, 0.3),
      viaCaller: { ...run(300, 3), errors: 2, statusCounts: { '200': 1000, '502': 4 } },
      neighbourDuring: { ...run(100, 2), errors: 1 },
      viaJsCaller: run(50, 20),
      neighbourDuringJs: run(90, 10),
    },
  ],
  neighbourAlone: run(2000, 0.5),
  setup: { kedge: 'kedge up …', bare: 'node node-wait.js', s2s: 'kedge up s2s' },
  commands: { kedge: 'k', bare: 'b', cpuBound: 'j', viaCaller: 'v', viaJsCaller: 'vj', direct: 'd' },
  svgs: { 'waiting-guest-throughput.svg': 'bench/waiting-guest-throughput.svg' },
  notMeasured: [{ what: 'waiting guest through kedge up, 200 connections', why: 'boom' }],
};

describe('renderWaiting / spliceWaiting', () => {
  it('renders both tables against the ideal, errors and non-2xx counted, gaps as –', () => {
    const md = renderWaiting(waiting);
    expect(md).toContain(
      '| 10 | 100 req/s | 20 req/s | 20 % | 500.0 ms | 2.00 s | 0 / 0 | 72 | 97 req/s | 97 % | 404.0 ms |',
    );
    expect(md).toMatch(/\| 200 \| 2,000 req\/s \| – \| – \|/);
    // The JS example is its own table, labelled CPU-bound, with its peak replicas.
    expect(md).toContain('`examples/autoscale-js`, `?sleep=100`');
    expect(md).toMatch(/CPU-bound, not a measure of waiting/);
    expect(md).toContain('| 10 | 100 req/s | 70 req/s | 70 % | 140.0 ms | 560.0 ms | 0 / 0 | 9 |');
    expect(md).toContain('| 200 | 2,000 req/s | – | – | – | – | – | – |');
    expect(md).toContain("| JS guest (CPU-bound) through Kedge | as the sleeper's row | `j` |");
    expect(md).toContain('| A → B | `kedge up s2s` | `v` |');
    expect(md).toContain('neighbour p99 during A → B (alone: 2.00 ms) |');
    expect(md).toContain(
      '| 1 | 3,000 req/s | 300 µs | 1.20 ms | 300 req/s | 3.00 ms | 12.0 ms | 2 / 4 | 10 % | 8.00 ms = 4.0 × alone, 100 req/s, 1 errors |',
    );
    // The cheap WAT caller is the A → B row; the JS caller has its own table, labelled CPU-bound.
    expect(md).toContain('`examples/caller` (a few KB of WAT');
    expect(md).toContain('| 1 | 50 req/s | 20.0 ms | 80.0 ms | 0 / 0 | 40.0 ms = 20.0 × alone, 90 req/s, 0 errors |');
    expect(md).toContain('| JS A → B (CPU-bound) | as A → B | `vj` |');
    expect(md).toContain('![waiting guest throughput by connections](bench/waiting-guest-throughput.svg)');
    expect(md).toContain('- waiting guest through kedge up, 200 connections: boom');
  });

  it('leaves the CPU-bound table out when the JS example was not measured', () => {
    const md = renderWaiting({ ...waiting, rows: waiting.rows.map(({ cpuBound: _cpuBound, ...r }) => r) });
    expect(md).toContain('`examples/sleeper`, `?ms=100`');
    expect(md).not.toContain('JS guest req/s');
  });

  it('is part of the full report, and --waiting-only replaces just that section', () => {
    const full = renderReport({ ...base, waiting });
    expect(full.indexOf('## Guests that wait')).toBeLessThan(full.indexOf("## The packages' own benchmarks"));
    const newer = renderWaiting(
      { ...waiting, rows: [{ connections: 1, idealRps: 10, kedge: run(9.9, 101) }] },
      '_note_',
    );
    const spliced = spliceWaiting(full, newer);
    expect(spliced.match(/## Guests that wait/g)).toHaveLength(1);
    expect(spliced).toContain('_note_');
    expect(spliced).not.toContain('| 10 | 100 req/s |');
    expect(spliced.replace(newer, '')).toBe(full.replace(renderWaiting(waiting), ''));
    // A page written before the section existed gets it before the packages' section.
    const old = full.replace(renderWaiting(waiting), '');
    expect(spliceWaiting(old, newer).indexOf('_note_')).toBeLessThan(
      spliceWaiting(old, newer).indexOf("## The packages' own benchmarks"),
    );
  });
});
