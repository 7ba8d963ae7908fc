/**
 * Runner benchmarks (bounded in count): instantiate and cold start of the tiny hello component with
 * the compiled cache warm, and warm request rates through the runner vs the instance called
 * directly vs bare Node http, in one run. `npm run bench -w @kedge/runner` (needs dist/ built).
 */
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Pool } from 'undici';
import { imageWithDigest, silentLogger, subjects } from '@kedge/core';
import { ComponentCache } from '../runtimes/wasm/compile.js';
import { IncomingRequest, ResponseOutparam, hostImports, type ResponseSink } from '../runtimes/wasm/host/index.js';
import { WorkerPool } from '../runtimes/wasm/pool.js';
import { buildComponent } from '../testing/components.js';
import { startLoneRunner } from './lone-runner.js';

const HELLO = fileURLToPath(new URL('../../../../examples/helloworld/build/helloworld.wasm', import.meta.url));
const HELLO_WAT = fileURLToPath(new URL('../../../../examples/helloworld/hello.wat', import.meta.url));
const COLD = Number(process.env.BENCH_COLD ?? 300);
const WARM = Number(process.env.BENCH_WARM ?? 5000);
const CONNS = Number(process.env.BENCH_CONNECTIONS ?? 10);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(3)} ms`;
function line(name: string, xs: number[]): void {
  console.log(
    `${name.padEnd(44)} p50 ${ms(pct(xs, 50)).padStart(10)}  p99 ${ms(pct(xs, 99)).padStart(10)}  (n=${xs.length})`,
  );
}
function rate(name: string, n: number, elapsedMs: number): void {
  console.log(`${name.padEnd(44)} ${(n / (elapsedMs / 1000)).toFixed(0).padStart(8)} req/s  (n=${n})`);
}

async function hello(): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(HELLO));
  } catch {
    return buildComponent(await readFile(HELLO_WAT, 'utf8'));
  }
}

async function main(): Promise<void> {
  const component = await hello();
  const dir = await mkdtemp(join(tmpdir(), 'kedge-runner-bench-'));
  console.log(`# runner bench — tiny hello (${component.length} bytes), node ${process.version}`);

  // 1. The instance called directly: same thread, Kedge's host, no worker, no queue.
  const cache = new ComponentCache(join(dir, 'direct-cache'));
  const compiled = await cache.compile(`sha256:${'0'.repeat(64)}`, async () => component);
  const instantiate = new Function(`${compiled.glue}\nreturn instantiate;`)() as (
    g: (n: string) => unknown,
    i: unknown,
  ) => Record<string, { handle(r: IncomingRequest, o: ResponseOutparam): void }>;
  const env: [string, string][] = [['TARGET', 'Bench']];
  const nullSink = { write() {}, open: true };
  const direct: number[] = [];
  let handler!: { handle(r: IncomingRequest, o: ResponseOutparam): void };
  for (let i = 0; i < COLD; i++) {
    const t0 = performance.now();
    const exports = instantiate((n) => compiled.modules[n], hostImports({ env, stdout: nullSink, stderr: nullSink }));
    direct.push(performance.now() - t0);
    handler = exports['wasi:http/incoming-handler@0.2.12']!;
  }
  line('instantiate, in-thread, Kedge host', direct);

  // The same with preview2-shim's Node host (per-instance env through WASIShim's sandbox).
  const shimSpec = '@bytecodealliance/preview2-shim/instantiation';
  const { WASIShim } = (await import(shimSpec)) as { WASIShim: new (c: unknown) => { getImportObject(): unknown } };
  const viaShim: number[] = [];
  let shimExports!: Record<string, unknown>;
  for (let i = 0; i < COLD; i++) {
    const t0 = performance.now();
    const shim = new WASIShim({ sandbox: { env: { TARGET: 'Bench' }, preopens: {}, enableNetwork: false } });
    shimExports = instantiate((n) => compiled.modules[n], shim.getImportObject());
    viaShim.push(performance.now() - t0);
  }
  line('instantiate, in-thread, preview2-shim host', viaShim);
  const sink: ResponseSink = { head() {}, chunk() {}, end() {}, fail() {}, open: true };
  const req = () =>
    new IncomingRequest({
      method: 'GET',
      pathWithQuery: '/',
      scheme: 'http',
      authority: 'x',
      headers: [],
      body: new Uint8Array(0),
    });
  let t = performance.now();
  for (let i = 0; i < WARM; i++) handler.handle(req(), new ResponseOutparam(sink));
  rate('warm, instance called directly (in-thread)', WARM, performance.now() - t);

  // 2. Through a guest worker (no queue, no runner).
  const pool = new WorkerPool({ workers: 1, spares: 0, logger: silentLogger });
  const inst: number[] = [];
  const spec = (id: string) => ({
    instanceId: id,
    revision: 'bench/hello',
    env,
    logLimit: 1024,
    outbound: 'none' as const,
  });
  await pool.instantiate(spec('warmup'), compiled);
  for (let i = 0; i < COLD; i++) {
    const t0 = performance.now();
    await pool.instantiate(spec(`p${i}`), compiled);
    inst.push(performance.now() - t0);
    pool.drop(`p${i}`);
  }
  line('instantiate via worker (round trip)', inst);
  const init = {
    method: 'GET',
    pathWithQuery: '/',
    scheme: 'http' as const,
    authority: 'x',
    headers: [] as [string, string][],
    body: new Uint8Array(0),
    bodyMore: false,
  };
  t = performance.now();
  for (let i = 0; i < WARM; i++)
    await new Response((await pool.request('warmup', { ...init, body: new Uint8Array(0) })).body).arrayBuffer();
  rate('warm, via worker, sequential', WARM, performance.now() - t);
  await pool.close();

  // 3. Through the runner: bus start request + first request (cold), dispatcher (warm), HTTP entry.
  const lone = await startLoneRunner({
    component,
    imageName: 'helloworld.wasm',
    target: 'Bench',
    dir,
    url: 'http://127.0.0.1:0',
  });
  const { store, bus, runner, revision: rev } = lone;
  const start = (id: string) => lone.startInstance(id);
  const dispatch = (id: string) =>
    runner.dispatcher.dispatch(
      { namespace: 'bench', revision: 'hello-00001', instanceId: id },
      new Request('http://hello.bench.example.com/'),
    );
  await start('warm');
  await (await dispatch('warm')).text();
  // Cold starts spaced a few ms apart (as scale-from-zero events are), so the revision's warm guest
  // has been replaced; then the same with kedge.dev/warm-instances: "0" (instantiate on start).
  const coldStarts = async (revision: string, label: string) => {
    const cold: number[] = [];
    const phases: Record<string, number[]> = {};
    for (let i = 0; i < COLD; i++) {
      const id = `${revision}-c${i}`;
      await new Promise((r) => setTimeout(r, 5));
      const t0 = performance.now();
      const reply = await lone.startInstance(id, { revision });
      const res = await runner.dispatcher.dispatch(
        { namespace: 'bench', revision, instanceId: id },
        new Request('http://hello.bench.example.com/'),
      );
      const body = await res.text();
      cold.push(performance.now() - t0);
      if (!reply.ok || body !== 'Hello Bench!\n')
        throw new Error(`cold start failed: ${JSON.stringify(reply)} ${body}`);
      for (const [k, v] of Object.entries(reply.timings ?? {})) (phases[k] ??= []).push(v);
      await bus.request(subjects.runnerStop('bench'), { namespace: 'bench', revision, instanceId: id });
    }
    line(`cold start at the runner, ${label}`, cold);
    for (const [k, v] of Object.entries(phases)) if (k !== 'warm') line(`  phase ${k}`, v);
    console.log(`  started from a warm guest: ${phases.warm?.length ?? 0} of ${cold.length}`);
    return cold;
  };
  const cold = await coldStarts('hello-00001', 'warm guest');
  await store.create({
    ...rev,
    metadata: { ...rev.metadata, name: 'hello-00002', annotations: { 'kedge.dev/warm-instances': '0' } },
  });
  await coldStarts('hello-00002', 'instantiating');

  t = performance.now();
  for (let i = 0; i < WARM; i++) await (await dispatch('warm')).text();
  rate('warm, runner dispatcher, sequential', WARM, performance.now() - t);
  await Promise.all(['w2', 'w3', 'w4'].map(start));
  const ids = ['warm', 'w2', 'w3', 'w4'];
  t = performance.now();
  let k = 0;
  await Promise.all(
    Array.from({ length: CONNS }, async () => {
      while (k < WARM) {
        const id = ids[k++ % ids.length]!;
        await (await dispatch(id)).text();
      }
    }),
  );
  rate(`warm, runner dispatcher, ${CONNS} concurrent, 4 instances`, WARM, performance.now() - t);

  // HTTP: the runner's entry vs bare Node http, same client (undici Pool, CONNS connections).
  const entry = serve({ fetch: runner.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => entry.once('listening', r));
  const bare = createServer((_q, s) => s.end('Hello Bench!\n')).listen(0, '127.0.0.1');
  await new Promise((r) => bare.once('listening', r));
  const portOf = (s: { address(): unknown }) => (s.address() as { port: number }).port;
  async function load(name: string, port: number, headers: () => Record<string, string>): Promise<void> {
    const client = new Pool(`http://127.0.0.1:${port}`, { connections: CONNS });
    let n = 0;
    const lat: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONNS }, async () => {
        while (n < WARM) {
          n++;
          const s = performance.now();
          const r = await client.request({ path: '/', method: 'GET', headers: headers() });
          await r.body.text();
          lat.push(performance.now() - s);
        }
      }),
    );
    rate(`${name}, HTTP, ${CONNS} connections`, WARM, performance.now() - t0);
    line(`  latency`, lat);
    await client.close();
  }
  let j = 0;
  await load('runner HTTP entry (4 instances)', portOf(entry), () => ({ 'kedge-instance': ids[j++ % ids.length]! }));
  await load('bare Node http hello', portOf(bare), () => ({}));
  // preview2-shim's own HTTP server: one shared instance, requests relayed through its I/O worker.
  const httpSpec = '@bytecodealliance/preview2-shim/http';
  const { HTTPServer } = (await import(httpSpec)) as {
    HTTPServer: new (h: unknown) => { listen(p: number, h: string): void; stop(): void };
  };
  const shimServer = new HTTPServer(shimExports['wasi:http/incoming-handler@0.2.12']);
  const shimPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = portOf(probe);
      probe.close(() => resolve(p));
    });
  });
  shimServer.listen(shimPort, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 200));
  await load('preview2-shim HTTPServer (1 shared instance)', shimPort, () => ({}));
  shimServer.stop();
  entry.close();
  bare.close();

  // Other components (BENCH_GUESTS=a.wasm,b.wasm), e.g. a componentize-js guest (see docs/runner.md).
  for (const file of (process.env.BENCH_GUESTS ?? '').split(',').filter(Boolean)) {
    const bytes = new Uint8Array(await readFile(file));
    const name = `extra-${cold.length}-${Math.random().toString(36).slice(2, 6)}`;
    const revName = `${name}-00001`;
    await store.create({
      ...rev,
      metadata: { name: revName, namespace: 'bench' },
      spec: { containers: [{ image: imageWithDigest('g.wasm', await store.blobs.put(bytes)) }] },
    });
    const startX = (id: string) => lone.startInstance(id, { revision: revName, timeoutMs: 60_000 });
    const dispatchX = (id: string) =>
      runner.dispatcher.dispatch(
        { namespace: 'bench', revision: revName, instanceId: id },
        new Request('http://x.bench.example.com/'),
      );
    await startX(`${name}-w`);
    await (await dispatchX(`${name}-w`)).text();
    const n = Math.min(COLD, 50);
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = `${name}-${i}`;
      const t0 = performance.now();
      const reply = await startX(id);
      const res = await dispatchX(id);
      await res.text();
      xs.push(performance.now() - t0);
      if (!reply.ok || res.status !== 200) throw new Error(`${file}: ${JSON.stringify(reply)} ${res.status}`);
      await bus.request(subjects.runnerStop('bench'), { namespace: 'bench', revision: revName, instanceId: id });
      // Let the warm guest be replaced, as between real cold starts.
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`# ${file} (${bytes.length} bytes)`);
    line('cold start at the runner (start + 1st response)', xs);
    const m = Math.min(WARM, 1000);
    t = performance.now();
    for (let i = 0; i < m; i++) await (await dispatchX(`${name}-w`)).text();
    rate('warm, runner dispatcher, sequential', m, performance.now() - t);
  }

  await lone.stop();
  await rm(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
