import { describe, expect, it } from 'vitest';
import { Histogram, bucketBounds, bucketIndex } from './histogram.js';
import { median, quantile, summarize } from './stats.js';

describe('Histogram buckets', () => {
  it('every value falls inside its bucket, and buckets are contiguous', () => {
    for (const v of [0, 1, 255, 256, 257, 511, 512, 1000, 83_000, 1_234_567, 2 ** 30]) {
      const [from, to] = bucketBounds(bucketIndex(v));
      expect(v).toBeGreaterThanOrEqual(from);
      expect(v).toBeLessThan(to);
    }
    for (let i = 1; i < 3000; i++) expect(bucketBounds(i)[0]).toBe(bucketBounds(i - 1)[1]);
  });

  it('keeps relative error under 1 %', () => {
    for (let v = 300; v < 5_000_000; v *= 1.37) {
      const [from, to] = bucketBounds(bucketIndex(v));
      expect((to - from) / from).toBeLessThan(0.01);
    }
  });
});

describe('Histogram quantiles', () => {
  it('matches exact quantiles within bucket precision', () => {
    const h = new Histogram();
    const values: number[] = [];
    for (let i = 1; i <= 10_000; i++) {
      const v = (i * 7919) % 100_000; // a scrambled 0..100 ms spread, in µs
      values.push(v);
      h.record(v);
    }
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = quantile(values, q);
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.01);
    }
    expect(h.quantile(1)).toBe(Math.max(...values));
    expect(h.count).toBe(10_000);
  });

  it('is exact at 1 µs below 256 µs and reports ms summaries', () => {
    const h = new Histogram();
    for (const us of [80, 81, 82, 83, 200]) h.record(us);
    expect(h.quantile(0.5)).toBe(82);
    const s = h.summaryMs();
    expect(s.p50).toBeCloseTo(0.082, 6);
    expect(s.max).toBeCloseTo(0.2, 6);
    expect(s.min).toBeCloseTo(0.08, 6);
  });

  it('merges', () => {
    const a = new Histogram();
    const b = new Histogram();
    a.record(100);
    b.record(300);
    b.record(500);
    a.merge(b);
    expect(a.count).toBe(3);
    expect(a.max).toBe(500);
    expect(a.buckets().reduce((n, x) => n + x.count, 0)).toBe(3);
  });

  it('is NaN when empty', () => {
    expect(new Histogram().quantile(0.5)).toBeNaN();
  });
});

describe('exact sample statistics', () => {
  it('nearest-rank quantiles and median', () => {
    const v = [5, 1, 4, 2, 3];
    expect(quantile(v, 0.5)).toBe(3);
    expect(quantile(v, 0.99)).toBe(5);
    expect(quantile(v, 0)).toBe(1);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(summarize([]).p50).toBeNaN();
    expect(summarize(v)).toMatchObject({ count: 5, p50: 3, max: 5, mean: 3 });
  });
});
