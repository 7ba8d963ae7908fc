import { describe, expect, it } from 'vitest';
import {
  MemoryBus,
  REQUEST_DURATION_BUCKETS_SECONDS,
  silentLogger,
  subjects,
  type GatewayStatsMessage,
} from '@kedge/core';
import { GatewayMetrics } from './metrics.js';
import { GatewayStatsPublisher } from './stats-publisher.js';

function setup() {
  const bus = new MemoryBus();
  const metrics = new GatewayMetrics('g1', () => []);
  let now = 1_000;
  const publisher = new GatewayStatsPublisher({
    bus,
    logger: silentLogger,
    gatewayId: 'g1',
    series: () => metrics.requestSeries.all(),
    now: () => now,
  });
  const got: GatewayStatsMessage[] = [];
  bus.subscribe<GatewayStatsMessage>(subjects.gatewayStatsAll, (m) => void got.push(m.data));
  return { metrics, publisher, got, tick: (ms: number) => (now += ms) };
}

/** The in-memory bus delivers in microtasks: everything published so far has arrived once this resolves. */
const delivered = () => new Promise<void>((r) => setImmediate(r));

describe('GatewayStatsPublisher', async () => {
  it('publishes what each revision answered since the last flush, not running totals', async () => {
    const { metrics, publisher, got, tick } = setup();
    metrics.request('default/a-1', 'default', 'a-1', 200, 0.002);
    metrics.request('default/a-1', 'default', 'a-1', 200, 0.002);
    metrics.request('default/a-1', 'default', 'a-1', 503, 0.2);
    metrics.request('default/b-1', 'default', 'b-1', 200, 0.0004);
    tick(1_000);
    publisher.flush();
    await delivered();
    const a = got.find((m) => m.revision === 'a-1')!;
    expect(a).toMatchObject({
      gatewayId: 'g1',
      namespace: 'default',
      requests: 3,
      errors: 1,
      periodMs: 1_000,
      time: 2_000,
    });
    expect(a.durations).toHaveLength(REQUEST_DURATION_BUCKETS_SECONDS.length + 1);
    expect(a.durations[REQUEST_DURATION_BUCKETS_SECONDS.indexOf(0.0025)]).toBe(2);
    expect(a.durations[REQUEST_DURATION_BUCKETS_SECONDS.indexOf(0.25)]).toBe(1);
    expect(got.find((m) => m.revision === 'b-1')!.requests).toBe(1);

    got.length = 0;
    metrics.request('default/a-1', 'default', 'a-1', 200, 0.002);
    tick(1_000);
    publisher.flush();
    await delivered();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ revision: 'a-1', requests: 1, errors: 0 });
    expect(got[0]!.durations.reduce((x, y) => x + y, 0)).toBe(1);
  });

  it('stays quiet when nothing was answered, and skips requests that matched no revision', async () => {
    const { metrics, publisher, got, tick } = setup();
    metrics.request('', '', '', 404, 0.0001);
    tick(1_000);
    publisher.flush();
    await delivered();
    expect(got).toEqual([]);
  });

  it('carries the cold starts of the period with their phases, at most 20 per revision', async () => {
    const { metrics, publisher, got, tick } = setup();
    metrics.request('default/a-1', 'default', 'a-1', 200, 0.01);
    for (let i = 0; i < 25; i++)
      publisher.coldStart('default/a-1', 'default', 'a-1', {
        time: 1_500,
        holdMs: 4,
        pokeToReadyMs: 3,
        totalMs: 9,
        status: 200,
      });
    tick(1_000);
    publisher.flush();
    await delivered();
    expect(got[0]!.coldStarts).toHaveLength(20);
    expect(got[0]!.coldStarts[0]).toEqual({ time: 1_500, holdMs: 4, pokeToReadyMs: 3, totalMs: 9, status: 200 });
    got.length = 0;
    tick(1_000);
    publisher.flush();
    await delivered();
    expect(got).toEqual([]);
  });
});
