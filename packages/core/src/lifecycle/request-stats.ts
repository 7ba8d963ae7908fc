/** One period's figures: concurrency averaged over time, and the requests that arrived in it. */
export interface RequestStatsReport {
  averageConcurrency: number;
  averageProxiedConcurrency: number;
  requestCount: number;
  proxiedRequestCount: number;
  /** How long the period was (ms); 0 when cut twice at the same instant. */
  elapsedMs: number;
}

/**
 * Knative's request statistics (knative/networking pkg/http/stats/request.go), shared by the
 * runner's queue and the activator: concurrency integrated over time between events, so a
 * request that lasted half the period counts as 0.5. Requests marked `proxied` (sent by the
 * activator) are also counted on their own, as queue-proxy does.
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
    // A clock that stepped back adds nothing rather than subtracting.
    const dt = Math.max(0, now - this.last);
    this.acc += this.concurrency * dt;
    this.accProxied += this.proxied * dt;
    this.last = Math.max(now, this.last);
  }

  in(now: number, proxied = false): void {
    this.advance(now);
    this.concurrency++;
    this.requests++;
    if (proxied) {
      this.proxied++;
      this.proxiedRequests++;
    }
  }

  out(now: number, proxied = false): void {
    this.advance(now);
    this.concurrency--;
    if (proxied) this.proxied--;
  }

  /** Cuts the period ending now; current concurrency carries over into the next one. */
  report(now: number): RequestStatsReport {
    this.advance(now);
    const elapsedMs = Math.max(0, now - this.periodStart);
    const out: RequestStatsReport = {
      averageConcurrency: elapsedMs > 0 ? this.acc / elapsedMs : this.concurrency,
      averageProxiedConcurrency: elapsedMs > 0 ? this.accProxied / elapsedMs : this.proxied,
      requestCount: this.requests,
      proxiedRequestCount: this.proxiedRequests,
      elapsedMs,
    };
    this.acc = this.accProxied = 0;
    this.requests = this.proxiedRequests = 0;
    this.periodStart = now;
    return out;
  }
}
