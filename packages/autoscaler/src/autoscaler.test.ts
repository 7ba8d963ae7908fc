import {
  BusError,
  type SqliteStore,
  silentLogger,
  subjects,
  type AdminScaleReply,
  type PodAutoscaler,
  type Revision,
  type ServerlessService,
} from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { FakeRunner, settle } from '../test-support/fake-runner.js';
import { autoscalerWorlds, podAutoscalerOf } from '../test-support/world.js';
import { createAutoscaler } from './autoscaler.js';

const T0 = 5_000_000;
const NS = 'default';

const revision = (name: string, annotations: Record<string, string> = {}): Revision => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: { name, namespace: NS, annotations, labels: { 'serving.knative.dev/configuration': 'hello' } },
  spec: { containers: [{ image: 'node', command: ['node', 'server.js'] }], containerConcurrency: 0 },
});

const world = autoscalerWorlds('kedge-as-');

async function setup(nodes?: { id: string; capacity: number }[]) {
  const w = await world({ t0: T0, nodes });
  const { clock, runners, as } = w;
  /** Moves the clock a second at a time, letting the bus and the writes catch up after each. */
  const advance = async (ms: number) => {
    for (let left = ms; left > 0; left -= 1000) {
      clock.advance(Math.min(1000, left));
      await settle();
    }
    await as.idle();
  };
  /** Starts the autoscaler and lets the runners announce themselves (their first heartbeat predates it). */
  const start = async () => {
    await as.start();
    for (const r of runners) r.heartbeat();
    await settle();
    // The autoscaler listens for peers and nodes for 1.5 s before acting; T0+2 s is also its first tick.
    await advance(2000);
  };
  return { ...w, advance, start };
}

/** A world whose autoscaler has started with one revision, hello-00001, stored before it. */
async function helloStarted() {
  const w = await setup();
  await w.store.create(revision('hello-00001'));
  await w.start();
  return w;
}

const pa = (store: SqliteStore, name: string) => store.get<PodAutoscaler>('PodAutoscaler', NS, name);
const sks = (store: SqliteStore, name: string) => store.get<ServerlessService>('ServerlessService', NS, name);
const cond = (p: PodAutoscaler | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);

describe('createAutoscaler (MemoryBus + SqliteStore + ManualClock, fake runner on the bus)', () => {
  it('starts a new revision at initial scale and writes its PodAutoscaler and ServerlessService', async () => {
    const { store, runner, decisions } = await helloStarted();
    expect(runner.of(NS, 'hello-00001')).toHaveLength(1);
    const p = await pa(store, 'hello-00001');
    expect(p?.spec.scaleTargetRef).toEqual({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      name: 'hello-00001',
    });
    expect(p?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Revision', name: 'hello-00001', controller: true });
    expect(p?.status).toMatchObject({ actualScale: 1 });
    expect(cond(p, 'Active')?.status).toBe('True');
    expect(cond(p, 'Ready')?.status).toBe('True');
    const s = await sks(store, 'hello-00001');
    // One instance × 100 + TBC 211 over activator capacity 100 → 4 activators; EBC < 0 → Proxy.
    expect(s?.spec).toMatchObject({ mode: 'Proxy', numActivators: 4 });
    expect(s?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'PodAutoscaler',
      name: 'hello-00001',
      uid: p?.metadata.uid,
    });
    expect(decisions.at(-1)).toMatchObject({ namespace: NS, revision: 'hello-00001', desiredScale: 1, mode: 'Proxy' });
  });

  it('updates a PodAutoscaler the api created, keeping its spec', async () => {
    const { store, start } = await setup();
    const rev = await store.create(revision('hello-00001'));
    await store.create(
      podAutoscalerOf(rev, {
        spec: {
          scaleTargetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', name: 'hello-00001' },
          reachability: 'Reachable',
          protocolType: 'h2c',
        },
      }),
    );
    await start();
    const p = await pa(store, 'hello-00001');
    expect(p?.spec).toMatchObject({ reachability: 'Reachable', protocolType: 'h2c' });
    expect(p?.status?.actualScale).toBe(1);
    expect((await sks(store, 'hello-00001'))?.spec.protocolType).toBe('h2c');
  });

  it('admin scale to 0 stops everything at once and replies after the runner confirmed; a poke brings it back before any tick', async () => {
    const { store, bus, runner, as, clock } = await helloStarted();
    expect(runner.of(NS, 'hello-00001')).toHaveLength(1);

    const reply = await bus.request<AdminScaleReply>(subjects.adminScale(NS, 'hello-00001'), { to: 0 });
    expect(reply).toEqual({ ok: true, stopped: 1 });
    expect(runner.of(NS, 'hello-00001')).toHaveLength(0);
    await as.idle();
    let p = await pa(store, 'hello-00001');
    expect(p?.status).toMatchObject({ desiredScale: 0, actualScale: 0 });
    expect(cond(p, 'Active')).toMatchObject({
      status: 'False',
      reason: 'NoTraffic',
      message: 'The target is not receiving traffic.',
    });

    // Ticks with no load keep it at zero (the load history was forgotten).
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await settle();
    }
    expect(runner.starts).toHaveLength(1);

    const before = clock.now();
    bus.publish(subjects.poke(NS, 'hello-00001'), { namespace: NS, revision: 'hello-00001', held: 1, time: before });
    await settle();
    expect(runner.starts.map((s) => s.at)).toEqual([T0 + 2000, before]);
    expect(runner.of(NS, 'hello-00001')).toHaveLength(1);
    await as.idle();
    p = await pa(store, 'hello-00001');
    expect(p?.status).toMatchObject({ desiredScale: 1, actualScale: 1 });
    expect(cond(p, 'Active')?.status).toBe('True');
  });

  it('a poke right after an admin scale to 0, in the same second as the previous poke, places at once', async () => {
    const { bus, runner, clock } = await helloStarted();
    await bus.request(subjects.adminScale(NS, 'hello-00001'), { to: 0 });
    await settle();
    const poke = () =>
      bus.publish(subjects.poke(NS, 'hello-00001'), {
        namespace: NS,
        revision: 'hello-00001',
        held: 1,
        time: clock.now(),
      });
    poke();
    await settle();
    expect(runner.of(NS, 'hello-00001').length).toBeGreaterThan(0);
    const startsBefore = runner.starts.length;

    // Same clock second: the previous poke's stat went with the forgotten windows, so this one counts again.
    clock.advance(10);
    await bus.request(subjects.adminScale(NS, 'hello-00001'), { to: 0 });
    await settle();
    expect(runner.of(NS, 'hello-00001')).toHaveLength(0);
    const at = clock.now();
    poke();
    await settle();
    expect(runner.starts.length).toBeGreaterThan(startsBefore);
    expect(runner.starts.at(-1)?.at).toBe(at);
    expect(runner.of(NS, 'hello-00001').length).toBeGreaterThan(0);
  });

  it('after an admin scale to 0, the activator report of the second before it does not start the revision again', async () => {
    const { bus, runner, clock } = await helloStarted();
    await bus.request(subjects.adminScale(NS, 'hello-00001'), { to: 0 });
    await settle();
    const startsBefore = runner.starts.length;
    const report = (time: number) =>
      bus.publish(subjects.metrics(NS, 'hello-00001'), {
        namespace: NS,
        revision: 'hello-00001',
        source: 'gw-1',
        fromActivator: true,
        averageConcurrency: 0.9,
        requestCount: 1,
        time,
      });

    // The gateway's once-a-second report lands just after the scale-down, carrying the request before it.
    clock.advance(300);
    report(clock.now());
    await settle();
    expect(runner.starts).toHaveLength(startsBefore);
    expect(runner.of(NS, 'hello-00001')).toHaveLength(0);

    // The next report covers only time after the scale-down: load again, so the revision comes back at once.
    clock.advance(1000);
    const t = clock.now();
    report(t);
    await settle();
    expect(runner.starts.at(-1)?.at).toBe(t);
    expect(runner.of(NS, 'hello-00001').length).toBeGreaterThan(0);
  });

  it('admin scale refuses anything but { to: 0 } and unknown revisions', async () => {
    const { bus } = await helloStarted();
    expect(await bus.request(subjects.adminScale(NS, 'hello-00001'), { to: 3 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^to: /),
    });
    expect(await bus.request(subjects.adminScale(NS, 'nope'), { to: 0 })).toMatchObject({
      ok: false,
      error: expect.stringContaining('not found'),
    });
  });

  it('an idle revision goes Inactive after the stable window and to zero right after (activator already in path)', async () => {
    const { store, runner, as, advance } = await helloStarted();
    // No traffic: the autoscaler records zeros for the ready instance each second; desired 0 from the first tick,
    // but the PA keeps 1 instance until it has been Active for the 60 s stable window.
    await advance(58_000);
    expect(runner.of(NS, 'hello-00001')).toHaveLength(1);
    await advance(2_000);
    expect(as.state(NS, 'hello-00001')?.pa.active).toBe('False');
    await advance(2_000);
    expect(runner.of(NS, 'hello-00001')).toHaveLength(0);
    expect(cond(await pa(store, 'hello-00001'), 'Ready')).toMatchObject({ status: 'False', reason: 'NoTraffic' });
  });

  it('follows config-autoscaler from the Store and keeps the previous config when a new one is invalid', async () => {
    const { store, as, start } = await setup();
    await start();
    const cm = await store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-autoscaler', namespace: 'knative-serving' },
      data: { 'stable-window': '30s', 'enable-scale-to-zero': 'false' },
    });
    expect(as.config).toMatchObject({ stableWindow: 30, enableScaleToZero: false });
    await store.update({ ...cm, data: { 'stable-window': '5s' } });
    expect(as.config.stableWindow).toBe(30);
    await store.delete('ConfigMap', 'knative-serving', 'config-autoscaler');
    expect(as.config.stableWindow).toBe(60);
  });

  it('min-scale keeps instances with scale-to-zero; enable-scale-to-zero false keeps one', async () => {
    const { store, runner, advance, start } = await setup();
    await store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-autoscaler', namespace: 'knative-serving' },
      data: { 'enable-scale-to-zero': 'false' },
    });
    await store.create(revision('a-00001', { 'autoscaling.knative.dev/min-scale': '2' }));
    await store.create(revision('b-00001'));
    await start();
    await advance(120_000);
    expect(runner.of(NS, 'a-00001')).toHaveLength(2);
    expect(runner.of(NS, 'b-00001')).toHaveLength(1);
  });

  it('re-places instances when their node leaves', async () => {
    const { store, bus, clock, runner, advance, start, defer } = await setup([{ id: 'node-1', capacity: 10 }]);
    await store.create(revision('hello-00001', { 'autoscaling.knative.dev/min-scale': '2' }));
    await start();
    expect(runner.of(NS, 'hello-00001')).toHaveLength(2);
    const node2 = new FakeRunner(bus, clock, 'node-2', 10).start();
    defer(() => node2.kill());
    await settle();
    runner.kill();
    // Heartbeats stop; after 5 s of silence node-1 is gone and both instances go to node-2.
    await advance(5_000);
    expect(node2.of(NS, 'hello-00001')).toHaveLength(0);
    await advance(1_000);
    expect(node2.of(NS, 'hello-00001')).toHaveLength(2);
  });

  it('places on the node with most free capacity and stops a deleted revision', async () => {
    const { store, runners, as, start } = await setup([
      { id: 'node-1', capacity: 1 },
      { id: 'node-2', capacity: 3 },
    ]);
    await store.create(revision('a-00001', { 'autoscaling.knative.dev/min-scale': '3' }));
    await start();
    expect(runners[1]!.of(NS, 'a-00001')).toHaveLength(2);
    expect(runners[0]!.of(NS, 'a-00001')).toHaveLength(1);
    await as.idle();
    await store.delete('Revision', NS, 'a-00001');
    await settle();
    expect(runners[0]!.instances.size + runners[1]!.instances.size).toBe(0);
    expect(await sks(store, 'a-00001')).toBeUndefined();
  });

  it('a failing start is retried with backoff, not hammered, and the PodAutoscaler says why', async () => {
    const { store, bus, clock, advance, start } = await setup([]);
    let attempts = 0;
    bus.subscribe(subjects.runnerStart('bad'), (m) => {
      attempts++;
      const error = 'CompileFailed: Container failed with: not a component';
      m.respond?.({ ok: false, instanceId: (m.data as { instanceId: string }).instanceId, error });
    });
    // The heartbeat of node `bad`, whose every start fails.
    const badNode = () =>
      bus.publish(subjects.nodeHeartbeat, {
        nodeId: 'bad',
        url: 'x',
        capacity: 5,
        instances: {},
        time: clock.now(),
        startedAt: 1,
        version: 't',
      });
    await store.create(revision('a-00001'));
    await start();
    badNode();
    await settle();
    expect(attempts).toBe(1);
    // Backoff 1 s, 2 s, 4 s… while ticks come every 2 s (the node stays alive).
    for (let i = 0; i < 8; i++) {
      badNode();
      await advance(1000);
    }
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(5);
    // Not "Queued": the PA is not ready, with the runner's reason (kubectl get kpa shows it).
    const failed = await pa(store, 'a-00001');
    expect(cond(failed, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'CompileFailed',
      message: 'Container failed with: not a component',
    });
    expect(cond(failed, 'Active')).toMatchObject({ status: 'False', reason: 'CompileFailed' });
    expect(cond(failed, 'ScaleTargetInitialized')).toMatchObject({ status: 'False', reason: 'CompileFailed' });
    await expect(bus.request(subjects.runnerStart('nobody'), {}, { timeoutMs: 10 })).rejects.toBeInstanceOf(BusError);
  });

  it('two replicas split the revisions without double placement, and one takes over when the other stops', async () => {
    const { store, bus, clock, runner, as, advance, start, defer } = await setup();
    const as2 = createAutoscaler({ store, bus, clock, logger: silentLogger, id: 'as-2', statusWriteDelayMs: 0 });
    defer(() => as2.stop());
    const names = Array.from({ length: 8 }, (_, i) => `r${i}-00001`);
    for (const n of names) await store.create(revision(n));
    await as2.start();
    await start();
    for (const n of names) expect(runner.of(NS, n)).toHaveLength(1);
    const ownedBy2 = names.filter((n) => as2.state(NS, n)?.owned);
    expect(ownedBy2.length).toBeGreaterThan(0);
    expect(ownedBy2.length).toBeLessThan(names.length);
    for (const n of names) expect(as.state(NS, n)?.owned).toBe(!ownedBy2.includes(n));

    await as2.stop();
    await advance(7000);
    for (const n of names) expect(as.state(NS, n)?.owned).toBe(true);
    const victim = ownedBy2[0]!;
    expect(await bus.request(subjects.adminScale(NS, victim), { to: 0 })).toEqual({ ok: true, stopped: 1 });
    for (const n of names) expect(runner.of(NS, n)).toHaveLength(n === victim ? 0 : 1);
    expect(runner.starts).toHaveLength(names.length);
  });

  it('repeats its decisions when a gateway (re)starts', async () => {
    const { bus, as, decisions } = await helloStarted();
    const n = decisions.length;
    expect(n).toBeGreaterThan(0);
    bus.publish(subjects.endpointsResync, { gatewayId: 'gw-new', time: 0 });
    await settle();
    expect(decisions.slice(n)).toEqual([
      expect.objectContaining({ revision: 'hello-00001', desiredScale: 1, mode: 'Proxy' }),
    ]);
    expect(as.state(NS, 'hello-00001')?.owned).toBe(true);
  });

  it('after a restart adopts the running instances and, like Knative, holds their count in panic', async () => {
    const { store, bus, clock, runner, as, advance, start } = await setup();
    const rev = await store.create(revision('hello-00001'));
    const since = new Date(T0 - 600_000).toISOString();
    await store.create(
      podAutoscalerOf(rev, {
        spec: { scaleTargetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', name: 'hello-00001' } },
        status: {
          desiredScale: 3,
          actualScale: 3,
          conditions: [
            { type: 'Active', status: 'True', lastTransitionTime: since },
            { type: 'ScaleTargetInitialized', status: 'True', lastTransitionTime: since },
          ],
        },
      }),
    );
    for (const id of ['old-1', 'old-2', 'old-3']) runner.instances.set(id, { namespace: NS, revision: 'hello-00001' });
    await start();
    expect(runner.starts).toHaveLength(0);
    expect(as.state(NS, 'hello-00001')?.decider.inPanicMode()).toBe(true);
    // 10 in flight in total: alone that is 1 instance (and at most halving per tick), but the panic
    // the decider started in keeps 3 until a stable window has passed.
    for (let i = 0; i < 30; i++) {
      for (const id of runner.of(NS, 'hello-00001'))
        bus.publish(subjects.metrics(NS, 'hello-00001'), {
          namespace: NS,
          revision: 'hello-00001',
          source: id,
          averageConcurrency: 10 / 3,
          requestCount: 10,
          time: clock.now(),
        });
      await advance(1000);
    }
    expect(runner.of(NS, 'hello-00001')).toHaveLength(3);
    expect(runner.stops).toHaveLength(0);
  });

  it('multiscaler: before any decision DesiredScale is −1 and EBC = initialScale × total − TBC', async () => {
    const { store, as, start } = await setup([]);
    await store.create(revision('hello-00001'));
    await store.create(revision('tbc0-00001', { 'autoscaling.knative.dev/target-burst-capacity': '0' }));
    await start();
    expect(as.state(NS, 'hello-00001')).toMatchObject({ desiredScale: -1, ebc: 1 * 100 - 211, mode: 'Proxy' });
    expect(as.state(NS, 'tbc0-00001')).toMatchObject({ desiredScale: -1, ebc: 0 });
  });

  it('multiscaler: a non-zero stat for a revision at zero decides at once, like a poke', async () => {
    const { store, bus, clock, runner, as, start, decisions } = await setup();
    await store.create(revision('hello-00001', { 'autoscaling.knative.dev/target-burst-capacity': '0' }));
    await start();
    await bus.request(subjects.adminScale(NS, 'hello-00001'), { to: 0 });
    await settle();
    // A report whose second opened after the scale-down (earlier ones are the forgotten history).
    clock.advance(1000);
    await settle();
    const t = clock.now();
    bus.publish(subjects.metrics(NS, 'hello-00001'), {
      namespace: NS,
      revision: 'hello-00001',
      source: 'gw-1',
      fromActivator: true,
      averageConcurrency: 1,
      requestCount: 1,
      time: t,
    });
    await settle();
    expect(runner.starts.at(-1)?.at).toBe(t);
    // Knative's kpa.go: TBC 0 gives EBC 0, so Serve as soon as an instance is ready (before that the SKS keeps Proxy).
    expect(as.state(NS, 'hello-00001')).toMatchObject({ desiredScale: 1, ebc: 0, mode: 'Serve', ready: 1 });
    expect(decisions.slice(-2).map((d) => [d.desiredScale, d.mode])).toEqual([
      [1, 'Proxy'],
      [1, 'Serve'],
    ]);
    await as.idle();
    expect((await sks(store, 'hello-00001'))?.spec).toMatchObject({ mode: 'Serve', numActivators: 2 });
  });

  it('a capacity poke (requests held behind full instances) asks for what the held concurrency needs, before any tick', async () => {
    const { store, bus, clock, runner, as, start, advance, decisions } = await setup();
    const rev = revision('sleep-00001');
    await store.create({ ...rev, spec: { ...rev.spec, containerConcurrency: 10 } });
    await start();
    // One idle instance for longer than the panic window (6 s): its zeros fill every bucket.
    await advance(8000);
    expect(runner.of(NS, 'sleep-00001')).toHaveLength(1);
    const stat = (averageConcurrency: number) =>
      bus.publish(subjects.metrics(NS, 'sleep-00001'), {
        namespace: NS,
        revision: 'sleep-00001',
        source: 'gw-1',
        fromActivator: true,
        averageConcurrency,
        requestCount: 400,
        time: clock.now(),
      });
    // Knative's path alone: the activator's report of 50 in flight is one second among six, so the
    // tick sees a panic average of 50 / 6 ≈ 8.3 → ceil(8.3 / 7) = 2 instances, and ramps from there.
    stat(50);
    await settle();
    as.tick();
    await settle();
    expect(as.state(NS, 'sleep-00001')).toMatchObject({ desiredScale: 2 });
    // The same moment with the activator's capacity poke: 50 carried (30 held behind 2 × 10 slots)
    // → ceil(50 / 7) = 8 at once, in panic, with no tick in between.
    const ticks = decisions.length;
    bus.publish(subjects.poke(NS, 'sleep-00001'), {
      namespace: NS,
      revision: 'sleep-00001',
      held: 30,
      concurrency: 50,
      time: clock.now(),
    });
    await settle();
    expect(as.state(NS, 'sleep-00001')).toMatchObject({ desiredScale: 8, replicas: 8 });
    expect(as.state(NS, 'sleep-00001')?.decider.inPanicMode()).toBe(true);
    expect(runner.of(NS, 'sleep-00001')).toHaveLength(8);
    expect(decisions.slice(ticks).at(-1)).toMatchObject({ desiredScale: 8 });
    // The floor is not recorded: the next tick's windows hold only the reports, and panic keeps the 8.
    await advance(2000);
    expect(as.state(NS, 'sleep-00001')?.decider.last?.dppc).toBeLessThan(8);
    expect(as.state(NS, 'sleep-00001')).toMatchObject({ replicas: 8 });
  });

  it('a poke without held news (no concurrency) for a revision that has instances changes nothing', async () => {
    const { store, bus, clock, runner, as, start, advance } = await setup();
    const rev = revision('sleep-00001');
    await store.create({ ...rev, spec: { ...rev.spec, containerConcurrency: 10 } });
    await start();
    await advance(8000);
    bus.publish(subjects.poke(NS, 'sleep-00001'), {
      namespace: NS,
      revision: 'sleep-00001',
      held: 30,
      time: clock.now(),
    });
    await settle();
    expect(as.state(NS, 'sleep-00001')).toMatchObject({ replicas: 1 });
    expect(runner.of(NS, 'sleep-00001')).toHaveLength(1);
  });

  it('stops instances of revisions that no longer exist (deleted while it was down), but only after discovery', async () => {
    const { runner, as, clock } = await setup();
    runner.instances.set('ghost-1', { namespace: NS, revision: 'gone-00001' });
    await as.start();
    runner.heartbeat();
    await settle();
    expect(runner.stops).toHaveLength(0);
    clock.advance(2000);
    await settle();
    expect(runner.stops.map((s) => s.instanceId)).toEqual(['ghost-1']);
  });
});
