import { subjects, type PodAutoscaler, type Revision, type StatMessage } from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { settle } from '../test-support/fake-runner.js';
import { autoscalerWorlds, type AutoscalerWorld } from '../test-support/world.js';

/**
 * `hey -z 30s -c 50` against one revision, through the real collector, decider, PA scaler and
 * placement, with a ManualClock. The load is modelled as 50 requests always in flight for 30 s:
 * while the activator is in the path (SKS Proxy) it reports 50 and every queue reports its share
 * of 50 as proxied; in Serve mode only the queues report. All reports land mid-second (x.5 s);
 * the autoscaler ticks on even seconds from its start at T0.
 */
const T0 = 1_000_000;
const at = (sec: number) => T0 + sec * 1000;
const NS = 'default';
const REV = 'hello-00001';

interface Sim extends AutoscalerWorld {
  /** Advances to `sec` (since T0) in half-second steps, reporting load for each second. */
  until(sec: number, onTick?: (sec: number) => void): Promise<void>;
}

const world = autoscalerWorlds('kedge-sim-');

async function simulate(opts: {
  containerConcurrency: number;
  annotations?: Record<string, string>;
  loadFrom: number;
  loadSeconds: number;
}): Promise<Sim> {
  const revision: Revision = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      name: REV,
      namespace: NS,
      annotations: { 'autoscaling.knative.dev/initial-scale': '0', ...opts.annotations },
    },
    spec: {
      containers: [{ image: 'node', command: ['node', 'server.js'] }],
      containerConcurrency: opts.containerConcurrency,
    },
  };
  const w = await world({
    t0: T0,
    nodes: [{ id: 'node-1', capacity: 20 }],
    objects: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'config-autoscaler', namespace: 'knative-serving' },
        // Everything at Knative's defaults, except that the revision may start at zero (it is cold when hey starts).
        data: { 'allow-zero-initial-scale': 'true' },
      },
      revision,
    ],
  });
  const { clock, bus, runner, as, decisions } = w;
  await as.start();
  await settle();

  const mode = () => decisions.at(-1)?.mode ?? 'Proxy';
  const report = (sec: number) => {
    const inLoad = sec >= opts.loadFrom && sec < opts.loadFrom + opts.loadSeconds;
    const ids = runner.of(NS, REV);
    const viaActivator = ids.length === 0 || mode() === 'Proxy';
    const stat = (o: Partial<StatMessage>): StatMessage => ({
      namespace: NS,
      revision: REV,
      source: 'x',
      averageConcurrency: 0,
      requestCount: 0,
      time: clock.now(),
      ...o,
    });
    if (inLoad && viaActivator)
      bus.publish(
        subjects.metrics(NS, REV),
        stat({ source: 'activator-1', fromActivator: true, averageConcurrency: 50, requestCount: 500 }),
      );
    for (const id of ids) {
      const share = inLoad ? 50 / ids.length : 0;
      const proxied = viaActivator ? share : 0;
      bus.publish(
        subjects.metrics(NS, REV),
        stat({
          source: id,
          averageConcurrency: share,
          averageProxiedConcurrency: proxied,
          requestCount: share * 10,
          proxiedRequestCount: proxied * 10,
        }),
      );
    }
  };

  let poked = false;
  return {
    ...w,
    async until(sec, onTick) {
      while (clock.now() < at(sec)) {
        const next = Math.floor(clock.now() / 500) * 500 + 500;
        const pokeAt = at(opts.loadFrom) + 250;
        if (!poked && next > pokeAt) {
          // hey's first requests reach the activator a quarter second into the load: it holds them and pokes.
          poked = true;
          clock.advanceTo(pokeAt);
          bus.publish(subjects.poke(NS, REV), { namespace: NS, revision: REV, held: 50, time: clock.now() });
          await settle();
          continue;
        }
        clock.advanceTo(next);
        const ms = clock.now() - T0;
        if (ms % 1000 === 500) report(Math.floor(ms / 1000));
        await settle();
        if (ms % 2000 === 0) onTick?.(ms / 1000);
      }
    },
  };
}

// Knative's autoscaling walkthrough drives a service with `hey -z 30s -c 50`
// (https://knative.dev/docs/serving/autoscaling/autoscale-go/).
describe('simulation: hey -z 30s -c 50 against one revision', () => {
  it('containerConcurrency 0, Knative defaults: one instance at once, steady, zero a stable window after the load', async () => {
    const sim = await simulate({ containerConcurrency: 0, loadFrom: 10, loadSeconds: 30 });
    const rev = () => sim.as.state(NS, REV)!;
    // initial-scale 0: nothing runs before the load.
    await sim.until(10);
    expect(sim.runner.of(NS, REV)).toHaveLength(0);
    expect(rev().pa.active).toBe('False');

    // t=10.25 poke → the activator's first-request stat (concurrency 1) is the only sample:
    // stable = panic = 1 (young revision: averaged over its one second) → ceil(1/70) = 1 pod,
    // decided and started at once, not at the next 2 s tick.
    await sim.until(11);
    expect(sim.runner.starts.map((s) => s.at)).toEqual([at(10) + 250]);
    expect(rev().pa.active).toBe('True');

    // During the load the revision total is 50 (activator 50 + queue 50 − 50 proxied): stable ≤ 51,
    // ceil(51/70) = 1; panic: ceil(50/70)/1 = 1 < 2 → never panics. EBC = floor(1×100 − 211 − 50) < 0,
    // so the activator stays in the path (Proxy) the whole time.
    await sim.until(40, () => {
      expect(rev().desiredScale).toBe(1);
      expect(rev().decider.inPanicMode()).toBe(false);
      expect(rev().mode).toBe('Proxy');
      expect(sim.runner.of(NS, REV)).toHaveLength(1);
    });
    expect(sim.runner.starts).toHaveLength(1);

    // Load ends after second 39. The 60 s stable window still holds second 39 at t=98 (seconds 39..97),
    // and is all zeros from t=100 (seconds 41..99): the decider wants 0 at the t=100 tick.
    await sim.until(99);
    expect(rev().desiredScale).toBe(1);
    await sim.until(100);
    expect(rev().desiredScale).toBe(0);
    // The PA has been Active since 10.25 (≥ 60 s): it goes Inactive (NoTraffic) without scaling yet.
    expect(rev().pa).toMatchObject({ active: 'False', activeReason: 'NoTraffic' });
    expect(sim.runner.of(NS, REV)).toHaveLength(1);

    // t=102: inactive, and the activator has been in the path far longer than the 30 s grace period
    // (Proxy since creation) → Knative's fast path applies 0 at once.
    await sim.until(102);
    expect(sim.runner.stops.map((s) => s.at)).toEqual([at(102)]);
    expect(sim.runner.of(NS, REV)).toHaveLength(0);
    await sim.as.idle();
    const pa = await sim.store.get<PodAutoscaler>('PodAutoscaler', NS, REV);
    expect(pa?.status).toMatchObject({ desiredScale: 0, actualScale: 0 });
    expect(pa?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NoTraffic',
    });
    expect(sim.decisions.map((d) => d.desiredScale)).toEqual([0, 1, 0]);
  });

  it('target-burst-capacity 0: the activator leaves the path, so going to zero waits out the 30 s grace period', async () => {
    const sim = await simulate({
      containerConcurrency: 0,
      loadFrom: 10,
      loadSeconds: 30,
      annotations: { 'autoscaling.knative.dev/target-burst-capacity': '0' },
    });
    const rev = () => sim.as.state(NS, REV)!;
    await sim.until(12);
    // TBC 0 → EBC 0 ≥ 0 with one ready instance → Serve.
    expect(rev().mode).toBe('Serve');
    await sim.until(100);
    // want 0 → Proxy from t=100 and Inactive; the grace period counts from here.
    expect(rev().mode).toBe('Proxy');
    expect(rev().pa.active).toBe('False');
    await sim.until(128);
    expect(sim.runner.stops).toHaveLength(0);
    // t=130: inactive for 30 s = grace period → zero.
    await sim.until(130);
    expect(sim.runner.stops.map((s) => s.at)).toEqual([at(130)]);
  });

  it('containerConcurrency 10: the panic window scales up to 8 at the first tick and holds until a stable window passes', async () => {
    const sim = await simulate({ containerConcurrency: 10, loadFrom: 10, loadSeconds: 30 });
    const rev = () => sim.as.state(NS, REV)!;
    // Poke: stable 1 → ceil(1/7) = 1 instance at 10.25.
    await sim.until(11);
    expect(sim.runner.of(NS, REV)).toHaveLength(1);
    // t=12: seconds 10 (1 + 50) and 11 (50) → stable = panic = 50.5 → ceil(50.5/7) = 8;
    // 8 / 1 ready ≥ 2 → panic; 8 instances at once.
    await sim.until(12);
    expect(rev().decider.inPanicMode()).toBe(true);
    expect(sim.runner.of(NS, REV)).toHaveLength(8);
    // Steady 8 during the load: ceil(50/7) = 8 and 8/8 < 2 keeps panic from being extended.
    await sim.until(40, (t) => {
      if (t > 12) expect(sim.runner.of(NS, REV)).toHaveLength(8);
    });
    // Panic began at t=12: it holds 8 (no scale-down in panic) until 12 + 60 < now, i.e. the t=74 tick.
    await sim.until(72);
    expect(rev().decider.inPanicMode()).toBe(true);
    expect(sim.runner.of(NS, REV)).toHaveLength(8);
    // t=74: stable = seconds 15..39 × 50 over 59 seconds = 21.19 → ceil(/7) = 4 = floor(8/2): 4 instances.
    await sim.until(74);
    expect(rev().decider.inPanicMode()).toBe(false);
    expect(sim.runner.of(NS, REV)).toHaveLength(4);
  });
});
