import type { ColdStartResult } from './cold-start.js';
import type { EdgeResult } from './edge-report.js';
import type { Machine } from './machine.js';
import type { ScaleFromZeroRound } from './scale-from-zero.js';
import type { WaitingResult } from './waiting.js';

export interface ColdStartEntry {
  key: string;
  command: string;
  /** How to start what it ran against, when that is not the suite's `kedge up`. */
  setup?: string;
  label?: string;
  /** Scale-downs it took to reach a quiet zero, over all iterations (> iterations: the revision came back). */
  scaleDowns?: number;
  result: Omit<ColdStartResult, 'samples'>;
}

/** One load run reduced to its figures. */
export interface RunSummary {
  rps: number;
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  statusCounts: Record<string, number>;
  /** Share of one core the load generator itself used during the run. */
  loadToolCpuShare: number;
  /** CPU the server process spent per request (µs), from /proc. */
  serverCpuUsPerRequest?: number;
  maxInstances?: number;
}

export interface LoadFigure {
  key: string;
  label: string;
  connections: number;
  durationS: number;
  setup: string;
  command: string;
  runs: RunSummary[];
  median: RunSummary;
  svg?: string;
  timelineSvg?: string;
}

export interface PackageFigure {
  name: string;
  value: number | string;
  unit?: string;
  goal?: string;
  command?: string;
}

/** What one suite run measured: written to bench-out/suite.json, rendered into docs/benchmarks.md. */
export interface SuiteResult {
  startedAt: string;
  seconds?: number;
  /** The command that produced the run (`npm run bench` or the suite with its flags). */
  invocation?: string;
  machine: Machine;
  options: {
    repeats: number;
    loadMs: number;
    latencyMs: number;
    connections: number;
    coldIterations: number;
    coldSettleMs?: number;
    sfzSizes: number[];
  };
  throughput: LoadFigure[];
  latency: LoadFigure[];
  wrk?: { rps: number; command: string; runs: number[] };
  /** key: cold-start (the headline: wasm, quiet zero), cold-start-immediate, cold-start-process. */
  coldStarts: ColdStartEntry[];
  loadFromZero?: { command: string; summary: RunSummary; instances: { t: number; count: number }[] };
  scaleFromZero?: { command: string; setupMs: number; rounds: Omit<ScaleFromZeroRound, 'samples'>[] };
  /** Guests that wait, and service-to-service (waiting.ts). */
  waiting?: WaitingResult;
  /** The Deno edge gateway beside the Node gateway (edge.ts). */
  edge?: EdgeResult;
  packages: {
    name: string;
    command: string;
    exitCode: number | null;
    seconds: number;
    figures?: PackageFigure[];
    outputTail: string;
    output?: string;
  }[];
  notMeasured: { what: string; why: string }[];
  svgs: Record<string, string>;
}
