import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, subjects, type DecisionMessage, type PokeMessage, type Revision } from '@kedge/core';
import { autoStartOnPoke, type FakeHandler } from './testing/fake-runner.js';
import { harness, routeObject, type Harness } from './testing/harness.js';

const HOST = 'hello.default.example.com';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function revision(
  name: string,
  spec: Partial<Revision['spec']> = {},
  ready?: { status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string },
): Revision {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ image: 'hello.wasm' }], ...spec },
    status: ready ? { conditions: [{ type: 'Ready', ...ready }] } : {},
  };
}

async function body(
  res: Response,
): Promise<{ revision: string; instanceId: string; fromActivator: boolean; headers: Record<string, string> }> {
  return (await res.json()) as never;
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Closed-loop load: `workers` clients, each sending the next request when the last one ended. */
function load(h: Harness, workers: number, host = HOST) {
  let stop = false;
  const statuses = new Map<number, number>();
  const byRevision = new Map<string, number>();
  const path = { activator: 0, direct: 0 };
  let done = 0;
  const waiters: { cond: () => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters])
      if (w.cond()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  const run = async () => {
    while (!stop) {
      const res = await h.request(host);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) {
        const b = await body(res);
        byRevision.set(b.revision, (byRevision.get(b.revision) ?? 0) + 1);
        path[b.fromActivator ? 'activator' : 'direct']++;
      } else await res.text();
      done++;
      check();
    }
  };
  const all = Promise.all(Array.from({ length: workers }, run));
  return {
    statuses,
    byRevision,
    path,
    get done() {
      return done;
    },
    /** Resolves after `n` more requests completed. */
    after(n: number) {
      const target = done + n;
      return new Promise<void>((resolve) => waiters.push({ cond: () => done >= target, resolve }));
    },
    until(cond: () => boolean) {
      return new Promise<void>((resolve) => (cond() ? resolve() : waiters.push({ cond, resolve })));
    },
    async stop() {
      stop = true;
      await all;
    },
  };
}

describe('gateway routing', () => {
  it('splits traffic 90/10 per request', async () => {
    h = await harness();
    h.runner.startInstance('default', 'hello-00001');
    h.runner.startInstance('default', 'hello-00002');
    await h.putRoute(
      routeObject('default', 'hello', [
        { revisionName: 'hello-00001', percent: 90 },
        { revisionName: 'hello-00002', percent: 10 },
      ]),
    );
    const counts = { 'hello-00001': 0, 'hello-00002': 0 } as Record<string, number>;
    for (let i = 0; i < 2000; i++) {
      const res = await h.request(HOST);
      expect(res.status).toBe(200);
      counts[(await body(res)).revision]!++;
    }
    // Binomial(2000, 0.1): mean 200, σ = √(2000·0.1·0.9) ≈ 13.4. ±5σ (133..267) fails by chance
    // with probability < 1e-6, yet catches a broken split (e.g. 50/50 or 100/0) every time.
    expect(counts['hello-00002']).toBeGreaterThanOrEqual(133);
    expect(counts['hello-00002']).toBeLessThanOrEqual(267);
    expect(counts['hello-00001']! + counts['hello-00002']!).toBe(2000);
  });

  it('serves tag hosts at 100 % to their revision, cluster-local names (from inside), and 404 JSON for unknown hosts', async () => {
    h = await harness();
    h.runner.startInstance('default', 'hello-00001');
    h.runner.startInstance('default', 'hello-00002');
    await h.putRoute(
      routeObject('default', 'hello', [
        { revisionName: 'hello-00001', percent: 100, tag: 'current' },
        { revisionName: 'hello-00002', percent: 0, tag: 'candidate' },
      ]),
    );
    for (let i = 0; i < 20; i++) {
      expect((await body(await h.request('candidate-hello.default.example.com'))).revision).toBe('hello-00002');
      expect((await body(await h.request(HOST))).revision).toBe('hello-00001');
    }
    expect((await body(await h.request('current-hello.default.example.com'))).revision).toBe('hello-00001');
    expect((await body(await h.internal('hello.default.svc.cluster.local'))).revision).toBe('hello-00001');
    expect((await body(await h.internal('candidate-hello.default.svc'))).revision).toBe('hello-00002');
    expect((await body(await h.internal(HOST))).revision).toBe('hello-00001');
    const res = await h.request('nope.default.example.com');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ error: expect.any(String), host: 'nope.default.example.com' });
  });

  it('answers 503 JSON for a failed revision, also to requests it was holding', async () => {
    h = await harness();
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const holding = h.request(HOST);
    await h.store.create(
      revision('hello-00001', {}, { status: 'False', reason: 'ContainerMissing', message: 'image not found' }),
    );
    for (const res of [await holding, await h.request(HOST)]) {
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        revision: 'hello-00001',
        reason: expect.stringMatching(/Failed|ContainerMissing/),
      });
    }
  });
});

describe('activator', () => {
  it('holds 50 concurrent requests for a revision at zero, pokes once, and serves all of them', async () => {
    h = await harness({ runner: { startDelayMs: 30 } });
    const pokes: PokeMessage[] = [];
    h.bus.subscribe<PokeMessage>(subjects.pokeAll, (m) => void pokes.push(m.data));
    autoStartOnPoke(h.bus, h.runner);
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const responses = await Promise.all(Array.from({ length: 50 }, () => h!.request(HOST)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const bodies = await Promise.all(responses.map(body));
    expect(bodies.every((b) => b.fromActivator)).toBe(true);
    expect(pokes.length).toBe(1);
    expect(pokes[0]).toMatchObject({ namespace: 'default', revision: 'hello-00001', held: 1 });
    expect(h.runner.instances.size).toBe(1);
    const timing = responses[0]!.headers.get('server-timing') ?? '';
    expect(timing).toMatch(/activator;dur=\d+(\.\d+)?/);
    expect(timing).toMatch(/poke;dur=\d+(\.\d+)?/);
    const text = await h.gateway.metrics();
    expect(text).toMatch(/kedge_activator_cold_starts_total\{[^}]*revision="hello-00001"[^}]*\} 50/);
    expect(text).toMatch(/kedge_gateway_requests_total\{[^}]*code="200"[^}]*\} 50/);
  });

  it('never gives an instance more than containerConcurrency requests while holding the rest', async () => {
    let release = deferred();
    const handler: FakeHandler = async (_req, { instance }) => {
      await release.promise;
      return Response.json({ revision: instance.revision, instanceId: instance.instanceId });
    };
    h = await harness({ runner: { concurrency: 1, handler } });
    const a = h.runner.startInstance('default', 'hello-00001', 'i-a');
    const b = h.runner.startInstance('default', 'hello-00001', 'i-b');
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const all = Array.from({ length: 6 }, () => h!.request(HOST));
    await new Promise((r) => setImmediate(r));
    expect(h.gateway.inspect().revisions[0]).toMatchObject({ held: 4, inFlight: 2 });
    release.resolve();
    // a slot is freed when the response body is done, so read them
    expect(
      await Promise.all(
        all.map(async (p) => {
          const r = await p;
          await r.text();
          return r.status;
        }),
      ),
    ).toEqual(Array(6).fill(200));
    expect(a.maxInFlight).toBe(1);
    expect(b.maxInFlight).toBe(1);
    release = deferred();
  });

  it('overflowing the queue → 503 JSON at once; waiting past timeoutMs → 503 JSON', async () => {
    const clock = new ManualClock(1_000_000);
    h = await harness({ clock, gateway: { activator: { queueSize: 5, timeoutMs: 2_000 } } });
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const pending = Array.from({ length: 8 }, () => h!.request(HOST));
    const overflow = await Promise.all(pending.slice(5));
    for (const res of overflow) {
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toMatchObject({
        revision: 'hello-00001',
        namespace: 'default',
        reason: 'QueueFull',
        error: expect.stringContaining('queue full'),
      });
    }
    expect(h.gateway.inspect().revisions[0]?.held).toBe(5);
    expect(await h.gateway.metrics()).toMatch(/kedge_activator_queue_depth\{[^}]*revision="hello-00001"[^}]*\} 5/);
    clock.advance(2_000);
    for (const res of await Promise.all(pending.slice(0, 5))) {
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ revision: 'hello-00001', reason: 'Timeout' });
    }
  });

  it('reports held concurrency every second as a StatMessage from the activator', async () => {
    const clock = new ManualClock(1_000_000);
    h = await harness({ clock });
    const stats: unknown[] = [];
    h.bus.subscribe(subjects.metricsAll, (m) => void stats.push(m.data));
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const held = [h.request(HOST), h.request(HOST)];
    clock.advance(1_000);
    await new Promise((r) => setImmediate(r));
    expect(stats).toEqual([
      expect.objectContaining({
        namespace: 'default',
        revision: 'hello-00001',
        source: 'gw-test',
        fromActivator: true,
        averageConcurrency: 2,
        requestCount: 2,
      }),
    ]);
    h.runner.startInstance('default', 'hello-00001');
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('answers 504 JSON when the revision timeout passes before the response starts', async () => {
    const clock = new ManualClock(1_000_000);
    const entered = deferred();
    const release = deferred();
    h = await harness({
      clock,
      runner: {
        handler: async () => {
          entered.resolve();
          await release.promise;
          return new Response('late');
        },
      },
    });
    await h.store.create(revision('hello-00001', { timeoutSeconds: 3 }, { status: 'True' }));
    h.runner.startInstance('default', 'hello-00001');
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const res = h.request(HOST);
    await entered.promise;
    clock.advance(3_000);
    const r = await res;
    expect(r.status).toBe(504);
    expect(await r.json()).toMatchObject({ revision: 'hello-00001', reason: 'Timeout', timeoutSeconds: 3 });
    release.resolve();
  });
});

describe('Serve mode', () => {
  it('releases what the activator holds the moment the autoscaler takes it out of the path', async () => {
    const release = deferred();
    const handler: FakeHandler = async (_req, { instance, fromActivator }) => {
      await release.promise;
      return Response.json({ revision: instance.revision, instanceId: instance.instanceId, fromActivator });
    };
    h = await harness({ runner: { concurrency: 1, handler } });
    const inst = h.runner.startInstance('default', 'hello-00001');
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    await h.bus.flush();
    const all = Array.from({ length: 3 }, () => h!.request(HOST));
    await new Promise((r) => setImmediate(r));
    expect(h.gateway.inspect().revisions[0]).toMatchObject({ mode: 'Proxy', held: 2, inFlight: 1 });
    const d: DecisionMessage = {
      namespace: 'default',
      revision: 'hello-00001',
      desiredScale: 1,
      excessBurstCapacity: 5,
      mode: 'Serve',
      time: Date.now(),
    };
    h.bus.publish(subjects.decision('default', 'hello-00001'), d);
    await h.bus.flush();
    await new Promise((r) => setImmediate(r));
    // the runner's queue, not the activator, now decides who waits
    expect(h.gateway.inspect().revisions[0]).toMatchObject({ mode: 'Serve', held: 0, inFlight: 3 });
    expect(inst.inFlight).toBe(3);
    release.resolve();
    const res = await Promise.all(all);
    expect(res.map((r) => r.status)).toEqual([200, 200, 200]);
    // a new request goes direct: not marked as forwarded by the activator
    expect((await body(await h.request(HOST))).fromActivator).toBe(false);
  });
});

describe('retries', () => {
  it('sends a request on to another instance when the runner says the chosen one is gone', async () => {
    h = await harness({ runner: { concurrency: 1 } });
    const gone = h.runner.startInstance('default', 'hello-00001', 'a-gone');
    h.runner.startInstance('default', 'hello-00001', 'b-live');
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    await h.bus.flush();
    // stopped without the endpoints update having reached the gateway yet (the race a drain can hit)
    h.runner.instances.delete(gone.instanceId);
    const res = await h.request(HOST);
    expect(res.status).toBe(200);
    expect((await body(res)).instanceId).toBe('b-live');
  });
});

describe('rollouts and the activator in/out of the path under load', () => {
  it('moves traffic A → B (B from zero) and retires A with zero non-2xx', async () => {
    h = await harness({ runner: { startDelayMs: 20 } });
    autoStartOnPoke(h.bus, h.runner);
    const a = h.runner.startInstance('default', 'hello-00001');
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const l = load(h, 8);
    await l.after(100);
    await h.putRoute(
      routeObject('default', 'hello', [
        { revisionName: 'hello-00001', percent: 50 },
        { revisionName: 'hello-00002', percent: 50 },
      ]),
    );
    await l.until(() => (l.byRevision.get('hello-00002') ?? 0) >= 50);
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00002', percent: 100 }]));
    await l.after(100);
    await h.runner.stopInstance(a.instanceId);
    await l.after(100);
    await l.stop();
    expect([...l.statuses.keys()]).toEqual([200]);
    expect(l.byRevision.get('hello-00002')).toBeGreaterThanOrEqual(150);
  });

  it('switches Proxy ↔ Serve ten times under load with zero non-2xx', async () => {
    h = await harness({ runner: { concurrency: 2 } });
    h.runner.startInstance('default', 'hello-00001');
    h.runner.startInstance('default', 'hello-00001');
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const l = load(h, 10);
    for (let i = 0; i < 10; i++) {
      const mode = i % 2 === 0 ? 'Serve' : 'Proxy';
      const d: DecisionMessage = {
        namespace: 'default',
        revision: 'hello-00001',
        desiredScale: 2,
        excessBurstCapacity: mode === 'Serve' ? 1 : -1,
        mode,
        time: Date.now(),
      };
      h.bus.publish(subjects.decision('default', 'hello-00001'), d);
      await l.after(40);
      const rev = h.gateway.inspect().revisions[0]!;
      expect(rev.mode).toBe(mode);
    }
    await l.stop();
    expect([...l.statuses.keys()]).toEqual([200]);
    // both paths were really taken, on both instances
    expect(l.path.activator).toBeGreaterThan(0);
    expect(l.path.direct).toBeGreaterThan(0);
    for (const inst of h.runner.instances.values()) expect(inst.served).toBeGreaterThan(0);
  });
});

describe('deleted revisions', () => {
  const gone = (revision: string) => ({
    revision,
    reason: 'RevisionMissing',
    message: `Error getting active endpoint: revisions.serving.knative.dev "${revision}" not found`,
  });

  // On a ManualClock nothing held ever times out: a request that answers was answered without waiting.
  it('answers 503 JSON at once for a revision deleted while the Route still sends it traffic, and serves the rest', async () => {
    h = await harness({ clock: new ManualClock(1_000_000) });
    await h.store.create(revision('hello-00001'));
    await h.store.create(revision('hello-00002'));
    h.runner.startInstance('default', 'hello-00001');
    await h.putRoute(
      routeObject('default', 'hello', [
        { revisionName: 'hello-00001', percent: 50 },
        { revisionName: 'hello-00002', percent: 50 },
      ]),
    );
    await h.store.delete('Revision', 'default', 'hello-00002');

    const seen = new Map<number, number>();
    for (let i = 0; i < 40; i++) {
      const res = await h.request(HOST);
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      if (res.status === 503) {
        expect(res.headers.get('content-type')).toContain('application/json');
        expect(await res.json()).toMatchObject(gone('hello-00002'));
      } else expect((await body(res)).revision).toBe('hello-00001');
    }
    expect([...seen.keys()].sort()).toEqual([200, 503]);
    expect(h.gateway.inspect().revisions.find((r) => r.key === 'default/hello-00002')?.held ?? 0).toBe(0);
  });

  it('answers 503 at once when every routed revision was deleted before the gateway started (Route: RevisionMissing)', async () => {
    h = await harness({ clock: new ManualClock(1_000_000) });
    const route = routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]);
    route.status!.conditions = [
      {
        type: 'AllTrafficAssigned',
        status: 'False',
        reason: 'RevisionMissing',
        message: 'Revision "hello-00001" referenced in traffic not found.',
      },
    ];
    await h.putRoute(route);
    const res = await h.request(HOST);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject(gone('hello-00001'));

    // The revision comes back (re-applied): the same Route serves it again.
    await h.store.create(revision('hello-00001'));
    h.runner.startInstance('default', 'hello-00001');
    const again = await h.request(HOST);
    expect(again.status).toBe(200);
    expect((await body(again)).revision).toBe('hello-00001');
  });
});
