import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCompleteResponse, OCI_IMAGE_CONFIG, subjects, WASM_CONFIG, type EndpointsMessage } from '@kedge/core';
import { RunnerHarness } from './testing/harness.js';
import { buildOutboundGuest, buildTestGuest, ensureRunnerBuilt } from './testing/components.js';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HELLO_NODE = fileURLToPath(new URL('../../../examples/helloworld-node/server.mjs', import.meta.url));

/** Reads the whole body: a response counts as in flight until it was consumed. */
async function statusOf(res: Promise<Response>): Promise<number> {
  const r = await res;
  await r.arrayBuffer();
  return r.status;
}

describe('runner: WebAssembly revisions', () => {
  const h = new RunnerHarness();
  let guest: Uint8Array;

  beforeAll(async () => {
    await ensureRunnerBuilt();
    guest = await buildTestGuest();
    await h.setup({ workers: 2 });
  });
  afterAll(() => h.teardown());

  it('serves hello with each revision its own environment, and none of the host’s', async () => {
    await h.revision('alpha-00001', guest, {}, { TARGET: 'Alpha' });
    await h.revision('beta-00001', guest, {}, { TARGET: 'Beta' });
    const a = await h.start('alpha-00001', 'a1');
    const b = await h.start('beta-00001', 'b1');
    expect(a).toMatchObject({ ok: true, instanceId: 'a1' });
    expect(b.ok).toBe(true);
    expect(a.timings).toHaveProperty('instantiate');

    expect(await (await h.dispatch('alpha-00001', 'a1')).text()).toBe('Hello Alpha!\n');
    expect(await (await h.dispatch('beta-00001', 'b1')).text()).toBe('Hello Beta!\n');
    // Bodies the runner has whole in memory carry core's marker, which a co-located gateway reads to
    // free the slot at once. (A guest's own answer is whole unless it took over 5 ms to write, so only
    // the runner's error answers make a deterministic check.)
    const missing = await h.dispatch('alpha-00001', 'no-such-instance');
    expect(missing.status).toBe(503);
    expect(isCompleteResponse(missing)).toBe(true);

    const env = (await (await h.dispatch('alpha-00001', 'a1', '/env')).text()).trim().split('\n').sort();
    expect(env).toEqual(['K_CONFIGURATION=alpha', 'K_REVISION=alpha-00001', 'K_SERVICE=alpha', 'TARGET=Alpha']);
    // The manifest's containerConcurrency (0: unlimited) is what the instance publishes, wasm or not.
    expect(
      h.endpoints.some(
        (e) => e.revision === 'alpha-00001' && e.endpoints.some((p) => p.instanceId === 'a1' && p.concurrency === 0),
      ),
    ).toBe(true);
  });

  it('sends the answer of a guest that computes before it writes as one complete response', async () => {
    await h.revision('spin-00001', guest);
    await h.start('spin-00001', 'sp1');
    const t0 = performance.now();
    const res = await h.dispatch('spin-00001', 'sp1', '/spin');
    expect(performance.now() - t0).toBeGreaterThan(5);
    expect(isCompleteResponse(res)).toBe(true);
    expect(await res.text()).toBe('Hello World!\n');
  });

  it('answers a trap with 502 and a clear body, then serves from a fresh instance', async () => {
    await h.revision('trap-00001', guest);
    expect((await h.start('trap-00001', 't1')).ok).toBe(true);
    const res = await h.dispatch('trap-00001', 't1', '/trap');
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('GuestTrap');
    expect(body.message).toMatch(/unreachable/);
    expect(await (await h.dispatch('trap-00001', 't1')).text()).toBe('Hello World!\n');
  });

  it('ends an endless loop at timeoutSeconds with 504 while other instances keep serving', async () => {
    await h.revision('loop-00001', guest, { timeoutSeconds: 2 });
    await h.revision('other-00001', guest, {}, { TARGET: 'Other' });
    expect((await h.start('loop-00001', 'l1')).ok).toBe(true);
    expect((await h.start('other-00001', 'o1')).ok).toBe(true);
    let settled = false;
    const looping = h.dispatch('loop-00001', 'l1', '/loop').finally(() => (settled = true));
    const other = await h.dispatch('other-00001', 'o1');
    expect(await other.text()).toBe('Hello Other!\n');
    expect(settled).toBe(false);
    const res = await looping;
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: string }).error).toBe('Timeout');
    // The looping instance was re-created on a fresh worker and serves again.
    expect(await (await h.dispatch('loop-00001', 'l1')).text()).toBe('Hello World!\n');
    expect(await (await h.dispatch('other-00001', 'o1')).text()).toBe('Hello Other!\n');
  });

  it("ends a loop at config-kedge-runner's cpu-limit-ms, a revision's kedge.dev/cpu-limit-ms overriding it", async () => {
    const cm = await h.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-kedge-runner', namespace: 'knative-serving' },
      data: { 'cpu-limit-ms': '300' },
    });
    try {
      await h.revision('cpumap-00001', guest, { timeoutSeconds: 60 });
      await h.revision('cpuann-00001', guest, { timeoutSeconds: 60 }, {}, {}, { 'kedge.dev/cpu-limit-ms': '400' });
      expect((await h.start('cpumap-00001', 'cm1')).ok).toBe(true);
      expect((await h.start('cpuann-00001', 'ca1')).ok).toBe(true);
      for (const [rev, id, ms] of [
        ['cpumap-00001', 'cm1', 300],
        ['cpuann-00001', 'ca1', 400],
      ] as const) {
        const res = await h.dispatch(rev, id, '/loop');
        expect(res.status).toBe(503);
        const body = (await res.json()) as { error: string; message: string };
        expect(body.error).toBe('CpuLimitExceeded');
        expect(body.message).toContain(`more than ${ms} ms`);
        expect(await (await h.dispatch(rev, id)).text()).toBe('Hello World!\n');
      }
    } finally {
      await h.store.delete('ConfigMap', cm.metadata.namespace, cm.metadata.name);
    }
  });

  it("serves requests behind a looping one from the replica's other guests; with containerConcurrency 1 their deadlines end them", async () => {
    // containerConcurrency 0: the replica grows a guest per request in flight, so the loop holds only its own.
    await h.revision('ahead-00001', guest, { timeoutSeconds: 2 });
    expect(await h.start('ahead-00001', 'ahead1')).toMatchObject({ ok: true });
    const looping = h.dispatch('ahead-00001', 'ahead1', '/loop');
    const beside = [h.dispatch('ahead-00001', 'ahead1', '/'), h.dispatch('ahead-00001', 'ahead1', '/')];
    const all = await Promise.all([looping, ...beside]);
    expect(all.map((r) => r.status)).toEqual([504, 200, 200]);
    expect(((await all[0]!.json()) as { error: string }).error).toBe('Timeout');

    // containerConcurrency 1: one guest; the requests behind the loop wait at the queue's gate and
    // their own deadlines (2 s from arrival, like the loop's) end them.
    await h.revision('one-00001', guest, { timeoutSeconds: 2, containerConcurrency: 1 });
    expect(await h.start('one-00001', 'one1')).toMatchObject({ ok: true });
    await h.dispatch('one-00001', 'one1', '/count');
    const loop1 = h.dispatch('one-00001', 'one1', '/loop');
    const behind = [h.dispatch('one-00001', 'one1', '/count'), h.dispatch('one-00001', 'one1', '/count')];
    const ones = await Promise.all([loop1, ...behind]);
    expect(ones.map((r) => r.status)).toEqual([504, 504, 504]);
    for (const r of ones) expect(((await r.json()) as { error: string }).error).toBe('Timeout');
    // The guest was re-created on a fresh worker and serves again, its state fresh.
    expect((await (await h.dispatch('one-00001', 'one1', '/count')).text()).trim()).toBe('1');
  });

  it('keeps state in a reusable instance, and gives each request a fresh one with kedge.dev/instance-per-request', async () => {
    await h.revision('keep-00001', guest);
    const per = await h.revision('fresh-00001', guest);
    per.metadata.annotations = { 'kedge.dev/instance-per-request': 'true' };
    await h.store.update(per);
    expect((await h.start('keep-00001', 'k1')).ok).toBe(true);
    expect((await h.start('fresh-00001', 'f1')).ok).toBe(true);
    const counts = async (rev: string, id: string) => {
      const out: string[] = [];
      for (let i = 0; i < 3; i++) out.push((await (await h.dispatch(rev, id, '/count')).text()).trim());
      return out;
    };
    expect(await counts('keep-00001', 'k1')).toEqual(['1', '2', '3']);
    expect(await counts('fresh-00001', 'f1')).toEqual(['1', '1', '1']);
  });

  it('serves the HTTP entry like the dispatcher, streaming a large body', async () => {
    await h.revision('entry-00001', guest, {}, { TARGET: 'Entry' });
    expect((await h.start('entry-00001', 'e1')).ok).toBe(true);
    const hello = await h.runner.fetch(
      new Request('http://runner/', { headers: { 'kedge-instance': 'e1', 'kedge-proxied': 'true' } }),
    );
    expect(await hello.text()).toBe('Hello Entry!\n');
    const big = await h.runner.fetch(new Request('http://runner/big', { headers: { 'kedge-instance': 'e1' } }));
    let chunks = 0;
    let bytes = 0;
    for await (const c of big.body as unknown as AsyncIterable<Uint8Array>) {
      chunks++;
      bytes += c.length;
    }
    expect(bytes).toBe(256 * 1024);
    expect(chunks).toBeGreaterThan(1);
    const missing = await h.runner.fetch(new Request('http://runner/'));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { message: string }).message).toMatch(/kedge-instance/);
  });

  it('streams a request body into the guest while it reads (no whole-body buffering)', async () => {
    await h.revision('echo-00001', guest);
    expect((await h.start('echo-00001', 'echo1')).ok).toBe(true);
    const small = await h.dispatch('echo-00001', 'echo1', '/echo', { method: 'POST', body: 'ping' });
    expect(await small.text()).toBe('ping');
    // 300 KiB in 10 KiB pieces, each produced only when the runner asks for it.
    const piece = new Uint8Array(10 * 1024).fill(97);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (sent === 30) return c.close();
          sent++;
          c.enqueue(piece);
        },
      },
      { highWaterMark: 0 },
    );
    const res = await h.dispatch('echo-00001', 'echo1', '/echo', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect((await res.arrayBuffer()).byteLength).toBe(300 * 1024);
  });

  it('caps linear memory at resources.limits.memory', async () => {
    // 1 MiB = 16 pages; the guest starts with 1 page, so it can gain 15.
    await h.revision('grow-00001', guest, {}, {}, { resources: { limits: { memory: '1Mi' } } });
    expect((await h.start('grow-00001', 'g1')).ok).toBe(true);
    expect(await (await h.dispatch('grow-00001', 'g1', '/grow')).text()).toBe('15\n');
  });

  it('reports a component that cannot load as not ready, with a reason', async () => {
    await h.revision('broken-00001', new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 0xff, 0xff]));
    const health = await h.waitHealth('broken-00001', (x) => !x.ready);
    expect(health.reason).toBe('InvalidComponent');
    expect(health.message).toMatch(/spec\.containers\[0\]\.image/);
    const reply = await h.start('broken-00001', 'x1');
    expect(reply.ok).toBe(false);
    expect(reply.error).toMatch(/InvalidComponent/);
  });

  it('publishes health ready for a good revision before any instance starts (precompile)', async () => {
    await h.revision('pre-00001', guest);
    expect((await h.waitHealth('pre-00001')).ready).toBe(true);
  });

  it('drains on stop: leaves the endpoints first and loses no request', async () => {
    await h.revision('drain-00001', guest, {}, { TARGET: 'Drain' });
    expect((await h.start('drain-00001', 'd1')).ok).toBe(true);
    const inflight = Array.from({ length: 40 }, () =>
      h.dispatch('drain-00001', 'd1').then(async (r) => [r.status, await r.text()] as const),
    );
    const gone = new Promise<number>((resolve) => {
      const sub = h.bus.subscribe<EndpointsMessage>(subjects.endpoints('test', 'drain-00001'), (m) => {
        if (m.data.endpoints.length) return;
        sub.unsubscribe();
        resolve(m.data.time);
      });
    });
    await h.stop('drain-00001', 'd1');
    const results = await Promise.all(inflight);
    expect(results.every(([s, t]) => s === 200 && t === 'Hello Drain!\n')).toBe(true);
    expect(await gone).toBeGreaterThan(0);
    await expect.poll(async () => statusOf(h.dispatch('drain-00001', 'd1'))).toBe(503);
  });

  it('runs a registry image once the API recorded what it resolved to; a container image goes to the engine', async () => {
    const component = await h.store.blobs.put(guest);
    const rev = await h.revision('oci-00001', undefined, {}, { TARGET: 'OCI' }, { image: '127.0.0.1:5000/hello:v1' });
    // Not resolved yet: nothing to load, and a start says why instead of guessing.
    const early = await h.start('oci-00001', 'oci0');
    expect(early.ok).toBe(false);
    expect(early.error).toContain('ResolvingDigests');

    const ready = h.nextHealth('oci-00001', (x) => x.ready);
    await h.store.update({ ...rev, status: { resolvedImage: { artifactType: WASM_CONFIG, component } } });
    await ready;
    expect((await h.start('oci-00001', 'oci1')).ok).toBe(true);
    expect(await (await h.dispatch('oci-00001', 'oci1')).text()).toBe('Hello OCI!\n');

    const img = await h.revision('img-00001', undefined, {}, {}, { image: '127.0.0.1:5000/app:v1' });
    const failed = h.nextHealth('img-00001', (x) => !x.ready);
    await h.store.update({ ...img, status: { resolvedImage: { artifactType: OCI_IMAGE_CONFIG } } });
    // The container runtime takes it (no registry listens on :5000 here, so its pull fails).
    expect(await failed).toMatchObject({ reason: expect.stringMatching(/^(ErrImagePull|ContainerEngineMissing)$/) });
  });
});

describe('runner: process revisions', () => {
  const h = new RunnerHarness();
  beforeAll(async () => {
    await ensureRunnerBuilt();
    await h.setup({ workers: 1, processRevisions: true });
  });
  afterAll(() => h.teardown());

  it('runs a container command as a local process with PORT and K_* env, and stops it with SIGTERM', async () => {
    await h.revision(
      'node-00001',
      undefined,
      { containerConcurrency: 2 },
      { TARGET: 'Node' },
      { image: 'node:20', command: ['node', HELLO_NODE] },
    );
    const reply = await h.start('node-00001', 'n1');
    expect(reply).toMatchObject({ ok: true });
    expect(reply.timings).toHaveProperty('ready');
    const res = await h.dispatch('node-00001', 'n1');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Hello Node!\n');
    expect(h.endpoints.at(-1)?.endpoints[0]).toMatchObject({ instanceId: 'n1', concurrency: 2 });
    await h.stop('node-00001', 'n1');
    await expect.poll(async () => statusOf(h.dispatch('node-00001', 'n1'))).toBe(503);
  });

  it('kills a process that ignores SIGTERM once the grace period (timeoutSeconds) is over', async () => {
    const pidFile = join(h.dir, 'stubborn.pid');
    const script = `require('fs').writeFileSync(process.env.PIDFILE, String(process.pid)); process.on('SIGTERM', () => {}); require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT, '127.0.0.1')`;
    await h.revision(
      'stubborn-00001',
      undefined,
      { timeoutSeconds: 1 },
      { PIDFILE: pidFile },
      { image: 'x', command: ['node', '-e', script] },
    );
    expect((await h.start('stubborn-00001', 'st1')).ok).toBe(true);
    const pid = Number(await readFile(pidFile, 'utf8'));
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    await h.stop('stubborn-00001', 'st1');
    await expect.poll(alive, { timeout: 5000, interval: 50 }).toBe(false);
  });

  it('waits for an httpGet readinessProbe before the instance is ready', async () => {
    // Not ready for the first two probes; answers how it was probed.
    const script = `let n = 0, ua = ''; require('http').createServer((q, s) => {
      if (q.url === '/ready') { n++; ua = q.headers['user-agent']; s.statusCode = n > 2 ? 200 : 503; return s.end(); }
      s.end(n + ' ' + ua);
    }).listen(process.env.PORT, '127.0.0.1')`;
    await h.revision(
      'probe-00001',
      undefined,
      {},
      {},
      { image: 'x', command: ['node', '-e', script], readinessProbe: { httpGet: { path: '/ready' } } },
    );
    expect((await h.start('probe-00001', 'p1')).ok).toBe(true);
    expect(await (await h.dispatch('probe-00001', 'p1')).text()).toBe('3 kube-probe/kedge');
    await h.stop('probe-00001', 'p1');
  });

  it('probes PORT when the defaulted readinessProbe says port 0 (as the API defaults it)', async () => {
    await h.revision(
      'zero-00001',
      undefined,
      {},
      { TARGET: 'Node' },
      {
        image: 'node:20',
        command: ['node', HELLO_NODE],
        readinessProbe: { tcpSocket: { port: 0 }, successThreshold: 1 },
      },
    );
    expect((await h.start('zero-00001', 'z1')).ok).toBe(true);
    expect(await (await h.dispatch('zero-00001', 'z1')).text()).toBe('Hello Node!\n');
    await h.stop('zero-00001', 'z1');
  });

  it('leaves the runner headers (Kedge-Instance, Kedge-Proxied) out of what the process sees', async () => {
    const script = `require('http').createServer((q, s) => s.end(Object.keys(q.headers).filter((k) => k.startsWith('kedge-') || k === 'x-app').sort().join(',')))
      .listen(process.env.PORT, '127.0.0.1')`;
    await h.revision('hdr-00001', undefined, {}, {}, { image: 'x', command: ['node', '-e', script] });
    expect((await h.start('hdr-00001', 'hd1')).ok).toBe(true);
    const res = await h.runner.fetch(
      new Request('http://runner/', { headers: { 'kedge-instance': 'hd1', 'kedge-proxied': 'true', 'x-app': '1' } }),
    );
    expect(await res.text()).toBe('x-app');
    await h.stop('hdr-00001', 'hd1');
  });

  it('reports a process that never becomes ready', async () => {
    await h.revision('dead-00001', undefined, {}, {}, { image: 'x', command: ['node', '-e', 'process.exit(3)'] });
    const reply = await h.start('dead-00001', 'x1');
    expect(reply.ok).toBe(false);
    expect(reply.error).toMatch(/ProcessNotReady.*exited \(code 3\)/);
  });
});

describe('runner: process revisions while config-features keeps them off', () => {
  const h = new RunnerHarness();
  beforeAll(async () => {
    await ensureRunnerBuilt();
    await h.setup({ workers: 1 });
  });
  afterAll(() => h.teardown());

  it('refuses to start one, its health says why, and starts it once the gate opens', async () => {
    const pidFile = join(h.dir, 'gated.pid');
    const script = `require('fs').writeFileSync(process.env.PIDFILE, String(process.pid)); require('http').createServer((q, s) => s.end('ran')).listen(process.env.PORT, '127.0.0.1')`;
    // Written straight to the store, past the API's admission gate.
    await h.revision(
      'gated-00001',
      undefined,
      {},
      { PIDFILE: pidFile },
      { image: 'x', command: ['node', '-e', script] },
    );
    const health = await h.waitHealth('gated-00001');
    expect(health).toMatchObject({
      ready: false,
      reason: 'ProcessRevisionsDisabled',
      message: expect.stringContaining('kedge.process-revisions: enabled'),
    });

    const refused = await h.start('gated-00001', 'g1');
    expect(refused).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^ProcessRevisionsDisabled: process revisions are disabled/),
    });
    expect(existsSync(pidFile)).toBe(false);
    expect((await h.dispatch('gated-00001', 'g1')).status).toBe(503);

    const healthy = h.waitHealth('gated-00001', (x) => x.ready);
    await h.setProcessRevisions('enabled');
    await healthy;
    expect((await h.start('gated-00001', 'g2')).ok).toBe(true);
    expect(await (await h.dispatch('gated-00001', 'g2')).text()).toBe('ran');
    await h.stop('gated-00001', 'g2');

    const closed = h.nextHealth('gated-00001');
    await h.setProcessRevisions('disabled');
    expect(await closed).toMatchObject({ reason: 'ProcessRevisionsDisabled' });
    expect((await h.start('gated-00001', 'g3')).ok).toBe(false);
  });
});

describe('runner: outbound HTTP from guests', () => {
  const h = new RunnerHarness();
  let upstream: Server;
  let port = 0;
  let guest: Uint8Array;
  beforeAll(async () => {
    await ensureRunnerBuilt();
    upstream = createServer((req, res) => res.end(`upstream says hi to ${req.headers.host}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as { port: number }).port;
    guest = await buildOutboundGuest();
    // The "gateway" here is the same upstream server: it shows which Host a cluster-local call carried.
    await h.setup({ workers: 1, gatewayUrl: `http://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await h.teardown();
    upstream.close();
  });

  const call = async (name: string, upstreamHost: string, annotations: Record<string, string>) => {
    await h.revision(name, guest, {}, { UPSTREAM: upstreamHost }, {}, annotations);
    expect((await h.start(name, `${name}-i`)).ok).toBe(true);
    return (await h.dispatch(name, `${name}-i`)).text();
  };

  it('denies outbound requests by default (HTTP-request-denied)', async () => {
    expect(await call('deny-00001', `127.0.0.1:${port}`, {})).toBe('error 15\n');
  });

  it('lets kedge.dev/outbound: all reach any URL', async () => {
    expect(await call('all-00001', `127.0.0.1:${port}`, { 'kedge.dev/outbound': 'all' })).toBe(
      `upstream says hi to 127.0.0.1:${port}`,
    );
  });

  it('limits cluster-local to {name}.{ns}.svc.cluster.local, sent through the gateway with its Host', async () => {
    expect(await call('local-00001', `127.0.0.1:${port}`, { 'kedge.dev/outbound': 'cluster-local' })).toBe(
      'error 15\n',
    );
    expect(await call('local-00002', 'hello.test.svc.cluster.local', { 'kedge.dev/outbound': 'cluster-local' })).toBe(
      'upstream says hi to hello.test.svc.cluster.local',
    );
  });
});

describe('runner: service-to-service through a co-located gateway', () => {
  const h = new RunnerHarness();
  beforeAll(async () => {
    await ensureRunnerBuilt();
    await h.setup({
      workers: 1,
      gatewayFetch: async (req) =>
        new Response(`gateway routed ${req.method} ${new URL(req.url).pathname} for ${req.headers.get('host')}`),
    });
  });
  afterAll(() => h.teardown());

  it('hands {name}.{ns}.svc.cluster.local requests to the gateway in process', async () => {
    await h.revision(
      's2s-00001',
      await buildOutboundGuest(),
      {},
      { UPSTREAM: 'hello.test.svc.cluster.local' },
      {},
      { 'kedge.dev/outbound': 'cluster-local' },
    );
    expect((await h.start('s2s-00001', 's1')).ok).toBe(true);
    expect(await (await h.dispatch('s2s-00001', 's1')).text()).toBe(
      'gateway routed GET / for hello.test.svc.cluster.local',
    );
  });
});
