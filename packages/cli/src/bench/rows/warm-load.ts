import { readFile } from 'node:fs/promises';
import { processCpuMs } from '../child.js';
import { pollInstances } from '../kedge.js';
import { runLoad, type LoadResult } from '../load.js';
import { writeLoad } from '../output.js';
import type { LoadFigure, RunSummary, SuiteResult } from '../result.js';
import { summarizeRun } from '../summary.js';
import type { SuiteContext } from '../suite/context.js';
import type { KedgeUp } from './kedge-up.js';
import { medianRun } from './median-run.js';
import type { Target } from './target.js';
import { wrkBeside } from './wrk.js';

/** Load on an autoscaled target just before each of its throughput runs. */
const AUTOSCALED_WARMUP_MS = 3_000;

type Kind = 'tp' | 'lat';

/** One target's rounds, and the middle round's full results for its charts. */
interface Rounds {
  tp: RunSummary[];
  lat: RunSummary[];
  tpShown?: LoadResult;
  latShown?: LoadResult;
  instances?: { t: number; count: number }[];
}

/**
 * Throughput (c=50) and warm latency (c=1) of every target, in rounds that interleave the targets so
 * a change in the machine's load meets them all; each figure the median of the rounds.
 */
export async function measureWarmLoad(
  ctx: SuiteContext,
  targets: Target[],
  kedge: KedgeUp | undefined,
): Promise<Pick<SuiteResult, 'throughput' | 'latency' | 'wrk'>> {
  const { opts } = ctx;
  for (const t of targets) await warm(ctx, t);
  const runs = new Map<string, Rounds>(targets.map((t) => [t.key, { tp: [], lat: [] }]));
  const wrk = wrkBeside(ctx, targets.find((t) => t.key === 'node')!);
  for (let round = 1; round <= opts.repeats; round++) {
    wrk.round();
    for (const t of targets)
      for (const kind of ['tp', 'lat'] as const) await measureRound(ctx, t, kind, round, runs.get(t.key)!, kedge);
  }
  const throughput: LoadFigure[] = [];
  const latency: LoadFigure[] = [];
  for (const t of targets) {
    throughput.push(await loadFigure(ctx, t, 'tp', runs.get(t.key)!));
    latency.push(await loadFigure(ctx, t, 'lat', runs.get(t.key)!));
  }
  const wrkResult = wrk.result();
  return { throughput, latency, ...(wrkResult ? { wrk: wrkResult } : {}) };
}

const connectionsOf = (ctx: SuiteContext, kind: Kind) => (kind === 'tp' ? ctx.opts.connections : 1);
const durationOf = (ctx: SuiteContext, kind: Kind) => (kind === 'tp' ? ctx.opts.loadMs : ctx.opts.latencyMs);

async function warm(ctx: SuiteContext, t: Target, durationMs = 1_000): Promise<void> {
  await runLoad({
    url: t.url,
    ...(t.host ? { host: t.host } : {}),
    ...(t.headers ? { headers: t.headers } : {}),
    connections: ctx.opts.connections,
    durationMs,
  }).catch(() => undefined);
}

async function measureRound(
  ctx: SuiteContext,
  t: Target,
  kind: Kind,
  round: number,
  slot: Rounds,
  kedge: KedgeUp | undefined,
): Promise<void> {
  const { opts } = ctx;
  const connections = connectionsOf(ctx, kind);
  const durationMs = durationOf(ctx, kind);
  ctx.log(`round ${round}/${opts.repeats}: ${t.label}, ${connections} connection(s), ${durationMs / 1000} s`);
  // An autoscaled target shrinks while the other targets run; the throughput figure is its
  // scaled-up steady state (the ramp from zero is the "load from zero" run), so it gets the
  // same load for a moment first.
  if (kind === 'tp' && t.revision) await warm(ctx, t, AUTOSCALED_WARMUP_MS);
  const cpu0 = t.pid ? processCpuMs(t.pid) : undefined;
  const poller = kedge && t.revision ? pollInstances(kedge.client, t.revision, 250) : undefined;
  const r = await runLoad({
    url: t.url,
    ...(t.host ? { host: t.host } : {}),
    ...(t.headers ? { headers: t.headers } : {}),
    connections,
    durationMs,
    timeoutMs: 10_000,
  });
  const instances = poller ? await poller.stop() : undefined;
  const cpu1 = t.pid ? processCpuMs(t.pid) : undefined;
  const maxInstances = instances?.length ? Math.max(...instances.map((p) => p.count)) : undefined;
  // A server doing its work in a child process shows ~0 CPU here: unknown, not free.
  const cpu = cpu0 !== undefined && cpu1 !== undefined && cpu1 - cpu0 > 10 ? cpu1 - cpu0 : undefined;
  slot[kind].push(summarizeRun(r, cpu, maxInstances));
  if (round !== Math.ceil(opts.repeats / 2)) return;
  if (kind === 'lat') slot.latShown = r;
  else {
    slot.tpShown = r;
    if (instances) slot.instances = instances;
  }
}

/** A target's figure: the median of its rounds, its command, and the middle round's charts. */
async function loadFigure(ctx: SuiteContext, t: Target, kind: Kind, slot: Rounds): Promise<LoadFigure> {
  const connections = connectionsOf(ctx, kind);
  const seconds = durationOf(ctx, kind) / 1000;
  const fig: LoadFigure = {
    key: t.key,
    label: t.label,
    connections,
    durationS: seconds,
    setup: t.setup,
    command: `kedge bench load ${t.flags} -z ${seconds}s -c ${connections}`,
    runs: slot[kind],
    median: medianRun(slot[kind]),
  };
  if (kind === 'tp' && slot.tpShown) {
    const name = `load-${t.key}-c${connections}`;
    const files = await writeLoad(ctx.outDir, name, slot.tpShown, slot.instances, t.label);
    fig.svg = await ctx.writeSvg(`${name}-histogram.svg`, await readFile(files[1]!));
    if (t.key === 'gateway') fig.timelineSvg = await ctx.writeSvg(`${name}-timeline.svg`, await readFile(files[2]!));
  }
  return fig;
}
