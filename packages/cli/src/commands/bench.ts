import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { connect, type Client, type GlobalFlags } from '../client.js';
import { runColdStart, summaryTable } from '../bench/cold-start.js';
import { formatMs, parseDuration, parseHeaders, parseIntList, parsePositiveInt } from '../bench/flags.js';
import { bringToZero, pollInstances, targetOfHost, targetOfService, type BenchTarget } from '../bench/kedge.js';
import { runLoad } from '../bench/load.js';
import { writeColdStart, writeJson, writeLoad } from '../bench/output.js';
import { progressLine } from '../bench/progress.js';
import { runScaleFromZero } from '../bench/scale-from-zero.js';

const DEFAULT_GATEWAY = process.env.KEDGE_GATEWAY ?? 'http://127.0.0.1:8080';

interface TargetFlags {
  service?: string;
  namespace: string;
  url?: string;
  host?: string;
  gateway: string;
}

/** `--service NAME -n NS` (through the gateway) or `--url URL [--host HOST]`. */
async function resolveTarget(
  client: Client,
  f: TargetFlags,
  needRevision: boolean,
  useApi = true,
): Promise<{ url: string; host?: string; target?: BenchTarget }> {
  if (f.service && f.url) throw new Error('--service and --url: give one of them');
  if (f.service) {
    const target = await targetOfService(client, f.namespace, f.service);
    return { url: f.gateway, host: target.host, target };
  }
  if (!f.url) throw new Error('--service or --url: one of them is required');
  try {
    new URL(f.url);
  } catch {
    throw new Error(`--url: "${f.url}" is not a URL`);
  }
  const host = f.host ?? new URL(f.url).host;
  if (!needRevision) {
    const target = useApi ? await targetOfHost(client, host).catch(() => undefined) : undefined;
    return { url: f.url, host: f.host, ...(target ? { target } : {}) };
  }
  return { url: f.url, host: f.host, target: await targetOfHost(client, host) };
}

function targetOptions(cmd: Command): Command {
  return cmd
    .option('--service <name>', 'Knative service to benchmark (through the gateway)')
    .option('-n, --namespace <ns>', 'namespace of --service', 'default')
    .option('--url <url>', 'URL to send requests to (instead of --service)')
    .option('--host <host>', 'Host header (routes by Host in the gateway)')
    .option('--gateway <url>', 'gateway address for --service', DEFAULT_GATEWAY)
    .option('--out <dir>', 'where to write JSON and SVG results', 'bench-out');
}

export function register(program: Command): void {
  const bench = program
    .command('bench')
    .description('cold-start, load and scale-from-zero benchmarks (docs/benchmarks.md)');
  const client = () => connect(program.opts() as GlobalFlags);

  targetOptions(
    bench
      .command('cold-start')
      .description('per iteration: scale the revision to zero, send one request; TTFB/TTLB and server phases')
      .option('-i, --iterations <n>', 'cold requests to measure', (v) => parsePositiveInt(v, '--iterations'), 100)
      .option(
        '--concurrency <n>',
        'requests sent at once per iteration',
        (v) => parsePositiveInt(v, '--concurrency'),
        1,
      )
      .option('--timeout <duration>', 'per-request timeout', '30s')
      .option(
        '--settle <duration>',
        'quiet time at zero before each request, checked through the API (0: right after the scale-down)',
        '1200ms',
      ),
  ).action(
    async (
      o: TargetFlags & { iterations: number; concurrency: number; timeout: string; settle: string; out: string },
    ) => {
      const c = client();
      const settleMs = parseDuration(o.settle, '--settle');
      const { url, host, target } = await resolveTarget(c, o, true);
      const r = await runColdStart({
        url,
        ...(host ? { host } : {}),
        iterations: o.iterations,
        concurrency: o.concurrency,
        timeoutMs: parseDuration(o.timeout, '--timeout'),
        settleMs,
        toZero: async () => {
          await bringToZero(c, target!, settleMs);
        },
        progress: progressLine(),
      });
      const rows = [
        { name: 'TTFB (client)', s: r.ttfb },
        { name: 'TTLB (client)', s: r.ttlb },
        ...r.phaseOrder.map((name) => ({ name: `  ${name}`, s: r.phases[name]! })),
      ];
      process.stdout.write(
        `Cold start of ${target!.namespace}/${target!.revision} via ${url}${host ? ` (Host: ${host})` : ''}\n`,
      );
      process.stdout.write(`${summaryTable(rows)}\n`);
      process.stdout.write(
        `status ${JSON.stringify(r.statusCounts)}${Object.keys(r.errors).length ? ` errors ${JSON.stringify(r.errors)}` : ''}\n`,
      );
      if (r.failed)
        process.stdout.write(
          `warning: ${r.failed} request(s) failed (connection error or 5xx) and are not in the latencies\n`,
        );
      if (r.warmHits)
        process.stdout.write(
          `warning: ${r.warmHits} request(s) found a ready instance (no activator hold): not cold\n`,
        );
      if (r.phaseOrder.length === 0)
        process.stdout.write('no Server-Timing header in the responses: no phase breakdown\n');
      const files = await writeColdStart(o.out, 'cold-start', r, `${target!.namespace}/${target!.revision}`);
      process.stdout.write(`wrote ${files.join(', ')}\n`);
    },
  );

  targetOptions(
    bench
      .command('load')
      .description(
        'keep-alive load for a duration (hey -z 30s -c 50): req/s, latency, status codes, instances over time',
      )
      .option('-z, --duration <duration>', 'how long (500ms, 30s, 2m)', '30s')
      .option('--requests <count>', 'stop after this many requests (whichever bound comes first)', (v) =>
        parsePositiveInt(v, '--requests'),
      )
      .option('-c, --connections <n>', 'concurrent keep-alive connections', (v) => parsePositiveInt(v, '-c'), 50)
      .option('--timeout <duration>', 'per-request timeout', '10s')
      .option(
        '-H, --header <name:value>',
        'extra request header (repeatable)',
        (v: string, prev: string[]) => [...prev, v],
        [] as string[],
      )
      .option('--no-instances', 'do not poll the API for the instance count'),
  ).action(
    async (
      o: TargetFlags & {
        duration: string;
        requests?: number;
        connections: number;
        timeout: string;
        header: string[];
        instances: boolean;
        out: string;
      },
    ) => {
      const c = client();
      const durationMs = parseDuration(o.duration, '--duration');
      const headers = parseHeaders(o.header);
      const { url, host, target } = await resolveTarget(c, o, false, o.instances);
      const poller = o.instances && target ? pollInstances(c, target) : undefined;
      const progress = progressLine();
      const r = await runLoad({
        url,
        ...(host ? { host } : {}),
        connections: o.connections,
        headers,
        durationMs,
        ...(o.requests ? { requests: o.requests } : {}),
        timeoutMs: parseDuration(o.timeout, '--timeout'),
        onTick: (t) =>
          progress.update(
            `${t.elapsedS.toFixed(0)}s/${(durationMs / 1000).toFixed(0)}s  ${t.requests} requests  ${t.rps} req/s  ` +
              `p50 ${formatMs(t.p50Ms)}  p99 ${formatMs(t.p99Ms)}  errors ${t.errors}`,
          ),
      });
      progress.done();
      const instances = poller ? await poller.stop() : undefined;
      const s = r.latency.summaryMs();
      const out = [
        `Load on ${url}${host ? ` (Host: ${host})` : ''}: ${o.connections} connections, ${(r.durationMs / 1000).toFixed(1)} s`,
        `  requests   ${r.requests}  (${r.rps.toFixed(0)} req/s)`,
        `  latency    p50 ${formatMs(s.p50)}  p90 ${formatMs(s.p90)}  p99 ${formatMs(s.p99)}  max ${formatMs(s.max)}`,
        `  status     ${JSON.stringify(r.statusCounts)}`,
        ...(r.errorCount ? [`  errors     ${JSON.stringify(r.errors)}`] : []),
        ...(instances?.length
          ? [
              `  instances  max ${Math.max(...instances.map((p) => p.count))} (of ${target!.namespace}/${target!.revision})`,
            ]
          : []),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
      const files = await writeLoad(
        o.out,
        'load',
        r,
        instances,
        target ? `${target.namespace}/${target.revision}` : url,
      );
      process.stdout.write(`wrote ${files.join(', ')}\n`);
    },
  );

  bench
    .command('scale-from-zero')
    .description("Knative's performance-test shape: N services at zero, hit all at once, time to first response")
    .option('--services <list>', 'service counts, comma-separated', '1,5,25,100')
    .option('-n, --namespace <ns>', 'namespace to create the services in', 'kedge-bench')
    .option('--component <file.wasm>', 'component every service runs', defaultComponent())
    .option('--gateway <url>', 'gateway address', DEFAULT_GATEWAY)
    .option('--keep', 'keep the services afterwards')
    .option('--settle <duration>', 'quiet time at zero before the burst, checked through the API', '1200ms')
    .option('--out <dir>', 'where to write the JSON result', 'bench-out')
    .action(
      async (o: {
        services: string;
        namespace: string;
        component: string;
        gateway: string;
        keep?: boolean;
        settle: string;
        out: string;
      }) => {
        const sizes = parseIntList(o.services, '--services');
        if (Math.max(...sizes) > 500) throw new Error('--services: at most 500 services per run');
        if (!existsSync(o.component))
          throw new Error(`--component: ${o.component} not found (run \`npm run build\` for the examples)`);
        const r = await runScaleFromZero({
          client: client(),
          gatewayUrl: o.gateway,
          namespace: o.namespace,
          sizes,
          component: o.component,
          settleMs: parseDuration(o.settle, '--settle'),
          ...(o.keep ? { keep: true } : {}),
          progress: progressLine(),
        });
        const lines = ['services  p50 TTFB   p95 TTFB   max TTFB   all answered  errors  warm hits'];
        for (const round of r.rounds)
          lines.push(
            [
              String(round.services).padStart(8),
              formatMs(round.ttfb.p50).padStart(9),
              formatMs(round.ttfb.p95).padStart(9),
              formatMs(round.ttfb.max).padStart(9),
              formatMs(round.allAnsweredMs).padStart(12),
              String(round.errors).padStart(6),
              String(round.warmHits).padStart(9),
            ].join('  '),
          );
        process.stdout.write(`${lines.join('\n')}\n`);
        const file = resolve(o.out, 'scale-from-zero.json');
        await mkdir(o.out, { recursive: true });
        await writeJson(file, r);
        process.stdout.write(`wrote ${file}\n`);
      },
    );
}

/** The hello example when run from the repository root, so the documented command works as printed. */
function defaultComponent(): string {
  return resolve('examples/helloworld/build/helloworld.wasm');
}
