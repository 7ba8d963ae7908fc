import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@kedge/core';
import { freePort } from '@kedge/core/testing';
import { createClient, type Client } from '../client.js';
import { startChild, type Child } from './child.js';
import { formatMs } from './flags.js';
import { kedgeUpArgs, pollInstances, targetOfService, waitServiceReady, type BenchTarget } from './kedge.js';
import { runLoad, type LoadResult } from './load.js';
import { writeLoad } from './output.js';
import { progressLine } from './progress.js';
import type { RunSummary } from './result.js';
import { summarizeRun } from './summary.js';
import { groupedBarChart } from './svg/charts.js';

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

const TIMEOUT_MS = 10_000;
/** Load on the autoscaled target just before each measured run, as for the suite's other Kedge rows. */
const WARMUP_MS = 3_000;
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
  const seconds = opts.durationMs / 1000;
  const result: WaitingResult = {
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
      kedge: `kedge bench load --url 'http://127.0.0.1:8080/?ms=${opts.waitMs}' --host sleeper.example.example.com -z ${seconds}s -c C`,
      cpuBound: `kedge bench load --url 'http://127.0.0.1:8080/?sleep=${opts.waitMs}' --host autoscale-js.example.example.com -z ${seconds}s -c C`,
      bare: `kedge bench load --url http://127.0.0.1:3000/ --no-instances -z ${seconds}s -c C`,
      viaCaller: `kedge bench load --url http://127.0.0.1:8080/ --host caller.example.example.com -z ${seconds}s -c C`,
      viaJsCaller: `kedge bench load --url 'http://127.0.0.1:8080/?call=helloworld.example' --host autoscale-js.example.example.com -z ${seconds}s -c C`,
      direct: `kedge bench load --service helloworld -n example -z ${seconds}s -c C`,
    },
    svgs: {},
    notMeasured: [],
  };
  const missing = (what: string, why: unknown) => {
    const msg = why instanceof Error ? why.message.split('\n')[0]! : String(why);
    log(`not measured: ${what}: ${msg}`);
    result.notMeasured.push({ what, why: msg });
  };
  const built = (name: string) => {
    const file = join(root, 'examples', name, 'build', COMPONENTS[name]!);
    if (existsSync(file)) return true;
    missing(`examples/${name} rows`, `${file} not built (npm run build)`);
    return false;
  };
  const have = new Set(Object.keys(COMPONENTS).filter(built));

  const children: Child[] = [];
  const dataDirs: string[] = [];
  try {
    const barePort = await freePort();
    const bare = await startChild(
      process.execPath,
      [join(root, 'packages/cli/dist/bench/baselines/node-wait.js'), String(barePort), String(opts.waitMs)],
      /listening on (\S+)/,
    );
    children.push(bare);
    const bareUrl = `${bare.match[1]}/`;

    // A fresh kedge up for the waiting rows and another for service-to-service: a node a row left
    // wedged (guests that block their worker) must not turn the next row's figures into its aftermath.
    type Kedge = {
      client: Client;
      gateway: string;
      targets: Record<string, BenchTarget>;
      child: Child;
      dataDir: string;
    };
    const startKedge = async (what: string, services: string[]): Promise<Kedge | undefined> => {
      if (!services.length) return undefined;
      try {
        const dataDir = await mkdtemp(join(tmpdir(), 'kedge-bench-waiting-'));
        dataDirs.push(dataDir);
        const manifests = services.flatMap((s) => ['--apply', `examples/${s}/service.yaml`]);
        const { args, http, api } = await kedgeUpArgs(join(root, 'packages/cli/dist/bin.js'), dataDir, manifests);
        const child = await startChild(process.execPath, args, /Ctrl-C stops it/, { timeoutMs: 90_000, cwd: root });
        children.push(child);
        // kedge up wrote its API token into the data dir (mode 0600): writes need it.
        const client = createClient(`http://127.0.0.1:${api}`, {
          token: (await readFile(join(dataDir, 'token'), 'utf8')).trim(),
        });
        const targets: Record<string, BenchTarget> = {};
        for (const s of services) {
          await waitServiceReady(client, 'example', s, 120_000);
          targets[s] = await targetOfService(client, 'example', s);
        }
        return { client, gateway: `http://127.0.0.1:${http}`, targets, child, dataDir };
      } catch (err) {
        missing(`${what} (kedge up did not serve ${services.map((s) => `examples/${s}`).join(', ')})`, err);
        return undefined;
      }
    };
    const stopKedge = async (k: Kedge | undefined) => {
      if (!k) return;
      await k.child.stop();
      children.splice(children.indexOf(k.child), 1);
    };
    let kedge = await startKedge(
      'the waiting guests through Kedge',
      WAITING_SERVICES.filter((s) => have.has(s)),
    );

    const run = async (label: string, url: string, connections: number, host?: string, target?: BenchTarget) => {
      const progress = progressLine(process.stderr, 5);
      const poller = kedge && target ? pollInstances(kedge.client, target, 250) : undefined;
      const r = await runLoad({
        url,
        ...(host ? { host } : {}),
        connections,
        durationMs: opts.durationMs,
        timeoutMs: TIMEOUT_MS,
        onTick: (t) =>
          progress.update(
            `[bench] ${label}, ${connections} connection(s): ${t.elapsedS.toFixed(0)} s, ${t.requests} done, ${t.rps} req/s, ${t.errors} errors`,
          ),
      });
      progress.done();
      const instances = poller ? await poller.stop() : undefined;
      const max = instances?.length ? Math.max(...instances.map((p) => p.count)) : undefined;
      log(
        `${label}, ${connections} connection(s): ${Math.round(r.rps)} req/s, p99 ${formatMs(r.latency.summaryMs().p99)}, status ${JSON.stringify(r.statusCounts)}, errors ${r.errorCount}${max !== undefined ? `, max instances ${max}` : ''}`,
      );
      return { r, summary: summarizeRun(r, undefined, max), instances };
    };

    let timeline: { r: LoadResult; instances?: { t: number; count: number }[]; connections: number } | undefined;
    for (const row of result.rows) {
      const c = row.connections;
      try {
        await runLoad({ url: bareUrl, connections: c, durationMs: 500, timeoutMs: TIMEOUT_MS }).catch(() => undefined);
        row.bare = (await run(`bare Node, setTimeout ${opts.waitMs} ms`, bareUrl, c)).summary;
      } catch (err) {
        missing(`bare Node waiting ${opts.waitMs} ms, ${c} connections`, err);
      }
      const warmedRun = async (label: string, url: string, target: BenchTarget) => {
        log(`${label}, ${c} connection(s): ${WARMUP_MS / 1000} s warm-up`);
        await runLoad({ url, host: target.host, connections: c, durationMs: WARMUP_MS, timeoutMs: TIMEOUT_MS }).catch(
          () => undefined,
        );
        return run(label, url, c, target.host, target);
      };
      const sleeper = kedge?.targets.sleeper;
      if (kedge && sleeper) {
        try {
          const { r, summary, instances } = await warmedRun(
            `sleeper (?ms=${opts.waitMs}) through kedge up`,
            `${kedge.gateway}/?ms=${opts.waitMs}`,
            sleeper,
          );
          row.kedge = summary;
          if (!timeline || c <= 50) timeline = { r, connections: c, ...(instances ? { instances } : {}) };
        } catch (err) {
          missing(`sleeper through kedge up, ${c} connections`, err);
        }
      }
      // After the sleeper at the same count: the sleeper's row is measured before the JS guest loads the node.
      const js = kedge?.targets['autoscale-js'];
      if (kedge && js) {
        try {
          row.cpuBound = (
            await warmedRun(
              `JS guest (autoscale-js ?sleep=${opts.waitMs}, CPU-bound) through kedge up`,
              `${kedge.gateway}/?sleep=${opts.waitMs}`,
              js,
            )
          ).summary;
        } catch (err) {
          missing(`JS guest (autoscale-js ?sleep=) through kedge up, ${c} connections`, err);
        }
      }
    }

    await stopKedge(kedge);
    const s2sServices = S2S_SERVICES.filter((s) => have.has(s));
    kedge =
      result.s2s.length && have.has('helloworld') && s2sServices.length > 1
        ? await startKedge('service-to-service', s2sServices)
        : undefined;
    const callee = kedge?.targets.helloworld;
    const caller = kedge?.targets.caller;
    const jsCaller = kedge?.targets['autoscale-js'];
    if (kedge && callee && (caller || jsCaller)) {
      // A fresh node compiles the 14 MB JS component on first use: not part of either row's figure.
      log('service-to-service: warming the services');
      await runLoad({
        url: `${kedge.gateway}/`,
        host: callee.host,
        connections: 1,
        durationMs: 1_000,
        timeoutMs: TIMEOUT_MS,
      }).catch(() => undefined);
      if (caller)
        await runLoad({
          url: `${kedge.gateway}/`,
          host: caller.host,
          connections: 1,
          requests: 3,
          timeoutMs: TIMEOUT_MS,
        }).catch(() => undefined);
      if (jsCaller)
        await runLoad({
          url: `${kedge.gateway}/?call=helloworld.example`,
          host: jsCaller.host,
          connections: 1,
          requests: 3,
          timeoutMs: TIMEOUT_MS,
        }).catch(() => undefined);
      const neighbour = await startNeighbour(kedge.client).catch(
        (err: unknown) => void missing('the neighbour beside service-to-service', err),
      );
      if (neighbour)
        result.neighbourAlone = (
          await run('neighbour (hello beside them), alone', `${kedge.gateway}/`, 1, neighbour.host)
        ).summary;
      /** A → B at `c` connections with the neighbour at 1 beside it. */
      const withNeighbour = async (label: string, url: string, c: number, target: BenchTarget) => {
        const [via, beside] = await Promise.all([
          run(label, url, c, target.host, target),
          neighbour ? run(`neighbour during ${label}`, `${kedge!.gateway}/`, 1, neighbour.host) : undefined,
        ]);
        return { via: via.summary, beside: beside?.summary };
      };
      for (const row of result.s2s) {
        const c = row.connections;
        try {
          row.direct = (await run('helloworld called directly', `${kedge.gateway}/`, c, callee.host, callee)).summary;
        } catch (err) {
          missing(`helloworld called directly, ${c} connections`, err);
        }
        if (caller)
          try {
            const { via, beside } = await withNeighbour('caller (WAT) → helloworld', `${kedge.gateway}/`, c, caller);
            row.viaCaller = via;
            if (beside) row.neighbourDuring = beside;
          } catch (err) {
            missing(`service-to-service (examples/caller), ${c} connections`, err);
          }
        if (jsCaller)
          try {
            const { via, beside } = await withNeighbour(
              'autoscale-js → helloworld (?call=helloworld.example)',
              `${kedge.gateway}/?call=helloworld.example`,
              c,
              jsCaller,
            );
            row.viaJsCaller = via;
            if (beside) row.neighbourDuringJs = beside;
          } catch (err) {
            missing(`service-to-service (examples/autoscale-js), ${c} connections`, err);
          }
      }
    }

    const measured = result.rows.filter((r) => r.kedge || r.bare || r.cpuBound);
    if (measured.length) {
      const name = 'waiting-guest-throughput.svg';
      await writeFile(
        join(opts.svgDir, name),
        groupedBarChart({
          title: `A guest that waits ${opts.waitMs} ms per request: throughput by connections`,
          subtitle: `${seconds} s per run, closed loop; ideal = connections / ${opts.waitMs / 1000} s; log scale`,
          yLabel: 'req/s (log scale)',
          groups: measured.map((r) => ({
            label: `${r.connections} conn.`,
            bars: [
              { series: 'ideal', value: r.idealRps },
              { series: 'bare Node (setTimeout)', value: r.bare?.rps ?? NaN },
              { series: 'Kedge, sleeper (waits only)', value: r.kedge?.rps ?? NaN },
              { series: 'Kedge, JS guest (CPU-bound)', value: r.cpuBound?.rps ?? NaN },
            ],
          })),
        }),
      );
      result.svgs[name] = opts.rel(join(opts.svgDir, name));
    }
    if (timeline) {
      const files = await writeLoad(
        opts.outDir,
        `waiting-c${timeline.connections}`,
        timeline.r,
        timeline.instances,
        `sleeper (?ms=${opts.waitMs}), ${timeline.connections} connections, through kedge up`,
      );
      const name = `waiting-guest-c${timeline.connections}-timeline.svg`;
      await writeFile(join(opts.svgDir, name), await readFile(files[2]!));
      result.svgs[name] = opts.rel(join(opts.svgDir, name));
    }
    const s2s = result.s2s.filter((r) => r.direct || r.viaCaller || r.viaJsCaller);
    if (s2s.length) {
      const name = 'service-to-service.svg';
      await writeFile(
        join(opts.svgDir, name),
        groupedBarChart({
          title: 'Service-to-service: A calls B by its cluster-local name, vs calling B directly',
          subtitle: `${seconds} s per run through kedge up; log scale`,
          yLabel: 'req/s (log scale)',
          groups: s2s.map((r) => ({
            label: `${r.connections} conn.`,
            bars: [
              { series: 'B directly (helloworld)', value: r.direct?.rps ?? NaN },
              { series: 'A → B (examples/caller, WAT)', value: r.viaCaller?.rps ?? NaN },
              { series: 'A → B (autoscale-js ?call=, CPU-bound)', value: r.viaJsCaller?.rps ?? NaN },
            ],
          })),
        }),
      );
      result.svgs[name] = opts.rel(join(opts.svgDir, name));
    }
  } finally {
    for (const c of children.splice(0).reverse()) await c.stop();
    for (const d of dataDirs) await rm(d, { recursive: true, force: true }).catch(() => undefined);
  }
  return result;
}

/** A second helloworld, `neighbour`, on the same node: what a service beside the callers sees. */
async function startNeighbour(client: Client): Promise<BenchTarget> {
  const hello = await client.get<Service>('Service', 'example', 'helloworld');
  await client.create<Service>({
    apiVersion: hello.apiVersion,
    kind: 'Service',
    metadata: { name: 'neighbour', namespace: 'example' },
    spec: hello.spec,
  });
  await waitServiceReady(client, 'example', 'neighbour', 60_000);
  return targetOfService(client, 'example', 'neighbour');
}
