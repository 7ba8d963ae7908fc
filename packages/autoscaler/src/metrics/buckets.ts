/** Go's math.Round (halves away from zero) to n decimals, as Knative rounds window averages. */
export function roundTo(n: number, x: number): number {
  const p = 10 ** n;
  return (Math.sign(x) * Math.round(Math.abs(x) * p)) / p;
}

/** A window average over 1-second buckets, fed with (time, value) samples. */
export interface WindowAverager {
  record(nowMs: number, value: number): void;
  average(nowMs: number): number;
  /** No sample in the last window (Knative: now − lastWrite > window). */
  isEmpty(nowMs: number): boolean;
  resize(windowSeconds: number, nowMs: number): void;
  readonly windowSeconds: number;
}

const NONE = Number.NEGATIVE_INFINITY;

/**
 * Knative's TimedFloat64Buckets with 1 s granularity: a ring of ceil(window) buckets indexed by the
 * absolute second, a running total, and first/last write seconds. Same-second samples add up.
 */
abstract class SecondBuckets implements WindowAverager {
  protected buckets: Float64Array;
  protected total = 0;
  protected firstWrite = NONE;
  protected lastWrite = NONE;

  constructor(public windowSeconds: number) {
    this.buckets = new Float64Array(Math.max(1, Math.ceil(windowSeconds)));
  }

  protected slot(sec: number): number {
    const n = this.buckets.length;
    return ((sec % n) + n) % n;
  }

  record(nowMs: number, value: number): void {
    const b = Math.floor(nowMs / 1000);
    if (b !== this.lastWrite) {
      // Older than a full window behind the newest sample: it can no longer count.
      if (b + this.windowSeconds <= this.lastWrite) return;
      if (this.firstWrite === NONE || b < this.firstWrite) this.firstWrite = b;
      if (b > this.lastWrite) {
        if (b - this.lastWrite >= this.windowSeconds) {
          this.firstWrite = b;
          this.buckets.fill(0);
          this.total = 0;
        } else {
          // Seconds with no sample in between are zeros, and they overwrite what the ring held there.
          for (let i = this.lastWrite + 1; i <= b; i++) {
            const s = this.slot(i);
            this.total -= this.buckets[s]!;
            this.buckets[s] = 0;
          }
        }
        this.lastWrite = b;
      }
    }
    this.buckets[this.slot(b)]! += value;
    this.total += value;
  }

  isEmpty(nowMs: number): boolean {
    return Math.floor(nowMs / 1000) - this.lastWrite > this.windowSeconds;
  }

  /** Keeps the newest min(old, new) buckets when the data is still recent; else starts empty. */
  resize(windowSeconds: number, nowMs: number): void {
    if (windowSeconds === this.windowSeconds) return;
    const oldN = this.buckets.length;
    const next = new Float64Array(Math.max(1, Math.ceil(windowSeconds)));
    let total = 0;
    const recent = this.lastWrite !== NONE && Math.floor(nowMs / 1000) - this.lastWrite <= this.windowSeconds;
    if (recent) {
      const n = next.length;
      for (let i = 0, t = this.lastWrite; i < Math.min(n, oldN); i++, t--) {
        const v = this.buckets[this.slot(t)]!;
        next[((t % n) + n) % n] = v;
        total += v;
      }
      // Only the kept seconds are known now; growing the window must not divide by seconds it no longer holds.
      this.firstWrite = Math.max(this.firstWrite, this.lastWrite - Math.min(n, oldN) + 1);
    } else {
      this.firstWrite = NONE;
      this.lastWrite = NONE;
    }
    this.windowSeconds = windowSeconds;
    this.buckets = next;
    this.total = total;
  }

  abstract average(nowMs: number): number;
}

/** The default `linear` algorithm: plain mean over the seconds the data covers (young revisions: their lifetime). */
export class LinearBuckets extends SecondBuckets {
  average(nowMs: number): number {
    const now = Math.floor(nowMs / 1000);
    if (this.isEmpty(nowMs)) return 0;
    const d = now - this.lastWrite;
    const span = this.lastWrite - this.firstWrite + 1;
    if (d <= 0) return roundTo(6, this.total / Math.min(span, this.buckets.length));
    if (d < this.windowSeconds) {
      // Slots between the last write and now hold data from a full ring ago: outside the window.
      let ret = this.total;
      for (let i = this.lastWrite + 1; i <= now; i++) ret -= this.buckets[this.slot(i)]!;
      return roundTo(6, ret / Math.min(span, this.buckets.length - d));
    }
    return 0;
  }
}

/** Knative's smoothing coefficient: max(1 − 0.0001^(1/n), 0.2). */
export function smoothingCoefficient(nBuckets: number): number {
  return Math.max(1 - 0.0001 ** (1 / nBuckets), 0.2);
}

/** The opt-in `weighted-exponential` algorithm: newer seconds weigh more; empty seconds since the last write consume weight. */
export class WeightedBuckets extends SecondBuckets {
  average(nowMs: number): number {
    if (this.isEmpty(nowMs)) return 0;
    const now = Math.floor(nowMs / 1000);
    const total = this.buckets.length;
    const m = smoothingCoefficient(total);
    let numB = total;
    let mult = m;
    if (now > this.lastWrite) {
      const zeros = now - this.lastWrite;
      mult *= (1 - m) ** zeros;
      numB -= zeros;
    }
    let ret = 0;
    for (let i = 0; i < numB; i++) {
      ret += this.buckets[this.slot(this.lastWrite - i)]! * mult;
      mult *= 1 - m;
    }
    return ret;
  }
}

export function createWindow(algorithm: 'linear' | 'weighted-exponential', windowSeconds: number): WindowAverager {
  return algorithm === 'weighted-exponential' ? new WeightedBuckets(windowSeconds) : new LinearBuckets(windowSeconds);
}
