/**
 * Gateway benchmarks (loopback, bounded): `npm run bench -w @kedge/gateway` after a build.
 *  1. warm latency the gateway adds over calling the instance's dispatcher directly (in process,
 *     Proxy and Serve mode), and the same over HTTP (gateway port vs the runner's HTTP entry);
 *  2. throughput with 50 connections (wrk) through the gateway vs a bare Node http hello server,
 *     measured in the same run;
 *  3. the gateway's share of a cold start: zero → first byte with an instance that starts instantly.
 * Instances are the in-process fake runner (a hello handler), so the figures are the gateway's own.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { Pool } from 'undici';
import {
  markCompleteResponse,
  MemoryBus,
  silentLogger,
  SqliteStore,
  subjects,
  systemClock,
  type DecisionMessage,
} from '@kedge/core';
import { createGatewayApp } from '../app.js';
import { createGateway } from '../gateway.js';
import { listen, serveGateway } from '../serve.js';
import { autoStartOnPoke, FakeRunner } from '../testing/fake-runner.js';
import { routeObject } from '../testing/harness.js';

const HOST = 'hello.default.example.com';
const WARM_N = Number(process.env.BENCH_N ?? 20_000);
const WRK_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const COLD_N = Number(process.env.BENCH_COLD_N ?? 200);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(3)} ms`;

async function timeLoop(n: number, fn: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < Math.min(2_000, n / 5); i++) await fn(); // warm-up (JIT, pools)
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out[i] = performance.now() - t;
    // In-process calls resolve on microtasks only; let timers (heartbeats, reports) run as a server's loop would.
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  return out;
}

/**
 * wrk in its own process (async: the servers under test live on this event loop). Besides req/s it
 * returns this process's CPU time per request — on a machine shared with other work that figure is
 * far steadier than req/s, and the servers compared here all run on this one thread.
 */
async function wrk(url: string, host?: string): Promise<{ rps: number; cpuUsPerRequest: number }> {
  const args = ['-t2', '-c50', `-d${WRK_SECONDS}s`, url];
  if (host) args.unshift('-H', `Host: ${host}`);
  const cpu0 = process.cpuUsage();
  const { stdout: out } = await promisify(execFile)('wrk', args, {
    encoding: 'utf8',
    timeout: (WRK_SECONDS + 10) * 1000,
  });
  const cpu = process.cpuUsage(cpu0);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} non-2xx responses against ${url}`);
  const n = total ? Number(total[1]) : NaN;
  return { rps: rps ? Number(rps[1]) : NaN, cpuUsPerRequest: (cpu.user + cpu.system) / n };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-gw-bench-'));
  const store = new SqliteStore(dir);
  const bus = new MemoryBus();
  const hello = new Uint8Array(Buffer.from('hello\n'));
  const runner = new FakeRunner({
    bus,
    nodeId: 'bench',
    handler: () => markCompleteResponse(new Response(hello, { headers: { 'content-type': 'text/plain' } })),
  });
  runner.start();
  const gateway = createGateway({
    store,
    bus,
    clock: systemClock,
    logger: silentLogger,
    id: 'bench',
    localDispatchers: [runner],
  });
  await gateway.start();
  await store.create(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
  const inst = runner.startInstance('default', 'hello-00001');
  await bus.flush();
  const target = { namespace: 'default', revision: 'hello-00001', instanceId: inst.instanceId };
  const results: Record<string, unknown> = {};

  // 1a. in process
  const direct = await timeLoop(WARM_N, async () => {
    const r = await runner.dispatch(target, new Request(`http://${HOST}/`));
    await r.arrayBuffer();
  });
  const viaGateway = async () => {
    const r = await gateway.fetch(new Request(`http://${HOST}/`, { headers: { host: HOST } }), {
      remoteAddress: '127.0.0.1',
    });
    if (r.status !== 200) throw new Error(`gateway answered ${r.status}`);
    await r.arrayBuffer();
  };
  const proxied = await timeLoop(WARM_N, viaGateway);
  const decide = (mode: 'Proxy' | 'Serve') => {
    const d: DecisionMessage = {
      namespace: 'default',
      revision: 'hello-00001',
      desiredScale: 1,
      excessBurstCapacity: mode === 'Serve' ? 1 : -1,
      mode,
      time: Date.now(),
    };
    bus.publish(subjects.decision('default', 'hello-00001'), d);
    return bus.flush();
  };
  await decide('Serve');
  const served = await timeLoop(WARM_N, viaGateway);
  await decide('Proxy');
  results.inProcess = {
    n: WARM_N,
    directP50: pct(direct, 50),
    proxyP50: pct(proxied, 50),
    serveP50: pct(served, 50),
    addedP50Proxy: pct(proxied, 50) - pct(direct, 50),
    addedP50Serve: pct(served, 50) - pct(direct, 50),
    addedP99Proxy: pct(proxied, 99) - pct(direct, 99),
  };

  // 1b. over HTTP: client → gateway port → instance, vs client → runner HTTP entry → instance
  const gwHttp = await listen(createGatewayApp(gateway));
  const entry = new Hono();
  entry.all('*', (c) => runner.fetch(c.req.raw));
  const runnerHttp = await listen(entry);
  const httpLoop = async (url: string, headers: Record<string, string>) => {
    const pool = new Pool(url, { connections: 1 });
    const xs = await timeLoop(Math.floor(WARM_N / 2), async () => {
      const r = await pool.request({ path: '/', method: 'GET', headers });
      if (r.statusCode !== 200) throw new Error(`${url} answered ${r.statusCode}: ${await r.body.text()}`);
      await r.body.arrayBuffer();
    });
    await pool.close();
    return xs;
  };
  const httpDirect = await httpLoop(runnerHttp.url, { host: HOST, 'kedge-instance': inst.instanceId });
  const httpGateway = await httpLoop(gwHttp.url, { host: HOST });
  results.http = {
    directP50: pct(httpDirect, 50),
    gatewayP50: pct(httpGateway, 50),
    addedP50: pct(httpGateway, 50) - pct(httpDirect, 50),
  };

  // 2. throughput, 50 connections: bare node http vs the gateway (both hello, same process, one at a time)
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello\n');
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const gwServed = await serveGateway(gateway);
  // The floor: the same web-standard HTTP layer (@hono/node-server) handing requests straight to
  // the instance — what any fetch-style handler on Node pays before gateway logic.
  const floorServed = await listen({ fetch: (req: Request) => runner.dispatch(target, req) });
  const bareRun = await wrk(bareUrl);
  const floorRun = await wrk(`${floorServed.url}/`, HOST);
  const gwRun = await wrk(`${gwServed.url}/`, HOST);
  const honoRun = await wrk(`${gwHttp.url}/`, HOST);
  results.throughput = {
    seconds: WRK_SECONDS,
    connections: 50,
    bare: bareRun,
    floor: floorRun,
    gateway: gwRun,
    gatewayViaHonoApp: honoRun,
    ratio: gwRun.rps / bareRun.rps,
    cpuRatio: bareRun.cpuUsPerRequest / gwRun.cpuUsPerRequest,
  };
  await gwServed.close();
  await floorServed.close();
  bare.close();

  // 3. gateway share of a cold start: instance gone → request held → poke → start → forward
  const auto = autoStartOnPoke(bus, runner);
  const cold: number[] = [];
  for (let i = 0; i < COLD_N; i++) {
    for (const id of [...runner.instances.keys()]) await runner.stopInstance(id);
    await bus.flush();
    const t = performance.now();
    const r = await gateway.fetch(new Request(`http://${HOST}/`, { headers: { host: HOST } }));
    const reader = r.body!.getReader();
    await reader.read();
    cold.push(performance.now() - t);
    await reader.cancel();
  }
  auto.unsubscribe();
  results.coldGatewayShare = { n: COLD_N, p50: pct(cold, 50), p99: pct(cold, 99) };

  await gwHttp.close();
  await runnerHttp.close();
  await gateway.stop();
  runner.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const ip = results.inProcess as Record<string, number>;
  const hp = results.http as Record<string, number>;
  const tp = results.throughput as {
    bare: { rps: number; cpuUsPerRequest: number };
    floor: { rps: number; cpuUsPerRequest: number };
    gateway: { rps: number; cpuUsPerRequest: number };
    gatewayViaHonoApp: { rps: number; cpuUsPerRequest: number };
    ratio: number;
    cpuRatio: number;
  };
  const cs = results.coldGatewayShare as Record<string, number>;
  console.log(
    `warm, in process (n=${WARM_N}): direct dispatch p50 ${ms(ip.directP50!)}; via gateway p50 ${ms(ip.proxyP50!)} (Proxy) / ${ms(ip.serveP50!)} (Serve)`,
  );
  console.log(
    `  added by gateway p50: ${ms(ip.addedP50Proxy!)} (Proxy, goal ≤ 0.5 ms), ${ms(ip.addedP50Serve!)} (Serve); p99 added ${ms(ip.addedP99Proxy!)} (Proxy)`,
  );
  console.log(
    `warm, over HTTP keep-alive: runner entry p50 ${ms(hp.directP50!)}; gateway p50 ${ms(hp.gatewayP50!)}; added ${ms(hp.addedP50!)}`,
  );
  console.log(
    `throughput, 50 connections, ${WRK_SECONDS}s each: bare node http ${tp.bare.rps.toFixed(0)} req/s ` +
      `(${tp.bare.cpuUsPerRequest.toFixed(1)} µs CPU/req); ` +
      `gateway ${tp.gateway.rps.toFixed(0)} req/s (${tp.gateway.cpuUsPerRequest.toFixed(1)} µs CPU/req); ` +
      `via the Hono app ${tp.gatewayViaHonoApp.rps.toFixed(0)} req/s`,
  );
  console.log(
    `  floor (node-server → instance, no gateway): ${tp.floor.rps.toFixed(0)} req/s (${tp.floor.cpuUsPerRequest.toFixed(1)} µs CPU/req)`,
  );
  console.log(
    `  ratio gateway/bare: ${(tp.ratio * 100).toFixed(1)} % by req/s, ${(tp.cpuRatio * 100).toFixed(1)} % by CPU per request (goal ≥ 60 %)`,
  );
  console.log(`cold start, gateway share (instant fake instance, n=${COLD_N}): p50 ${ms(cs.p50!)}, p99 ${ms(cs.p99!)}`);
  console.log(JSON.stringify(results));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
