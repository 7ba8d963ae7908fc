import { afterEach, describe, expect, it } from 'vitest';
import {
  ManualClock,
  MemoryBus,
  REQUEST_DURATION_BUCKETS_SECONDS,
  silentLogger,
  subjects,
  type DecisionMessage,
  type EndpointsMessage,
  type GatewayStatsMessage,
} from '@kedge/core';
import { DashboardStats, type StatsUpdate } from './stats.js';

let stats: DashboardStats | undefined;
afterEach(() => stats?.stop());

function setup(opts = {}) {
  const clock = new ManualClock(1_000_000);
  const bus = new MemoryBus({ clock });
  stats = new DashboardStats({ bus, clock, logger: silentLogger }, opts);
  stats.start();
  const updates: StatsUpdate[] = [];
  stats.subscribe((u) => void updates.push(u));
  return { clock, bus, stats, updates };
}

const endpoints = (nodeId: string, n: number): EndpointsMessage => ({
  namespace: 'default',
  revision: 'a-1',
  nodeId,
  time: 0,
  endpoints: Array.from({ length: n }, (_, i) => ({
    namespace: 'default',
    revision: 'a-1',
    instanceId: `${nodeId}-${i}`,
    nodeId,
    url: 'http://127.0.0.1:1',
    concurrency: 0,
  })),
});

const decision = (desiredScale: number): DecisionMessage => ({
  namespace: 'default',
  revision: 'a-1',
  desiredScale,
  excessBurstCapacity: 0,
  mode: 'Serve',
  time: 0,
});

function gatewayStats(requests: number, le: number, extra: Partial<GatewayStatsMessage> = {}): GatewayStatsMessage {
  const durations = new Array<number>(REQUEST_DURATION_BUCKETS_SECONDS.length + 1).fill(0);
  durations[REQUEST_DURATION_BUCKETS_SECONDS.indexOf(le)] = requests;
  return {
    gatewayId: 'g',
    namespace: 'default',
    revision: 'a-1',
    time: 0,
    periodMs: 1000,
    requests,
    errors: 0,
    durations,
    coldStarts: [],
    ...extra,
  };
}

/** The in-memory bus delivers in microtasks: everything published so far has arrived once this resolves. */
const delivered = () => new Promise<void>((r) => setImmediate(r));

describe('DashboardStats', async () => {
  it('samples ready replicas over all nodes, desired scale, request rate and latency once a second', async () => {
    const { clock, bus, stats, updates } = setup();
    bus.publish(subjects.endpoints('default', 'a-1'), endpoints('n1', 2));
    bus.publish(subjects.endpoints('default', 'a-1'), endpoints('n2', 1));
    bus.publish(subjects.decision('default', 'a-1'), decision(3));
    bus.publish(subjects.gatewayStats('default', 'a-1'), gatewayStats(30, 0.005));
    bus.publish(subjects.gatewayStats('default', 'a-1'), { ...gatewayStats(10, 0.005), gatewayId: 'g2', errors: 2 });
    await delivered();
    clock.advance(1_000);
    const [sample] = stats.snapshot().revisions[0]!.samples;
    expect(sample).toEqual([1_001_000, 3, 3, 40, 3.75, 4.98, 2]);
    const tick = updates.find((u) => u.type === 'TICK');
    expect(tick?.object).toEqual({ time: 1_001_000, samples: [{ namespace: 'default', revision: 'a-1', sample }] });
  });

  it('records a decision that changes the desired scale as an event, and a cold start as it comes', async () => {
    const { bus, stats, updates } = setup();
    bus.publish(subjects.decision('default', 'a-1'), decision(2));
    bus.publish(subjects.decision('default', 'a-1'), decision(2));
    bus.publish(subjects.decision('default', 'a-1'), decision(0));
    const cold = { time: 5, holdMs: 3, pokeToReadyMs: 2, totalMs: 4, status: 200 };
    bus.publish(subjects.gatewayStats('default', 'a-1'), gatewayStats(1, 0.005, { coldStarts: [cold] }));
    await delivered();
    const snap = stats.snapshot();
    expect(snap.events.map((e) => e.message)).toEqual([
      'desired scale 0 → 2 (Serve mode)',
      'desired scale 2 → 0 (Serve mode)',
    ]);
    expect(snap.coldStarts).toEqual([{ ...cold, namespace: 'default', revision: 'a-1', gatewayId: 'g' }]);
    expect(updates.map((u) => u.type)).toEqual(['EVENT', 'EVENT', 'COLDSTART']);
  });

  it('a quiet revision adds one zero sample when it goes quiet, then nothing, and leaves after the history', async () => {
    const { clock, bus, stats, updates } = setup({ historySeconds: 5 });
    bus.publish(subjects.endpoints('default', 'a-1'), endpoints('n1', 1));
    await delivered();
    clock.advance(1_000);
    bus.publish(subjects.endpoints('default', 'a-1'), endpoints('n1', 0));
    await delivered();
    clock.advance(1_000);
    clock.advance(1_000);
    clock.advance(1_000);
    const samples = stats.snapshot().revisions[0]!.samples;
    expect(samples.map((s) => s[1])).toEqual([1, 0]);
    expect(updates.filter((u) => u.type === 'TICK')).toHaveLength(2);
    clock.advance(10_000);
    expect(stats.snapshot().revisions).toEqual([]);
  });

  it('takes p50/p99 over the last seconds, not only the last one', async () => {
    const { clock, bus, stats } = setup({ latencyWindowSeconds: 3 });
    bus.publish(subjects.endpoints('default', 'a-1'), endpoints('n1', 1));
    bus.publish(subjects.gatewayStats('default', 'a-1'), gatewayStats(100, 0.5));
    await delivered();
    clock.advance(1_000);
    clock.advance(1_000);
    let last = stats.snapshot().revisions[0]!.samples.at(-1)!;
    expect(last[3]).toBe(0);
    expect(last[5]).toBeGreaterThan(250);
    clock.advance(2_000);
    last = stats.snapshot().revisions[0]!.samples.at(-1)!;
    expect(last[5]).toBeNull();
  });

  it('stops listening when stopped', async () => {
    const { clock, bus, stats, updates } = setup();
    stats.stop();
    bus.publish(subjects.decision('default', 'a-1'), decision(1));
    await delivered();
    clock.advance(5_000);
    expect(updates).toEqual([]);
    expect(stats.snapshot().revisions).toEqual([]);
  });
});

describe('DashboardStats revision health', () => {
  it('reports a revision that fails to load, and its recovery, but not every ordinary load', async () => {
    const { bus, stats } = setup();
    const health = (ready: boolean) => ({
      namespace: 'default',
      revision: 'a-1',
      nodeId: 'n1',
      ready,
      time: 0,
      ...(ready ? {} : { reason: 'ImagePullFailed', message: 'no such blob' }),
    });
    bus.publish(subjects.revisionHealth('default', 'a-1'), health(true));
    bus.publish(subjects.revisionHealth('default', 'a-1'), health(false));
    bus.publish(subjects.revisionHealth('default', 'a-1'), health(false));
    bus.publish(subjects.revisionHealth('default', 'a-1'), health(true));
    await delivered();
    expect(stats.snapshot().events.map((e) => `${e.reason}: ${e.message}`)).toEqual([
      'RevisionFailed: ImagePullFailed on node n1: no such blob',
      'RevisionReady: loads again on node n1',
    ]);
  });
});
