/**
 * Time-weighted concurrency of the requests the activator handles (queued or proxied), from
 * arrival to completion — the accumulator Knative's activator and queue-proxy share
 * (https://github.com/knative/networking/blob/main/pkg/http/stats/request.go).
 */
export class ConcurrencyStats {
  private current = 0;
  private accumulated = 0;
  private last: number;
  private periodStart: number;
  private arrivals = 0;

  constructor(now: number) {
    this.last = now;
    this.periodStart = now;
  }

  get inFlight(): number {
    return this.current;
  }

  private advance(now: number): void {
    if (now > this.last) {
      this.accumulated += this.current * (now - this.last);
      this.last = now;
    }
  }

  arrive(now: number): void {
    this.advance(now);
    this.current++;
    this.arrivals++;
  }

  leave(now: number): void {
    this.advance(now);
    this.current--;
  }

  /** Cuts the period: average concurrency and arrivals per second since the last report. */
  report(now: number): { averageConcurrency: number; requestCount: number } {
    this.advance(now);
    const elapsed = now - this.periodStart;
    const seconds = elapsed > 0 ? elapsed / 1000 : 1;
    const out = {
      averageConcurrency: elapsed > 0 ? this.accumulated / elapsed : this.current,
      requestCount: this.arrivals / seconds,
    };
    this.accumulated = 0;
    this.arrivals = 0;
    this.periodStart = now;
    return out;
  }
}
