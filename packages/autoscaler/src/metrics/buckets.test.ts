import { describe, expect, it } from 'vitest';
import { LinearBuckets, WeightedBuckets, roundTo, smoothingCoefficient } from './buckets.js';

const s = (sec: number) => sec * 1000;

describe('linear window average (Knative TimedFloat64Buckets.WindowAverage, pkg/autoscaler/aggregation/bucketing.go)', () => {
  it('averages a young revision over the seconds it has existed, not the whole window', () => {
    const w = new LinearBuckets(60);
    w.record(s(100), 10);
    expect(w.average(s(100))).toBe(10);
    w.record(s(101), 20);
    expect(w.average(s(101))).toBe(15);
  });

  it('adds samples landing in the same second', () => {
    const w = new LinearBuckets(60);
    w.record(s(100), 3);
    w.record(s(100) + 999, 4);
    expect(w.average(s(100) + 500)).toBe(7);
  });

  it('counts gaps inside the window as zeros', () => {
    const w = new LinearBuckets(60);
    w.record(s(100), 6);
    w.record(s(103), 6);
    // 12 over seconds 100..103
    expect(w.average(s(103))).toBe(3);
  });

  it('caps the divisor at the number of buckets once the window is full', () => {
    const w = new LinearBuckets(6);
    for (let t = 100; t < 110; t++) w.record(s(t), t >= 104 ? 6 : 100);
    // The ring holds seconds 104..109: all 6.
    expect(w.average(s(109))).toBe(6);
  });

  it('drops stale seconds as time passes without samples, then reads 0 after a window', () => {
    const w = new LinearBuckets(6);
    for (let t = 100; t < 106; t++) w.record(s(t), t === 100 ? 60 : 6);
    expect(w.average(s(105))).toBe(15); // (60 + 5×6)/6
    // One second later second 100 has left the window: 30 over min(6 seconds written, 6 − 1) = 5
    expect(w.average(s(106))).toBe(6);
    expect(w.average(s(108))).toBe(roundTo(6, 18 / 3));
    expect(w.isEmpty(s(111))).toBe(false);
    expect(w.average(s(111))).toBe(0); // d = 6 ≥ window
    expect(w.isEmpty(s(112))).toBe(true);
  });

  it('ignores a sample a full window older than the newest and resets after a window of silence', () => {
    const w = new LinearBuckets(6);
    w.record(s(100), 6);
    w.record(s(94), 100);
    expect(w.average(s(100))).toBe(6);
    w.record(s(95), 6); // late but within the window: firstWrite moves back
    expect(w.average(s(100))).toBe(2);
    w.record(s(200), 1);
    expect(w.average(s(200))).toBe(1);
  });

  it('rounds to 6 decimals', () => {
    const w = new LinearBuckets(60);
    w.record(s(100), 1);
    w.record(s(102), 0);
    expect(w.average(s(102))).toBe(0.333333);
  });

  it('keeps the newest data when the window is resized (Knative ResizeWindow)', () => {
    const w = new LinearBuckets(10);
    for (let t = 100; t < 110; t++) w.record(s(t), t);
    w.resize(4, s(109));
    expect(w.windowSeconds).toBe(4);
    expect(w.average(s(109))).toBe(107.5);
    w.resize(8, s(109));
    w.record(s(110), 110);
    expect(w.average(s(110))).toBe((106 + 107 + 108 + 109 + 110) / 5);
    const old = new LinearBuckets(4);
    old.record(s(100), 5);
    old.resize(8, s(200));
    expect(old.isEmpty(s(200))).toBe(true);
  });
});

describe('weighted exponential average (Knative WeightedFloat64Buckets, pkg/autoscaler/aggregation/bucketing.go)', () => {
  it('uses m = max(1 − 0.0001^(1/n), 0.2)', () => {
    expect(smoothingCoefficient(60)).toBe(0.2);
    expect(smoothingCoefficient(6)).toBeCloseTo(0.7846, 4);
  });

  it('weighs newer seconds more and lets empty seconds consume weight', () => {
    const w = new WeightedBuckets(6);
    const m = smoothingCoefficient(6);
    w.record(s(100), 10);
    w.record(s(101), 20);
    expect(w.average(s(101))).toBeCloseTo(20 * m + 10 * m * (1 - m), 9);
    expect(w.average(s(102))).toBeCloseTo(20 * m * (1 - m) + 10 * m * (1 - m) ** 2, 9);
    expect(w.average(s(200))).toBe(0);
  });
});
