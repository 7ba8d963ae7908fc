import { REQUEST_DURATION_BUCKETS_SECONDS } from '@kedge/core';

/**
 * The q-quantile (0–1) in ms of a histogram with REQUEST_DURATION_BUCKETS_SECONDS bounds (per-bucket
 * counts, the last slot +Inf), interpolated linearly inside the bucket the way Prometheus'
 * histogram_quantile does. Undefined when the histogram is empty.
 */
export function histogramQuantileMs(counts: readonly number[], q: number): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && seen + c >= rank) {
      const upper = REQUEST_DURATION_BUCKETS_SECONDS[i];
      // The +Inf bucket has no upper bound: like Prometheus, answer the highest finite one.
      if (upper === undefined) return REQUEST_DURATION_BUCKETS_SECONDS.at(-1)! * 1000;
      const lower = i === 0 ? 0 : REQUEST_DURATION_BUCKETS_SECONDS[i - 1]!;
      return (lower + (upper - lower) * ((rank - seen) / c)) * 1000;
    }
    seen += c;
  }
  return REQUEST_DURATION_BUCKETS_SECONDS.at(-1)! * 1000;
}
