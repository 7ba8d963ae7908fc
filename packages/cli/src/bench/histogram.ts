/**
 * Latency histogram with log-linear microsecond buckets (HdrHistogram's layout, 8 sub-bucket bits):
 * exact to 1 µs below 256 µs, then within 1/128 (< 0.8 %) of the value up to ~2^31 µs. Recording is O(1)
 * and allocation-free, so the load generator can record every request without disturbing what it measures.
 */
const SUB_BITS = 8;
const SUB = 1 << SUB_BITS; // 256
const HALF = SUB >> 1; // 128
const MAX_EXP = 24;
const SIZE = SUB + MAX_EXP * HALF;

export interface HistogramBucket {
  /** Inclusive lower bound, µs. */
  from: number;
  /** Exclusive upper bound, µs. */
  to: number;
  count: number;
}

export class Histogram {
  private readonly counts = new Float64Array(SIZE);
  count = 0;
  min = Infinity;
  max = 0;
  private sum = 0;

  /** Records one value in microseconds (negative values count as 0). */
  record(us: number): void {
    const v = Math.max(us, 0);
    this.counts[bucketIndex(v)]! += 1;
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  recordMs(ms: number): void {
    this.record(ms * 1000);
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /**
   * The value at quantile q (0..1) in µs: the middle of the bucket holding the ceil(q·n)-th value,
   * clamped to the recorded min/max so p100 is the true maximum.
   */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const [from, to] = bucketBounds(i);
        const mid = to - from <= 1 ? from : (from + to) / 2;
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < SIZE; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** Non-empty buckets in ascending order (for plotting). */
  buckets(): HistogramBucket[] {
    const out: HistogramBucket[] = [];
    for (let i = 0; i < SIZE; i++) {
      const c = this.counts[i]!;
      if (c > 0) {
        const [from, to] = bucketBounds(i);
        out.push({ from, to, count: c });
      }
    }
    return out;
  }

  /** p50/p90/p99/max etc. in milliseconds, the unit reports use. */
  summaryMs(): LatencySummary {
    const ms = (us: number) => us / 1000;
    return {
      count: this.count,
      min: this.count ? ms(this.min) : NaN,
      mean: ms(this.mean()),
      p50: ms(this.quantile(0.5)),
      p90: ms(this.quantile(0.9)),
      p95: ms(this.quantile(0.95)),
      p99: ms(this.quantile(0.99)),
      max: this.count ? ms(this.max) : NaN,
    };
  }
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export function bucketIndex(us: number): number {
  const v = Math.floor(us);
  if (v < SUB) return v;
  const exp = Math.min(MAX_EXP, Math.floor(Math.log2(v)) - (SUB_BITS - 1));
  const mantissa = Math.min(SUB - 1, Math.floor(v / 2 ** exp));
  return SUB + (exp - 1) * HALF + (mantissa - HALF);
}

export function bucketBounds(index: number): [number, number] {
  if (index < SUB) return [index, index + 1];
  const exp = Math.floor((index - SUB) / HALF) + 1;
  const mantissa = ((index - SUB) % HALF) + HALF;
  return [mantissa * 2 ** exp, (mantissa + 1) * 2 ** exp];
}
