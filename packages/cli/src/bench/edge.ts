import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort } from '@kedge/core/testing';
import { runBounded } from './package-benches.js';
import { processCpuMs, startChild } from './child.js';
import { runColdStart } from './cold-start.js';
import { applyHello, startDistributed } from './distributed.js';
import { bringToZero } from './kedge.js';
import { runLoad } from './load.js';
import type { EdgeResult, EdgeRow } from './edge-report.js';

export interface EdgeOptions {
  cli: string;
  root: string;
  manifest: string;
  loadMs: number;
  connections: number;
  coldIterations: number;
  settleMs: number;
  log: (msg: string) => void;
}

/**
 * Issue 17's rows: the Deno gateway (the single-module edge build, `deno run`) joined to a
 * distributed cluster beside the Node `kedge gateway`, both forwarding over HTTP to the same runner
 * process; warm throughput and cold starts through each, in the same run.
 */
export async function runEdgeRows(o: EdgeOptions): Promise<EdgeResult> {
  const built = await runBounded(
    process.execPath,
    [join(o.root, 'packages/gateway/scripts/build-edge.mjs'), '--bundle-only'],
    o.root,
    process.env,
    120_000,
  );
  if (built.code !== 0) throw new Error(`build-edge --bundle-only failed: ${built.output.slice(-300)}`);
  const deno = (
    createRequire(import.meta.url)(join(o.root, 'node_modules/deno/install_api.cjs')) as { runInstall(): string }
  ).runInstall();
  const dist = await startDistributed(o.cli, o.root);
  const stops: (() => Promise<void>)[] = [() => dist.stop()];
  try {
    const [http, admin] = [await freePort(), await freePort()];
    const t0 = performance.now();
    const gw = await startChild(
      deno,
      [
        'run',
        '--allow-net',
        '--allow-read',
        '--allow-write',
        '--allow-env',
        '--allow-sys',
        join(o.root, 'packages/gateway/dist/edge/kedge-gateway.js'),
        '--nats',
        dist.natsUrl,
        '--token-file',
        dist.tokenFile,
        '--data-dir',
        join(dist.dataDir, 'gw-deno'),
        '--http-port',
        String(http),
        '--admin-port',
        String(admin),
        '--log-level',
        'warn',
      ],
      /kedge gateway ready/,
      { cwd: o.root, timeoutMs: 60_000 },
    );
    const denoReadyMs = performance.now() - t0;
    stops.unshift(() => gw.stop());
    const { client, target } = await applyHello(dist, o.manifest);
    const gateways = [
      {
        gateway: 'node' as const,
        label: 'Node `kedge gateway`',
        url: dist.gatewayUrl,
        pid: dist.gatewayPid,
        readyMs: Number.NaN,
      },
      {
        gateway: 'deno' as const,
        label: 'Deno edge gateway (`deno run kedge-gateway.js`)',
        url: `http://127.0.0.1:${http}`,
        pid: gw.pid,
        readyMs: denoReadyMs,
      },
    ];
    const rows: EdgeRow[] = [];
    for (const g of gateways) {
      o.log(`edge: ${g.gateway} gateway: 3 s warm-up, ${o.loadMs} ms of load at ${o.connections} connections`);
      await runLoad({ url: `${g.url}/`, host: target.host, connections: 10, durationMs: 3_000 }).catch(() => undefined);
      const cpu0 = processCpuMs(g.pid);
      const load = await runLoad({
        url: `${g.url}/`,
        host: target.host,
        connections: o.connections,
        durationMs: o.loadMs,
      });
      const cpu1 = processCpuMs(g.pid);
      const lat = load.latency.summaryMs();
      o.log(`edge: ${g.gateway} gateway: ${o.coldIterations} cold starts`);
      const cold = await runColdStart({
        url: `${g.url}/`,
        host: target.host,
        iterations: o.coldIterations,
        concurrency: 1,
        settleMs: o.settleMs,
        toZero: async () => void (await bringToZero(client, target, o.settleMs)),
      });
      const ok = Object.entries(load.statusCounts).reduce((n, [code, c]) => n + (code.startsWith('2') ? c : 0), 0);
      rows.push({
        gateway: g.gateway,
        label: g.label,
        rps: load.rps,
        p50Ms: lat.p50,
        p99Ms: lat.p99,
        errors: load.requests - ok + load.errorCount,
        ...(cpu0 !== undefined && cpu1 !== undefined && load.requests > 0
          ? { serverCpuUsPerRequest: ((cpu1 - cpu0) * 1000) / load.requests }
          : {}),
        coldP50Ms: cold.ttfb.p50,
        coldP99Ms: cold.ttfb.p99,
        coldFailed: cold.failed,
        startToReadyMs: g.readyMs,
      });
    }
    return {
      command: 'node packages/cli/dist/bench/suite.js --edge-only',
      setup:
        `${dist.setup}; npm run build:edge-bundle -w @kedge/gateway; ` +
        'npx deno run --allow-net --allow-read --allow-write --allow-env --allow-sys packages/gateway/dist/edge/kedge-gateway.js ' +
        '--nats nats://127.0.0.1:4222 --token-file <api data dir>/token --http-port 8081 --admin-port 9091',
      connections: o.connections,
      loadMs: o.loadMs,
      coldIterations: o.coldIterations,
      rows,
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}
