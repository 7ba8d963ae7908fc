import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@kedge/core/testing';
import { startChild } from './child.js';
import type { RunSummary } from './result.js';
import { writeWaitingCharts } from './waiting/charts.js';
import type { WaitingContext } from './waiting/context.js';
import { startWaitingKedge, stopWaitingKedge } from './waiting/kedge.js';
import { measureWaitingRows } from './waiting/rows.js';
import { measureServiceToService } from './waiting/service-to-service.js';

/**
 * The waiting-guest rows (issue: guests that wait must not hold a thread): a guest whose every request
 * only waits `waitMs` (examples/sleeper, `?ms=`) through a fresh `kedge up` at each connection count,
 * beside the ideal (connections / wait) and a bare Node server that waits with setTimeout; beside them
 * the same wait in the JS example (examples/autoscale-js, `?sleep=`), whose SpiderMonkey CPU per request
 * bounds it long before waiting does, so it is its own, CPU-bound series. Then service-to-service:
 * examples/caller (a few KB of WAT, next to no CPU per request) calling helloworld by its cluster-local
 * name, against calling helloworld directly, with a neighbour's latency beside it; and the JS guest
 * calling helloworld (`?call=`), whose CPU per request weighs on the neighbour too, labelled as such.
 * Bounded: each run has a duration, every request a timeout.
 */
export interface WaitingOptions {
  root: string;
  /** Where load JSON and charts go (bench-out). */
  outDir: string;
  /** Where the SVGs for the docs go, and how the report links them (relative to the docs dir). */
  svgDir: string;
  rel: (path: string) => string;
  waitMs: number;
  connections: number[];
  s2sConnections: number[];
  durationMs: number;
  log: (msg: string) => void;
}

export interface WaitingRow {
  connections: number;
  idealRps: number;
  /** examples/sleeper: a guest that only waits. */
  kedge?: RunSummary;
  bare?: RunSummary;
  /** examples/autoscale-js `?sleep=`: the same wait plus a JS engine's CPU per request. */
  cpuBound?: RunSummary;
}

export interface ServiceToServiceRow {
  connections: number;
  /** A → B with examples/caller (WAT, cheap): the caller's answer is B's. */
  viaCaller?: RunSummary;
  /** B called directly through the gateway. */
  direct?: RunSummary;
  /** A third service (a hello beside them) at 1 connection while A → B runs. */
  neighbourDuring?: RunSummary;
  /** A → B with examples/autoscale-js (`?call=`): SpiderMonkey's CPU per request included. */
  viaJsCaller?: RunSummary;
  /** The neighbour while the JS caller runs. */
  neighbourDuringJs?: RunSummary;
}

export interface WaitingResult {
  waitMs: number;
  durationS: number;
  rows: WaitingRow[];
  s2s: ServiceToServiceRow[];
  /** The neighbour at 1 connection on the same node, before the service-to-service rows. */
  neighbourAlone?: RunSummary;
  /** How to start each server and run each row by hand. */
  setup: { kedge: string; bare: string; s2s: string };
  commands: { kedge: string; bare: string; cpuBound: string; viaCaller: string; viaJsCaller: string; direct: string };
  svgs: Record<string, string>;
  notMeasured: { what: string; why: string }[];
}

/** Examples by service name (each is examples/<name>/service.yaml in namespace example) and their build. */
const COMPONENTS: Record<string, string> = {
  sleeper: 'sleeper.wasm',
  'autoscale-js': 'autoscale.wasm',
  helloworld: 'helloworld.wasm',
  caller: 'caller.wasm',
};
const WAITING_SERVICES = ['sleeper', 'autoscale-js'];
const S2S_SERVICES = ['helloworld', 'caller', 'autoscale-js'];
const upCommand = (services: string[]) =>
  `npm run build && kedge up --data-dir $(mktemp -d) ${services.map((s) => `--apply examples/${s}/service.yaml`).join(' ')}`;

export async function runWaiting(opts: WaitingOptions): Promise<WaitingResult> {
  const { root, log } = opts;
  const result = emptyWaitingResult(opts);
  const w: WaitingContext = {
    opts,
    result,
    missing: (what, why) => {
      const msg = why instanceof Error ? why.message.split('\n')[0]! : String(why);
      log(`not measured: ${what}: ${msg}`);
      result.notMeasured.push({ what, why: msg });
    },
    children: [],
    dataDirs: [],
  };
  const built = (name: string) => {
    const file = join(root, 'examples', name, 'build', COMPONENTS[name]!);
    if (existsSync(file)) return true;
    w.missing(`examples/${name} rows`, `${file} not built (npm run build)`);
    return false;
  };
  const have = new Set(Object.keys(COMPONENTS).filter(built));
  try {
    const barePort = await freePort();
    const bare = await startChild(
      process.execPath,
      [join(root, 'packages/cli/dist/bench/baselines/node-wait.js'), String(barePort), String(opts.waitMs)],
      /listening on (\S+)/,
    );
    w.children.push(bare);
    const waiting = WAITING_SERVICES.filter((s) => have.has(s));
    let kedge = await startWaitingKedge(w, 'the waiting guests through Kedge', waiting);
    const timeline = await measureWaitingRows(w, `${bare.match[1]}/`, kedge);
    await stopWaitingKedge(w, kedge);
    const s2sServices = S2S_SERVICES.filter((s) => have.has(s));
    kedge =
      result.s2s.length && have.has('helloworld') && s2sServices.length > 1
        ? await startWaitingKedge(w, 'service-to-service', s2sServices)
        : undefined;
    if (kedge) await measureServiceToService(w, kedge);
    await writeWaitingCharts(w, timeline);
  } finally {
    for (const c of w.children.splice(0).reverse()) await c.stop();
    for (const d of w.dataDirs) await rm(d, { recursive: true, force: true }).catch(() => undefined);
  }
  return result;
}

/** The rows and the commands that reproduce them, before any is measured. */
function emptyWaitingResult(opts: WaitingOptions): WaitingResult {
  const seconds = opts.durationMs / 1000;
  const load = (target: string) => `kedge bench load ${target} -z ${seconds}s -c C`;
  return {
    waitMs: opts.waitMs,
    durationS: seconds,
    rows: opts.connections.map((c) => ({ connections: c, idealRps: c / (opts.waitMs / 1000) })),
    s2s: opts.s2sConnections.map((c) => ({ connections: c })),
    setup: {
      kedge: upCommand(WAITING_SERVICES),
      bare: `node packages/cli/dist/bench/baselines/node-wait.js 3000 ${opts.waitMs}`,
      s2s: upCommand(S2S_SERVICES),
    },
    commands: {
      kedge: load(`--url 'http://127.0.0.1:8080/?ms=${opts.waitMs}' --host sleeper.example.example.com`),
      cpuBound: load(`--url 'http://127.0.0.1:8080/?sleep=${opts.waitMs}' --host autoscale-js.example.example.com`),
      bare: load('--url http://127.0.0.1:3000/ --no-instances'),
      viaCaller: load('--url http://127.0.0.1:8080/ --host caller.example.example.com'),
      viaJsCaller: load(
        "--url 'http://127.0.0.1:8080/?call=helloworld.example' --host autoscale-js.example.example.com",
      ),
      direct: load('--service helloworld -n example'),
    },
    svgs: {},
    notMeasured: [],
  };
}
