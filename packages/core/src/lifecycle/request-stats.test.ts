import { describe, expect, it } from 'vitest';
import { RequestStats } from './request-stats.js';

describe('RequestStats', () => {
  it('weights concurrency by time, counts proxied requests apart, and carries in-flight ones over', () => {
    const s = new RequestStats(0);
    s.in(0);
    s.in(500, true);
    s.out(750, true);
    // 1 request for 1000 ms plus a proxied one for 250 ms: 1.25 on average over the second.
    expect(s.report(1000)).toEqual({
      averageConcurrency: 1.25,
      averageProxiedConcurrency: 0.25,
      requestCount: 2,
      proxiedRequestCount: 1,
      elapsedMs: 1000,
    });
    expect(s.inFlight).toBe(1);
    // The first request is still in flight: the next period sees it, with no new arrivals.
    expect(s.report(2000)).toMatchObject({ averageConcurrency: 1, requestCount: 0 });
  });

  it('reports what is in flight when cut twice at once, and ignores a clock that stepped back', () => {
    const s = new RequestStats(1000);
    s.in(1000);
    s.in(1000);
    expect(s.report(1000)).toMatchObject({ averageConcurrency: 2, elapsedMs: 0 });
    s.out(900);
    expect(s.report(2000).averageConcurrency).toBe(1);
  });
});
