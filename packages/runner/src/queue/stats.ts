import type { StatMessage } from '@kedge/core';

/**
 * queue-proxy's request statistics: concurrency integrated over time between events, cut into a
 * report once a second. Requests waiting at the gate count as concurrency, as in Knative.
 */
export class RequestStats {
  private concurrency = 0;
  private proxied = 0;
  private acc = 0;
  private accProxied = 0;
  private requests = 0;
  private proxiedRequests = 0;
  private last: number;
  private periodStart: number;

  constructor(now: number) {
    this.last = now;
    this.periodStart = now;
  }

  get inFlight(): number {
    return this.concurrency;
  }

  private advance(now: number): void {
    const dt = Math.max(0, now - this.last);
    this.acc += this.concurrency * dt;
    this.accProxied += this.proxied * dt;
    this.last = now;
  }

  in(now: number, proxied: boolean): void {
    this.advance(now);
    this.concurrency++;
    this.requests++;
    if (proxied) {
      this.proxied++;
      this.proxiedRequests++;
    }
  }

  out(now: number, proxied: boolean): void {
    this.advance(now);
    this.concurrency--;
    if (proxied) this.proxied--;
  }

  /** Cuts the period ending now; current concurrency carries over into the next one. */
  report(now: number, base: Pick<StatMessage, 'namespace' | 'revision' | 'source'>): StatMessage {
    this.advance(now);
    const elapsed = now - this.periodStart;
    const msg: StatMessage = {
      ...base,
      averageConcurrency: elapsed > 0 ? this.acc / elapsed : this.concurrency,
      averageProxiedConcurrency: elapsed > 0 ? this.accProxied / elapsed : this.proxied,
      requestCount: this.requests,
      proxiedRequestCount: this.proxiedRequests,
      time: now,
    };
    this.acc = this.accProxied = 0;
    this.requests = this.proxiedRequests = 0;
    this.periodStart = now;
    return msg;
  }
}
