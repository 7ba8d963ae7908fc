import { describe, expect, it } from 'vitest';
import { REQUEST_DURATION_BUCKETS_SECONDS } from '@kedge/core';
import { histogramQuantileMs } from './percentile.js';

const empty = () => new Array<number>(REQUEST_DURATION_BUCKETS_SECONDS.length + 1).fill(0);
const at = (le: number) => REQUEST_DURATION_BUCKETS_SECONDS.indexOf(le);

describe('histogramQuantileMs', () => {
  it('is undefined for no requests', () => {
    expect(histogramQuantileMs(empty(), 0.5)).toBeUndefined();
  });

  it('interpolates inside the bucket holding the rank, like histogram_quantile', () => {
    const h = empty();
    h[at(0.005)] = 100; // all between 2.5 and 5 ms
    expect(histogramQuantileMs(h, 0.5)).toBeCloseTo(3.75, 6);
    expect(histogramQuantileMs(h, 0.99)).toBeCloseTo(2.5 + 2.5 * 0.99, 6);
  });

  it('puts p99 in the slow tail and p50 in the body', () => {
    const h = empty();
    h[at(0.001)] = 98;
    h[at(0.5)] = 2;
    expect(histogramQuantileMs(h, 0.5)!).toBeLessThanOrEqual(1);
    expect(histogramQuantileMs(h, 0.99)!).toBeGreaterThan(250);
  });

  it('answers the highest finite bound for the +Inf bucket', () => {
    const h = empty();
    h[h.length - 1] = 3;
    expect(histogramQuantileMs(h, 0.5)).toBe(30_000);
  });
});
