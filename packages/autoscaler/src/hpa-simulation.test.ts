import { subjects, type AdminScaleReply, type PodAutoscaler, type Revision, type StatMessage } from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { settle } from '../test-support/fake-runner.js';
import { autoscalerWorlds } from '../test-support/world.js';

/**
 * A CPU-bound revision under `hpa.autoscaling.knative.dev`, metric cpu, target 50 % of a 1-core
 * request, through the real MultiScaler, PA reconciler and placement with a ManualClock. The load
 * is 1.6 cores of guest CPU in total until second 60, then 0.2 cores, shared evenly by the running
 * instances; requests in flight stay at 1 throughout (concurrency alone would never leave one
 * instance). Each instance reports mid-second (x.5 s) its cumulative CPU time; ticks on even seconds.
 */
const T0 = 2_000_000;
const at = (sec: number) => T0 + sec * 1000;
const NS = 'default';
const REV = 'spin-00001';
const HPA = { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'cpu' };

const world = autoscalerWorlds('kedge-hpa-sim-');

async function simulate(load: (sec: number) => number) {
  const revision: Revision = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name: REV, namespace: NS, annotations: { ...HPA, 'autoscaling.knative.dev/target': '50' } },
    spec: { containers: [{ image: 'spin.wasm', resources: { requests: { cpu: '1' } } }], containerConcurrency: 0 },
  };
  const w = await world({ t0: T0, nodes: [{ id: 'node-1', capacity: 20 }], objects: [revision] });
  const { clock, bus, runner, as } = w;
  await as.start();
  await settle();

  const cpuMs = new Map<string, number>();
  const report = (sec: number) => {
    const ids = runner.of(NS, REV);
    for (const id of ids) {
      const used = (cpuMs.get(id) ?? 0) + (load(sec) / ids.length) * 1000;
      cpuMs.set(id, used);
      const stat: StatMessage = {
        namespace: NS,
        revision: REV,
        source: id,
        averageConcurrency: 1 / ids.length,
        requestCount: 5 / ids.length,
        cpuMs: used,
        time: clock.now(),
      };
      bus.publish(subjects.metrics(NS, REV), stat);
    }
  };
  /** Advances to `sec` (since T0) in half-second steps; `onTick` after each even second. */
  const until = async (sec: number, onTick?: (sec: number) => void) => {
    while (clock.now() < at(sec)) {
      clock.advanceTo(Math.floor(clock.now() / 500) * 500 + 500);
      const ms = clock.now() - T0;
      if (ms % 1000 === 500) report(Math.floor(ms / 1000));
      await settle();
      if (ms % 2000 === 0) onTick?.(ms / 1000);
    }
  };
  return { ...w, until };
}

describe('simulation: the HPA class scales a CPU-bound revision on CPU, not on requests', () => {
  it('1.6 cores, target 50 % of 1 core: 4 at the first decision, 1 a stabilization window after', async () => {
    const sim = await simulate((sec) => (sec < 60 ? 1.6 : 0.2));
    const count = () => sim.runner.of(NS, REV).length;
    // Discovery (1.5 s) over: the revision starts at initial scale 1; no report yet at the t=2 tick.
    await sim.until(2);
    expect(count()).toBe(1);
    expect(sim.as.state(NS, REV)).toMatchObject({
      class: 'hpa.autoscaling.knative.dev',
      desiredScale: 1,
      mode: 'Serve',
    });

    // t=4: reports at 2.5 and 3.5 give one instance at 160 % → ceil(160/50 × 1) = 4, within
    // Kubernetes' scale-up limit from 1 (max(1 + 4, 2 × 1) = 5).
    await sim.until(4);
    expect(count()).toBe(4);

    // Each new instance runs at 40 %, the first one's 15 s window still holds its busy seconds:
    // t=6 averages (80 + 3 × 40)/4 = 50 %, then less, down to 40 % (0.8: ceil(3.2) = 4). Steady at 4.
    await sim.until(60, (t) => {
      if (t > 4) expect(count()).toBe(4);
    });
    expect(sim.runner.starts).toHaveLength(4);

    // From second 60 the load is 0.2 cores: the 15 s rates fall 2.5 points per tick, and the
    // recommendations with them (t=62: 35 % → 3 … t=72: 10 % → 1). The highest recommendation of
    // the last 300 s — 4, made at t=60 — holds the scale until t=360.
    await sim.until(360, (t) => {
      if (t > 60) expect(count()).toBe(4);
    });
    expect(sim.runner.stops).toHaveLength(0);
    // t=362: the highest left is t=62's 3; t=366: t=66's 2; t=372: only 1s remain.
    await sim.until(362);
    expect(count()).toBe(3);
    await sim.until(366);
    expect(count()).toBe(2);
    await sim.until(370);
    expect(count()).toBe(2);
    await sim.until(372);
    expect(count()).toBe(1);
    // Never below one (Knative's HPA has no scale to zero), however long the low load lasts.
    await sim.until(700);
    expect(count()).toBe(1);
    expect(Math.min(...sim.decisions.map((d) => d.desiredScale))).toBe(1);

    await sim.as.idle();
    const pa = await sim.store.get<PodAutoscaler>('PodAutoscaler', NS, REV);
    expect(pa?.status).toMatchObject({ desiredScale: 1, actualScale: 1 });
    expect(pa?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('the admin verb does not take an HPA revision to zero', async () => {
    const sim = await simulate(() => 0.1);
    await sim.until(4);
    const reply = await sim.bus.request<AdminScaleReply>(subjects.adminScale(NS, REV), { to: 0 });
    expect(reply.ok).toBe(false);
    expect(reply.error).toContain('keeps at least one instance');
    expect(sim.runner.of(NS, REV)).toHaveLength(1);
  });
});
