import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { freePort } from '@kedge/core/testing';
import { createClient, type Client } from '../client.js';
import { startChild, processCpuMs, type Child } from './child.js';
import { runColdStart, type ColdStartResult } from './cold-start.js';
import { parseDuration, parseIntList } from './flags.js';
import {
  bringToZero,
  kedgeUpArgs,
  pollInstances,
  targetOfService,
  waitServiceReady,
  type BenchTarget,
} from './kedge.js';
import { runBounded, runPackageBenches } from './package-benches.js';
import { runLoad, type LoadResult } from './load.js';
import { describeMachine, machineLine } from './machine.js';
import { phaseBar, writeColdStart, writeJson, writeLoad } from './output.js';
import { phaseChart, type PhaseBar } from './svg/charts.js';
import { collectLocalImages, readManifests, uploadLocalImages } from '../manifests.js';
import { startDistributed, type Distributed } from './distributed.js';
import { progressLine } from './progress.js';
import {
  renderReport,
  renderWaiting,
  spliceWaiting,
  type LoadFigure,
  type RunSummary,
  type SuiteResult,
} from './report.js';
import { runScaleFromZero } from './scale-from-zero.js';
import { runWaiting } from './waiting.js';
import { runEdgeRows } from './edge.js';
import { renderEdge, spliceEdge } from './edge-report.js';
import { median } from './stats.js';
import { summarizeRun } from './summary.js';

/**
 * `npm run bench`: a fresh `kedge up` on free ports in a temp data dir, the baselines beside it in the
 * same run (bare Node http, the instance called through a lone runner, `jco serve`), the cold-start,
 * load and scale-from-zero benchmarks, the packages' own bench scripts, then docs/benchmarks.md with
 * every figure's command. Bounded: every load has a duration, every loop a count.
 */
interface SuiteOptions {
  repeats: number;
  loadMs: number;
  latencyMs: number;
  connections: number;
  coldIterations: number;
  coldSettleMs: number;
  sfzSizes: number[];
  packages: boolean;
  distributed: boolean;
  js: boolean;
  /** Guests that wait and service-to-service (waiting.ts). */
  waiting: boolean;
  /** Only those rows: the rest of docs/benchmarks.md is kept. */
  waitingOnly: boolean;
  /** The Deno edge gateway beside the Node gateway (edge.ts). */
  edge: boolean;
  /** Only those rows: the rest of docs/benchmarks.md is kept. */
  edgeOnly: boolean;
  waitingMs: number;
  waitingDurationMs: number;
  waitingConnections: number[];
  docs: string;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

function parseArgs(argv: string[]): SuiteOptions {
  const o: SuiteOptions = {
    repeats: 3,
    loadMs: 4_000,
    latencyMs: 2_000,
    connections: 50,
    coldIterations: 30,
    coldSettleMs: 1_200,
    sfzSizes: [1, 5, 25],
    packages: true,
    distributed: true,
    js: true,
    waiting: true,
    waitingOnly: false,
    edge: true,
    edgeOnly: false,
    waitingMs: 100,
    waitingDurationMs: 5_000,
    waitingConnections: [1, 10, 50, 200],
    docs: 'docs',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a}: missing value`);
      return v;
    };
    if (a === '--quick')
      Object.assign(o, {
        repeats: 1,
        loadMs: 2_000,
        latencyMs: 1_000,
        coldIterations: 10,
        sfzSizes: [1, 5],
        waitingDurationMs: 2_000,
      });
    else if (a === '--repeats') o.repeats = Number(next());
    else if (a === '--duration') o.loadMs = parseDuration(next(), '--duration');
    else if (a === '--iterations') o.coldIterations = Number(next());
    else if (a === '--settle') o.coldSettleMs = parseDuration(next(), '--settle');
    else if (a === '--services') o.sfzSizes = next().split(',').map(Number);
    else if (a === '--no-packages') o.packages = false;
    else if (a === '--no-distributed') o.distributed = false;
    else if (a === '--no-js') o.js = false;
    else if (a === '--no-waiting') o.waiting = false;
    else if (a === '--waiting-only') o.waitingOnly = true;
    else if (a === '--no-edge') o.edge = false;
    else if (a === '--edge-only') o.edgeOnly = true;
    else if (a === '--waiting-duration') o.waitingDurationMs = parseDuration(next(), '--waiting-duration');
    else if (a === '--waiting-connections') o.waitingConnections = parseIntList(next(), '--waiting-connections');
    else if (a === '--docs') o.docs = next();
    else
      throw new Error(
        `unknown flag ${a} (flags: --quick --repeats N --duration 4s --iterations N --settle 1200ms --services 1,5 --no-packages --no-distributed --no-js --no-waiting --waiting-only --no-edge --edge-only --waiting-duration 5s --waiting-connections 1,10,50,200 --docs DIR)`,
      );
  }
  return o;
}

/** The repository root: this file is packages/cli/{src,dist}/bench/suite.*. */
function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
}

/** One load target: where to send requests and how a reader reproduces the run. */
/** Load on an autoscaled target just before each of its throughput runs. */
const AUTOSCALED_WARMUP_MS = 3_000;

interface Target {
  key: string;
  label: string;
  url: string;
  host?: string;
  /** Extra request headers (the direct runner call names its instance). */
  headers?: Record<string, string>;
  pid?: number;
  /** Printed beside the figure: how to start this server by hand. */
  setup: string;
  /** The kedge bench flags that select it. */
  flags: string;
  revision?: BenchTarget;
}

export async function runSuite(opts: SuiteOptions): Promise<SuiteResult> {
  const root = repoRoot();
  const cli = join(root, 'packages/cli/dist/bin.js');
  const component = join(root, 'examples/helloworld/build/helloworld.wasm');
  const manifest = join(root, 'examples/helloworld/service.yaml');
  const processManifest = join(root, 'examples/helloworld-node/service.yaml');
  const containerManifest = join(root, 'examples/helloworld-go/service.yaml');
  const jsManifest = join(root, 'packages/cli/bench-scenarios/hello-js.yaml');
  const outDir = join(root, 'bench-out');
  const svgDir = resolve(root, opts.docs, 'bench');
  await mkdir(outDir, { recursive: true });
  await mkdir(svgDir, { recursive: true });
  // Charts of the previous run go: a chart this run cannot draw must not stay behind looking current.
  // With --waiting-only, only the waiting section's charts (--edge-only draws none): the rest of the page stays.
  const ownSvg = (f: string) =>
    f.endsWith('.svg') && !opts.edgeOnly && (!opts.waitingOnly || /^(waiting-guest|service-to-service)/.test(f));
  for (const f of await readdir(svgDir)) if (ownSvg(f)) await rm(join(svgDir, f));
  const children: Child[] = [];
  const result: SuiteResult = {
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
    notMeasured: [],
    packages: [],
    svgs: {},
  };
  const missing = (what: string, why: unknown) => {
    const msg = why instanceof Error ? why.message.split('\n')[0]! : String(why);
    log(`not measured: ${what}: ${msg}`);
    result.notMeasured.push({ what, why: msg });
  };
  const rel = (p: string) => relative(resolve(root, opts.docs), p);
  const waitingRows = () =>
    runWaiting({
      root,
      outDir,
      svgDir,
      rel,
      waitMs: opts.waitingMs,
      connections: opts.waitingConnections,
      s2sConnections: opts.waitingConnections.filter((c) => c <= 50),
      durationMs: opts.waitingDurationMs,
      log,
    });
  if (opts.waitingOnly) {
    result.waiting = await waitingRows();
    return result;
  }
  const edgeRows = () =>
    runEdgeRows({
      cli,
      root,
      manifest,
      loadMs: opts.loadMs,
      connections: opts.connections,
      coldIterations: Math.min(20, opts.coldIterations),
      settleMs: opts.coldSettleMs,
      log,
    });
  if (opts.edgeOnly) {
    result.edge = await edgeRows();
    return result;
  }
  const cleanup = async () => {
    for (const c of children.splice(0).reverse()) await c.stop();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  const targets: Target[] = [];
  let kedge:
    | {
        client: Client;
        gateway: string;
        api: string;
        pid: number;
        target?: BenchTarget;
        processTarget?: BenchTarget;
        containerTarget?: BenchTarget;
        jsTarget?: BenchTarget;
        dataDir: string;
      }
    | undefined;
  try {
    // ---- servers: baselines and a fresh kedge up, all started before any load so rounds can interleave.
    const barePort = await freePort();
    const bare = await startChild(
      process.execPath,
      [join(root, 'packages/cli/dist/bench/baselines/node-hello.js'), String(barePort)],
      /listening on (\S+)/,
    );
    children.push(bare);
    targets.push({
      key: 'node',
      label: 'bare Node http hello',
      url: `${bare.match[1]}/`,
      pid: bare.pid,
      setup: `node packages/cli/dist/bench/baselines/node-hello.js ${barePort}`,
      flags: `--url http://127.0.0.1:${barePort}/ --no-instances`,
    });

    if (!existsSync(component))
      missing('everything using the hello component', `${component} not built (npm run build)`);
    else {
      try {
        const port = await freePort();
        const direct = await startChild(
          process.execPath,
          [join(root, 'packages/cli/dist/bench/baselines/runner-direct.js'), component, String(port)],
          /listening on (\S+) instance (\S+)/,
        );
        children.push(direct);
        targets.push({
          key: 'direct',
          label: "instance called directly (runner's HTTP entry, 1 instance)",
          url: `${direct.match[1]}/`,
          headers: { 'kedge-instance': direct.match[2]! },
          pid: direct.pid,
          setup: `node packages/cli/dist/bench/baselines/runner-direct.js examples/helloworld/build/helloworld.wasm ${port}`,
          flags: `--url http://127.0.0.1:${port}/ --header kedge-instance:${direct.match[2]} --no-instances`,
        });
      } catch (err) {
        missing('instance called directly through the runner', err);
      }
      // node:http servers around the guest, without Kedge: what hosting it costs by itself.
      const guestBaseline = async (key: string, script: string, label: string, what: string) => {
        try {
          const port = await freePort();
          const child = await startChild(
            process.execPath,
            [join(root, `packages/cli/dist/bench/baselines/${script}`), component, String(port)],
            /listening on (\S+)/,
          );
          children.push(child);
          targets.push({
            key,
            label,
            url: `${child.match[1]}/`,
            pid: child.pid,
            setup: `node packages/cli/dist/bench/baselines/${script} examples/helloworld/build/helloworld.wasm ${port}`,
            flags: `--url http://127.0.0.1:${port}/ --no-instances`,
          });
        } catch (err) {
          missing(what, err);
        }
      };
      await guestBaseline(
        'floor',
        'worker-floor.js',
        'node:http straight into 2 guest workers (the floor: no gateway, no queue)',
        'the worker floor (node:http into guest workers)',
      );
      await guestBaseline(
        'in-thread',
        'in-thread.js',
        'node:http calling the guest on its own thread (the ceiling: no isolation, not shippable)',
        'the in-thread ceiling (node:http calling the guest itself)',
      );
      try {
        const port = await freePort();
        const jcoBin = join(root, 'node_modules/@bytecodealliance/jco/dist/jco.js');
        const jco = await startChild(
          process.execPath,
          [jcoBin, 'serve', component, '--port', String(port), '--host', '127.0.0.1'],
          /listening @ (\S+)/,
          { timeoutMs: 60_000 },
        );
        children.push(jco);
        targets.push({
          key: 'jco',
          label: '`jco serve` (same component)',
          url: `http://127.0.0.1:${port}/`,
          pid: jco.pid,
          setup: `npx jco serve examples/helloworld/build/helloworld.wasm --port ${port} --host 127.0.0.1`,
          flags: `--url http://127.0.0.1:${port}/ --no-instances`,
        });
      } catch (err) {
        missing('`jco serve` baseline', err);
      }

      try {
        const dataDir = await mkdtemp(join(tmpdir(), 'kedge-bench-'));
        const { args, http, api } = await kedgeUpArgs(cli, dataDir, ['--allow-process-revisions', '--apply', manifest]);
        const up = await startChild(
          process.execPath,
          args,
          /Ctrl-C stops it/,
          // The process example's command is relative to the repository root.
          { timeoutMs: 90_000, cwd: root },
        );
        children.push(up);
        const client = createClient(`http://127.0.0.1:${api}`, {
          token: (await readFile(join(dataDir, 'token'), 'utf8')).trim(),
        });
        kedge = { client, gateway: `http://127.0.0.1:${http}`, api: `http://127.0.0.1:${api}`, pid: up.pid, dataDir };
        const svc = await waitServiceReady(client, 'example', 'helloworld', 60_000);
        kedge.target = await targetOfService(client, svc.metadata.namespace, svc.metadata.name);
        targets.push({
          key: 'gateway',
          label: 'Kedge: gateway → runner (kedge up)',
          url: `${kedge.gateway}/`,
          host: kedge.target.host,
          pid: up.pid,
          setup: `kedge up --data-dir $(mktemp -d) --apply examples/helloworld/service.yaml`,
          flags: '--service helloworld -n example',
          revision: kedge.target,
        });
      } catch (err) {
        missing('everything through Kedge (kedge up did not serve the hello service)', err);
      }
      if (kedge?.target) {
        try {
          const [doc] = await readManifests(processManifest);
          await kedge.client.create(doc!.object);
          const svc = await waitServiceReady(
            kedge.client,
            doc!.object.metadata.namespace,
            doc!.object.metadata.name,
            60_000,
          );
          kedge.processTarget = await targetOfService(kedge.client, svc.metadata.namespace, svc.metadata.name);
        } catch (err) {
          missing('the process revision (examples/helloworld-node)', err);
        }
        try {
          // The container row needs podman and the example's local image (examples/helloworld-go/build.sh).
          const [doc] = await readManifests(containerManifest);
          doc!.object.metadata.namespace = 'example';
          await kedge.client.create(doc!.object);
          const svc = await waitServiceReady(kedge.client, 'example', doc!.object.metadata.name, 60_000);
          kedge.containerTarget = await targetOfService(kedge.client, svc.metadata.namespace, svc.metadata.name);
        } catch (err) {
          missing(
            'the container revision (examples/helloworld-go on podman; build it with examples/helloworld-go/build.sh)',
            err,
          );
        }
        if (opts.js) {
          try {
            await jsGuest(root, outDir);
            const docs = await readManifests(jsManifest);
            await uploadLocalImages(await collectLocalImages(docs), kedge.client.uploadBlob);
            for (const d of docs) await kedge.client.create(d.object);
            const svc = await waitServiceReady(kedge.client, 'example', 'hello-js', 120_000);
            kedge.jsTarget = await targetOfService(kedge.client, svc.metadata.namespace, svc.metadata.name);
          } catch (err) {
            missing('the JS (componentize-js / SpiderMonkey) hello', err);
          }
        }
      }
    }

    // ---- throughput (c=50) and warm latency (c=1), interleaved rounds, medians.
    const warm = async (t: Target, durationMs = 1_000) => {
      await runLoad({
        url: t.url,
        ...(t.host ? { host: t.host } : {}),
        ...(t.headers ? { headers: t.headers } : {}),
        connections: opts.connections,
        durationMs,
      }).catch(() => undefined);
    };
    for (const t of targets) await warm(t);
    const runs = new Map<
      string,
      {
        tp: RunSummary[];
        lat: RunSummary[];
        tpShown?: LoadResult;
        latShown?: LoadResult;
        instances?: { t: number; count: number }[];
      }
    >();
    for (const t of targets) runs.set(t.key, { tp: [], lat: [] });
    // The load tool's own cost: wrk on the bare server in every round, just before ours.
    const hasWrk = !spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error;
    const bareTarget = targets.find((t) => t.key === 'node')!;
    const wrkSeconds = Math.max(2, Math.round(opts.loadMs / 1000));
    const wrkCommand = `wrk -t1 -c${opts.connections} -d${wrkSeconds}s ${bareTarget.url}`;
    const wrkRuns: number[] = [];
    for (let round = 1; round <= opts.repeats; round++) {
      if (hasWrk) {
        const out = spawnSync('wrk', ['-t1', `-c${opts.connections}`, `-d${wrkSeconds}s`, bareTarget.url], {
          encoding: 'utf8',
          timeout: (wrkSeconds + 10) * 1000,
        });
        const m = /Requests\/sec:\s+([\d.]+)/.exec(out.stdout ?? '');
        if (m) wrkRuns.push(Number(m[1]));
      }
      for (const t of targets) {
        for (const kind of ['tp', 'lat'] as const) {
          const connections = kind === 'tp' ? opts.connections : 1;
          const durationMs = kind === 'tp' ? opts.loadMs : opts.latencyMs;
          log(`round ${round}/${opts.repeats}: ${t.label}, ${connections} connection(s), ${durationMs / 1000} s`);
          // An autoscaled target shrinks while the other targets run; the throughput figure is its
          // scaled-up steady state (the ramp from zero is the "load from zero" run), so it gets the
          // same load for a moment first.
          if (kind === 'tp' && t.revision) await warm(t, AUTOSCALED_WARMUP_MS);
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
          const summary = summarizeRun(r, cpu, maxInstances);
          const slot = runs.get(t.key)!;
          slot[kind].push(summary);
          if (round === Math.ceil(opts.repeats / 2)) {
            if (kind === 'tp') {
              slot.tpShown = r;
              if (instances) slot.instances = instances;
            } else slot.latShown = r;
          }
        }
      }
    }
    for (const t of targets) {
      const slot = runs.get(t.key)!;
      for (const kind of ['tp', 'lat'] as const) {
        const connections = kind === 'tp' ? opts.connections : 1;
        const seconds = (kind === 'tp' ? opts.loadMs : opts.latencyMs) / 1000;
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
        const best = kind === 'tp' ? slot.tpShown : slot.latShown;
        if (best && kind === 'tp') {
          const files = await writeLoad(outDir, `load-${t.key}-c${connections}`, best, slot.instances, t.label);
          const svg = join(svgDir, `load-${t.key}-c${connections}-histogram.svg`);
          await writeFile(svg, await readFile(files[1]!));
          fig.svg = rel(svg);
          if (t.key === 'gateway') {
            const tl = join(svgDir, `load-${t.key}-c${connections}-timeline.svg`);
            await writeFile(tl, await readFile(files[2]!));
            fig.timelineSvg = rel(tl);
          }
        }
        (kind === 'tp' ? result.throughput : result.latency).push(fig);
      }
    }

    if (wrkRuns.length) result.wrk = { rps: median(wrkRuns), command: wrkCommand, runs: wrkRuns };
    else if (!hasWrk) missing('load tool vs wrk', 'wrk is not installed (apt-get install wrk); optional');

    // ---- Kedge only: cold start, load from zero, scale from zero.
    if (kedge?.target) {
      const { client, target } = kedge;
      // Two variants: from a quiet zero (the revision stayed at zero for the settle time, checked through
      // the API) — the headline figure — and right after the scale-down, which shows what a request meets
      // when it arrives while the system is still settling.
      // A third, shorter one: the process revision (a Node server per instance), to compare runtimes.
      const variants = [
        {
          key: 'cold-start',
          target,
          service: 'helloworld',
          settleMs: opts.coldSettleMs,
          iterations: opts.coldIterations,
          label: 'tiny hello (wasm), from a quiet zero',
        },
        {
          key: 'cold-start-immediate',
          target,
          service: 'helloworld',
          settleMs: 0,
          iterations: Math.min(15, opts.coldIterations),
          label: 'tiny hello (wasm), right after the scale-down',
        },
        ...(kedge.jsTarget
          ? [
              {
                key: 'cold-start-js',
                setup:
                  'node packages/runner/bench-guests/build.mjs bench-out/js-guests && kedge apply -f packages/cli/bench-scenarios/hello-js.yaml',
                target: kedge.jsTarget,
                service: 'hello-js',
                settleMs: opts.coldSettleMs,
                iterations: Math.min(10, opts.coldIterations),
                label: 'JS hello (componentize-js, 14 MB), from a quiet zero',
              },
            ]
          : []),
        ...(kedge.processTarget
          ? [
              {
                key: 'cold-start-process',
                setup:
                  'kedge apply -f examples/helloworld-node/service.yaml (kedge up --allow-process-revisions run from the repository root)',
                target: kedge.processTarget,
                service: kedge.processTarget.revision.replace(/-\d+$/, ''),
                settleMs: opts.coldSettleMs,
                iterations: Math.min(10, opts.coldIterations),
                label: 'process revision (node server.mjs), from a quiet zero',
              },
            ]
          : []),
        ...(kedge.containerTarget
          ? [
              {
                key: 'cold-start-container',
                setup:
                  'examples/helloworld-go/build.sh && kedge apply -f examples/helloworld-go/service.yaml (namespace example; podman)',
                target: kedge.containerTarget,
                service: 'helloworld-go',
                settleMs: opts.coldSettleMs,
                iterations: Math.min(10, opts.coldIterations),
                label: 'container revision (helloworld-go on podman), from a quiet zero',
              },
            ]
          : []),
      ];
      const bars: PhaseBar[] = [];
      for (const v of variants) {
        const cmd = `kedge bench cold-start --service ${v.service} -n example -i ${v.iterations} --settle ${v.settleMs}ms`;
        try {
          log(`cold start (${v.label}): ${v.iterations} iterations`);
          let scaleDowns = 0;
          const r = await runColdStart({
            url: `${kedge.gateway}/`,
            host: v.target.host,
            iterations: v.iterations,
            concurrency: 1,
            settleMs: v.settleMs,
            toZero: async () => {
              scaleDowns += await bringToZero(client, v.target, v.settleMs);
            },
            progress: progressLine(process.stderr, 10),
          });
          const files = await writeColdStart(outDir, v.key, r, v.label);
          result.coldStarts.push({
            key: v.key,
            command: cmd,
            ...('setup' in v && v.setup ? { setup: v.setup } : {}),
            label: v.label,
            scaleDowns,
            result: stripSamples(r),
          });
          if (v.settleMs > 0 && r.ttfb.count > 0) bars.push(phaseBar(v.label.replace(/, from a quiet zero$/, ''), r));
          for (const [i, suffix] of [
            [1, 'histogram'],
            [2, 'phases'],
          ] as const) {
            const name = `${v.key}-${suffix}.svg`;
            await writeFile(join(svgDir, name), await readFile(files[i]!));
            result.svgs[name] = rel(join(svgDir, name));
          }
        } catch (err) {
          missing(`cold start, ${v.label} (${cmd})`, err);
        }
      }
      if (bars.length > 1) {
        const name = 'cold-start-runtimes-phases.svg';
        await writeFile(
          join(svgDir, name),
          phaseChart({
            title: 'Cold start by runtime, from a quiet zero (p50)',
            subtitle: 'server phases from Server-Timing; the marker is the client TTFB p50',
            bars,
          }),
        );
        result.svgs[name] = rel(join(svgDir, name));
      }

      try {
        const seconds = Math.max(4, Math.round((opts.loadMs * 2) / 1000));
        log(`load from zero: ${seconds} s, ${opts.connections} connections`);
        await bringToZero(client, target, opts.coldSettleMs);
        const poller = pollInstances(client, target, 200);
        const r = await runLoad({
          url: `${kedge.gateway}/`,
          host: target.host,
          connections: opts.connections,
          durationMs: seconds * 1000,
          timeoutMs: 10_000,
        });
        const instances = await poller.stop();
        const files = await writeLoad(
          outDir,
          'load-from-zero',
          r,
          instances,
          'tiny hello from zero, through the gateway',
        );
        await writeFile(join(svgDir, 'load-from-zero-timeline.svg'), await readFile(files[2]!));
        result.svgs['load-from-zero-timeline.svg'] = rel(join(svgDir, 'load-from-zero-timeline.svg'));
        result.loadFromZero = {
          command: `kedge revision scale ${target.revision} --to 0 -n example && sleep ${opts.coldSettleMs / 1000} && kedge bench load --service helloworld -n example -z ${seconds}s -c ${opts.connections}`,
          summary: summarizeRun(
            r,
            undefined,
            instances.length ? Math.max(...instances.map((p) => p.count)) : undefined,
          ),
          instances,
        };
      } catch (err) {
        missing('load from zero with the instance count over time', err);
      }

      try {
        log(`scale from zero: ${opts.sfzSizes.join(',')} services`);
        const r = await runScaleFromZero({
          client,
          gatewayUrl: kedge.gateway,
          namespace: 'kedge-bench',
          sizes: opts.sfzSizes,
          component,
          progress: progressLine(process.stderr, 10),
        });
        await writeJson(join(outDir, 'scale-from-zero.json'), r);
        result.scaleFromZero = {
          command: `kedge bench scale-from-zero --services ${opts.sfzSizes.join(',')}`,
          setupMs: r.setupMs,
          rounds: r.rounds.map(({ samples: _s, ...round }) => round),
        };
      } catch (err) {
        missing(`scale from zero (kedge bench scale-from-zero --services ${opts.sfzSizes.join(',')})`, err);
      }
    }

    // ---- distributed: every role its own process on NATS; the gateway reaches the runner over HTTP.
    if (kedge?.target && opts.distributed) {
      // The embedded Kedge and the baselines are done: stop them so the roles get the cores.
      await cleanup();
      const iterations = Math.min(20, opts.coldIterations);
      const cmd = `kedge bench cold-start --service helloworld -n example -i ${iterations} --settle ${opts.coldSettleMs}ms`;
      let dist: Distributed | undefined;
      try {
        log('distributed: nats-server + kedge api, autoscaler, runner, gateway as separate processes');
        dist = await startDistributed(cli, root);
        const client = createClient(dist.apiUrl, { token: dist.token });
        const docs = await readManifests(manifest);
        await uploadLocalImages(await collectLocalImages(docs), client.uploadBlob);
        for (const d of docs) await client.create(d.object);
        const svc = await waitServiceReady(client, 'example', 'helloworld', 60_000);
        const target = await targetOfService(client, svc.metadata.namespace, svc.metadata.name);
        // The embedded Kedge meets its cold starts after the load runs, its code long since optimized by
        // V8; these fresh processes get a moment of warm traffic first, so the two compare.
        log('distributed: 3 s of warm traffic first');
        await runLoad({ url: `${dist.gatewayUrl}/`, host: target.host, connections: 10, durationMs: 3_000 }).catch(
          () => undefined,
        );
        log(`cold start (distributed): ${iterations} iterations`);
        let scaleDowns = 0;
        const r = await runColdStart({
          url: `${dist.gatewayUrl}/`,
          host: target.host,
          iterations,
          concurrency: 1,
          settleMs: opts.coldSettleMs,
          toZero: async () => {
            scaleDowns += await bringToZero(client, target, opts.coldSettleMs);
          },
          progress: progressLine(process.stderr, 10),
        });
        const label = 'tiny hello (wasm), distributed: gateway and runner in separate processes on NATS';
        const files = await writeColdStart(outDir, 'cold-start-distributed', r, label);
        result.coldStarts.push({
          key: 'cold-start-distributed',
          command: cmd,
          setup: dist.setup,
          label,
          scaleDowns,
          result: stripSamples(r),
        });
        for (const [i, suffix] of [
          [1, 'histogram'],
          [2, 'phases'],
        ] as const) {
          const name = `cold-start-distributed-${suffix}.svg`;
          await writeFile(join(svgDir, name), await readFile(files[i]!));
          result.svgs[name] = rel(join(svgDir, name));
        }
      } catch (err) {
        missing('cold start through a gateway whose runner is another process (distributed, NATS)', err);
      } finally {
        await dist?.stop();
      }
    }
  } finally {
    await cleanup();
    if (kedge) await rm(kedge.dataDir, { recursive: true, force: true }).catch(() => undefined);
  }

  // ---- the Deno edge gateway beside the Node gateway, on a distributed cluster of its own.
  if (opts.edge) {
    try {
      log('edge: the Deno gateway (single-module build) and the Node gateway on one distributed cluster');
      result.edge = await edgeRows();
    } catch (err) {
      missing('the Deno edge gateway beside the Node gateway (suite.js --edge-only)', err);
    }
  }

  // ---- guests that wait, and service-to-service: their own kedge up, once everything above has stopped.
  if (opts.waiting) {
    log(
      'guests that wait and service-to-service: fresh kedge ups with examples/sleeper, examples/autoscale-js and examples/helloworld',
    );
    result.waiting = await waitingRows();
  }

  // ---- the packages' own bench scripts (autoscaler tick, runner instantiate, gateway overhead, …).
  if (opts.packages) result.packages = await runPackageBenches(root, outDir);
  return result;
}

/**
 * The JS hello guest (componentize-js), built once by the runner's bench-guests script into
 * bench-out/js-guests (~25 s and ~0.8 GB per guest, so it is cached there, not rebuilt every run).
 */
async function jsGuest(root: string, outDir: string): Promise<string> {
  const dir = join(outDir, 'js-guests');
  const file = join(dir, 'hello-handler.wasm');
  if (existsSync(file)) return file;
  const script = join(root, 'packages/runner/bench-guests/build.mjs');
  if (!existsSync(script)) throw new Error(`${script} not found`);
  log('building the JS hello guests (componentize-js, once; cached in bench-out/js-guests)');
  const { code, output } = await runBounded(process.execPath, [script, dir], root, process.env, 240_000);
  if (code !== 0 || !existsSync(file))
    throw new Error(`bench-guests/build.mjs failed (exit ${code}): ${output.slice(-300)}`);
  return file;
}

function medianRun(runs: RunSummary[]): RunSummary {
  const pick = (f: (r: RunSummary) => number | undefined) =>
    median(runs.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const m: RunSummary = {
    rps: pick((r) => r.rps),
    requests: pick((r) => r.requests),
    p50: pick((r) => r.p50),
    p90: pick((r) => r.p90),
    p99: pick((r) => r.p99),
    max: pick((r) => r.max),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    statusCounts: {},
    loadToolCpuShare: pick((r) => r.loadToolCpuShare),
  };
  for (const r of runs)
    for (const [k, v] of Object.entries(r.statusCounts)) m.statusCounts[k] = (m.statusCounts[k] ?? 0) + v;
  const cpu = pick((r) => r.serverCpuUsPerRequest);
  if (Number.isFinite(cpu)) m.serverCpuUsPerRequest = cpu;
  const inst = pick((r) => r.maxInstances);
  if (Number.isFinite(inst)) m.maxInstances = inst;
  return m;
}

function stripSamples(r: ColdStartResult): Omit<ColdStartResult, 'samples'> {
  const { samples: _samples, ...rest } = r;
  return rest;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  const t0 = performance.now();
  const result = await runSuite(opts);
  result.seconds = (performance.now() - t0) / 1000;
  const args = process.argv.slice(2);
  result.invocation = args.length ? `node packages/cli/dist/bench/suite.js ${args.join(' ')}` : 'npm run bench';
  const json = join(root, 'bench-out', opts.waitingOnly ? 'waiting.json' : opts.edgeOnly ? 'edge.json' : 'suite.json');
  await writeJson(json, result);
  const doc = resolve(root, opts.docs, 'benchmarks.md');
  if (opts.waitingOnly && result.waiting) {
    const note = `_This section: \`${result.invocation}\` on ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC (${machineLine(result.machine)}); the rest of the page may come from another run._`;
    const before = existsSync(doc) ? await readFile(doc, 'utf8') : '# Benchmarks\n';
    await writeFile(doc, spliceWaiting(before, renderWaiting(result.waiting, note)));
  } else if (opts.edgeOnly && result.edge) {
    const note = `_This section: \`${result.invocation}\` on ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC (${machineLine(result.machine)}); the rest of the page may come from another run._`;
    const before = existsSync(doc) ? await readFile(doc, 'utf8') : '# Benchmarks\n';
    await writeFile(doc, spliceEdge(before, renderEdge(result.edge, note)));
  } else await writeFile(doc, renderReport(result));
  log(`wrote ${relative(process.cwd(), doc)} and ${relative(process.cwd(), json)} in ${result.seconds.toFixed(0)} s`);
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
