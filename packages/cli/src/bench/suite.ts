import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderEdge, spliceEdge } from './edge-report.js';
import { describeMachine, machineLine } from './machine.js';
import { writeJson } from './output.js';
import { runPackageBenches } from './package-benches.js';
import { renderReport, renderWaiting, spliceWaiting } from './report.js';
import type { SuiteResult } from './result.js';
import { startBareNode, startGuestBaselines } from './rows/baselines.js';
import { measureColdStarts } from './rows/cold-starts.js';
import { measureDistributed } from './rows/distributed.js';
import { measureEdge } from './rows/edge-gateway.js';
import { startKedgeUp, type KedgeUp } from './rows/kedge-up.js';
import { measureLoadFromZero } from './rows/load-from-zero.js';
import { applyOtherRevisions } from './rows/revisions.js';
import { measureScaleFromZero } from './rows/scale-from-zero.js';
import type { Target } from './rows/target.js';
import { measureWaiting } from './rows/waiting-guests.js';
import { measureWarmLoad } from './rows/warm-load.js';
import { createSuiteContext, log, type SuiteContext } from './suite/context.js';
import { parseArgs, type SuiteOptions } from './suite/options.js';

/** The repository root: this file is packages/cli/{src,dist}/bench/suite.*. */
function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
}

/**
 * `npm run bench`: a fresh `kedge up` on free ports in a temp data dir, the baselines beside it in the
 * same run (bare Node http, the instance called through a lone runner, `jco serve`), the cold-start,
 * load and scale-from-zero benchmarks, the packages' own bench scripts, then docs/benchmarks.md with
 * every figure's command. Bounded: every load has a duration, every loop a count. Each step (rows/*)
 * returns its part of the result; what a step could not measure, and the charts, the context collects.
 */
export async function runSuite(opts: SuiteOptions): Promise<SuiteResult> {
  const ctx = await createSuiteContext(opts, repoRoot());
  const result = emptyResult(ctx);
  if (opts.waitingOnly) return Object.assign(result, { waiting: await measureWaiting(ctx) });
  if (opts.edgeOnly) return Object.assign(result, { edge: await measureEdge(ctx) });
  process.once('SIGINT', () => void ctx.finish().then(() => process.exit(130)));
  try {
    // Baselines and a fresh kedge up, all started before any load so rounds can interleave.
    const targets: Target[] = [await startBareNode(ctx)];
    const kedge = await startServers(ctx, targets);
    Object.assign(result, await measureWarmLoad(ctx, targets, kedge));
    if (kedge) await measureOnKedge(ctx, kedge, result);
    if (kedge && opts.distributed) {
      // The embedded Kedge and the baselines are done: stop them so the roles get the cores.
      await ctx.stopChildren();
      const entry = await measureDistributed(ctx);
      if (entry) result.coldStarts.push(entry);
    }
  } finally {
    await ctx.finish();
  }
  if (opts.edge) {
    try {
      log('edge: the Deno gateway (single-module build) and the Node gateway on one distributed cluster');
      result.edge = await measureEdge(ctx);
    } catch (err) {
      ctx.missing('the Deno edge gateway beside the Node gateway (suite.js --edge-only)', err);
    }
  }
  // Their own kedge ups, once everything above has stopped.
  if (opts.waiting) {
    log(
      'guests that wait and service-to-service: ' +
        'fresh kedge ups with examples/sleeper, examples/autoscale-js and examples/helloworld',
    );
    result.waiting = await measureWaiting(ctx);
  }
  // The packages' own bench scripts (autoscaler tick, runner instantiate, gateway overhead, …).
  if (opts.packages) result.packages = await runPackageBenches(ctx.root, ctx.outDir);
  return result;
}

/** The result before any row: the notes of what was not measured and the charts fill in as the steps run. */
function emptyResult(ctx: SuiteContext): SuiteResult {
  const { opts } = ctx;
  return {
    startedAt: new Date().toISOString(),
    machine: describeMachine(),
    options: {
      repeats: opts.repeats,
      loadMs: opts.loadMs,
      latencyMs: opts.latencyMs,
      connections: opts.connections,
      coldIterations: opts.coldIterations,
      coldSettleMs: opts.coldSettleMs,
      sfzSizes: opts.sfzSizes,
    },
    throughput: [],
    latency: [],
    coldStarts: [],
    notMeasured: ctx.notMeasured,
    packages: [],
    svgs: ctx.svgs,
  };
}

/** The servers that host the hello component (the guest baselines, then `kedge up`) join `targets`. */
async function startServers(ctx: SuiteContext, targets: Target[]): Promise<KedgeUp | undefined> {
  if (!existsSync(ctx.component)) {
    ctx.missing('everything using the hello component', `${ctx.component} not built (npm run build)`);
    return undefined;
  }
  targets.push(...(await startGuestBaselines(ctx)));
  const kedge = await startKedgeUp(ctx);
  if (!kedge) return undefined;
  targets.push(kedge.row);
  await applyOtherRevisions(ctx, kedge);
  return kedge;
}

/** Kedge only: cold start, load from zero, scale from zero. */
async function measureOnKedge(ctx: SuiteContext, kedge: KedgeUp, result: SuiteResult): Promise<void> {
  result.coldStarts.push(...(await measureColdStarts(ctx, kedge)));
  const loadFromZero = await measureLoadFromZero(ctx, kedge);
  if (loadFromZero) result.loadFromZero = loadFromZero;
  const scaleFromZero = await measureScaleFromZero(ctx, kedge);
  if (scaleFromZero) result.scaleFromZero = scaleFromZero;
}

/** The suite's JSON, then the page: the whole of it, or only the section an `--…-only` run measured. */
async function writeResults(opts: SuiteOptions, root: string, result: SuiteResult): Promise<void> {
  const name = opts.waitingOnly ? 'waiting.json' : opts.edgeOnly ? 'edge.json' : 'suite.json';
  const json = join(root, 'bench-out', name);
  await writeJson(json, result);
  const doc = resolve(root, opts.docs, 'benchmarks.md');
  const note =
    `_This section: \`${result.invocation}\` on ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC ` +
    `(${machineLine(result.machine)}); the rest of the page may come from another run._`;
  const before = async () => (existsSync(doc) ? await readFile(doc, 'utf8') : '# Benchmarks\n');
  if (opts.waitingOnly && result.waiting)
    await writeFile(doc, spliceWaiting(await before(), renderWaiting(result.waiting, note)));
  else if (opts.edgeOnly && result.edge)
    await writeFile(doc, spliceEdge(await before(), renderEdge(result.edge, note)));
  else await writeFile(doc, renderReport(result));
  const seconds = (result.seconds ?? 0).toFixed(0);
  log(`wrote ${relative(process.cwd(), doc)} and ${relative(process.cwd(), json)} in ${seconds} s`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opts = parseArgs(args);
  const t0 = performance.now();
  const result = await runSuite(opts);
  result.seconds = (performance.now() - t0) / 1000;
  result.invocation = args.length ? `node packages/cli/dist/bench/suite.js ${args.join(' ')}` : 'npm run bench';
  await writeResults(opts, repoRoot(), result);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench suite failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
