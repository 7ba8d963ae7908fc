import { describe, expect, it } from 'vitest';
import { RevisionMetrics } from './collector.js';

const settings = { stableWindowSeconds: 60, panicWindowSeconds: 6, algorithm: 'linear' as const, scrapeTarget: true };
const s = (sec: number) => sec * 1000;

describe('metric recording (Knative pkg/autoscaler/metrics/collector.go)', () => {
  it('sums queue and activator reports of one second and subtracts what the activator proxied', () => {
    const m = new RevisionMetrics(settings);
    // Instance a: 5 in flight of which 3 came through the activator; instance b: 2; activator: 3 held/forwarded.
    m.record(s(10), { averageConcurrency: 5, averageProxiedConcurrency: 3, requestCount: 50, proxiedRequestCount: 30 });
    m.record(s(10), { averageConcurrency: 2, requestCount: 20 });
    m.record(s(10), { averageConcurrency: 3, requestCount: 30, fromActivator: true, averageProxiedConcurrency: 3 });
    expect(m.stableAndPanic('concurrency', s(10))).toEqual({ stable: 7, panic: 7 });
    expect(m.stableAndPanic('rps', s(10))).toEqual({ stable: 70, panic: 70 });
  });

  it('stable and panic windows differ once the surge is older than the panic window', () => {
    const m = new RevisionMetrics(settings);
    for (let t = 0; t < 10; t++) m.recordValues(s(t), t < 4 ? 100 : 0, 0);
    expect(m.stableAndPanic('concurrency', s(9))).toEqual({ stable: 40, panic: 0 });
  });

  it('answers "no data" for an empty window, unless only the activator reports (TBC −1)', () => {
    const m = new RevisionMetrics(settings);
    expect(m.stableAndPanic('concurrency', s(10))).toBeNull();
    m.recordValues(s(10), 1, 1);
    expect(m.stableAndPanic('concurrency', s(70))).not.toBeNull();
    expect(m.stableAndPanic('concurrency', s(71))).toBeNull();
    const proxyOnly = new RevisionMetrics({ ...settings, scrapeTarget: false });
    expect(proxyOnly.stableAndPanic('concurrency', s(10))).toEqual({ stable: 0, panic: 0 });
  });

  it('follows a window change without losing recent data', () => {
    const m = new RevisionMetrics(settings);
    for (let t = 0; t < 10; t++) m.recordValues(s(t), 10, 0);
    m.update({ ...settings, stableWindowSeconds: 6, panicWindowSeconds: 1 }, s(9));
    expect(m.stableAndPanic('concurrency', s(9))).toEqual({ stable: 10, panic: 10 });
  });
});
