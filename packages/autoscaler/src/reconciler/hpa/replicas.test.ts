import { describe, expect, it } from 'vitest';
import { replicasForMetric, ScaleUpLimiter, Stabilizer } from './replicas.js';

// Cases after Kubernetes' replica_calculator_test.go, in its terms: CPU utilization in % of the request.
describe('replicasForMetric (Kubernetes replica calculator)', () => {
  const base = { missing: 0, unready: 0, missingValue: 100 };

  it('scales by ceil(ratio × instances): 3 at 90 % against 50 % → 6; 4 at 20 % against 50 % → 2', () => {
    expect(replicasForMetric({ ...base, current: 3, values: [90, 90, 90], target: 50 })).toBe(6);
    expect(replicasForMetric({ ...base, current: 4, values: [20, 20, 20, 20], target: 50 })).toBe(2);
  });

  it('keeps the current count within the 0.1 tolerance, on either side', () => {
    // Kubernetes works in whole percent: 54.9 counts as 54 (1.08), where 55 would be 1.1000000000000001.
    expect(replicasForMetric({ ...base, current: 3, values: [54.9, 54.9, 54.9], target: 50 })).toBe(3);
    expect(replicasForMetric({ ...base, current: 3, values: [46, 46, 46], target: 50 })).toBe(3);
    // Just outside: 56/50 = 1.12 → ceil(3.36) = 4.
    expect(replicasForMetric({ ...base, current: 3, values: [56, 56, 56], target: 50 })).toBe(4);
  });

  it('decides nothing without a single metric', () => {
    expect(replicasForMetric({ ...base, current: 2, values: [], missing: 2, target: 50 })).toBeUndefined();
  });

  it('counts an instance without a metric as 0 on a scale-up and as 100 % on a scale-down', () => {
    // Up: [100, 100, 0] → 66/50 = 1.32 → ceil(3.96) = 4.
    expect(replicasForMetric({ ...base, current: 3, values: [100, 100], missing: 1, target: 50 })).toBe(4);
    // Down: [10, 100] → 55/50 = 1.1: within the tolerance once the missing one is filled in → stay at 2.
    expect(replicasForMetric({ ...base, current: 2, values: [10], missing: 1, target: 50 })).toBe(2);
    // Down, filled in still low: [10, 10, 10, 100] → 32.5/100 → ceil(0.325 × 4) = 2.
    expect(replicasForMetric({ ...base, current: 4, values: [10, 10, 10], missing: 1, target: 100 })).toBe(2);
  });

  it('counts starting instances as 0 on a scale-up, and stays when that turns the direction around', () => {
    // [120, 0, 0] against 50: 40/50 < 1 while 120/50 > 1 → stay at 3.
    expect(replicasForMetric({ ...base, current: 3, values: [120], unready: 2, target: 50 })).toBe(3);
    // [200, 0] → 100/50 = 2 → ceil(2 × 2) = 4.
    expect(replicasForMetric({ ...base, current: 2, values: [200], unready: 1, target: 50 })).toBe(4);
  });
});

describe('Stabilizer (Kubernetes stabilization window)', () => {
  it('holds a scale-down at the highest recommendation of the last 300 s, then lets it go', () => {
    const s = new Stabilizer(300);
    const t = (sec: number) => sec * 1000;
    expect(s.stabilize(t(0), 5, 2)).toBe(5);
    expect(s.stabilize(t(60), 2, 5)).toBe(5);
    expect(s.stabilize(t(299), 1, 5)).toBe(5);
    // The 5 of t=0 left the window; 2 (t=60) is now the highest.
    expect(s.stabilize(t(301), 1, 5)).toBe(2);
    expect(s.stabilize(t(361), 1, 2)).toBe(1);
  });

  it('lets a scale-up through at once by default; an upscale window holds it at the lowest recommendation', () => {
    expect(new Stabilizer(300).stabilize(0, 7, 1)).toBe(7);
    const s = new Stabilizer(60, 60);
    expect(s.stabilize(0, 1, 1)).toBe(1);
    expect(s.stabilize(10_000, 7, 1)).toBe(1);
    expect(s.stabilize(61_000, 7, 1)).toBe(7);
  });
});

describe('ScaleUpLimiter (Kubernetes default scale-up policy)', () => {
  it('allows +4 or +100 %, whichever is more, per 15 s from where the period started', () => {
    const l = new ScaleUpLimiter();
    expect(l.limit(0, 1)).toBe(5);
    l.scaled(0, 1, 5);
    // Still the period that started at 1.
    expect(l.limit(10_000, 5)).toBe(5);
    // Fresh period from 5: max(9, 10).
    expect(l.limit(15_001, 5)).toBe(10);
  });
});
