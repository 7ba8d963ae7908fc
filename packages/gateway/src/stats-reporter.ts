import type { Clock, TimerHandle } from '@kedge/core';
import { REPORT_INTERVAL_MS, type Activator, type Lease, type RevisionState } from './activator/activator.js';
import type { GatewayMetrics } from './metrics.js';
import type { GatewayStatsPublisher } from './stats-publisher.js';

/**
 * Where requests are counted: each answer in the Prometheus series, each cold start's phases for
 * the dashboard; and, once a second, the activator's concurrency report to the autoscaler (Knative's
 * concurrency_reporter.go) and the gateway's statistics on the bus.
 */
export class StatsReporter {
  private timers: TimerHandle[] = [];

  constructor(
    private readonly deps: {
      clock: Clock;
      metrics: GatewayMetrics;
      publisher: GatewayStatsPublisher;
      activator: Activator;
    },
  ) {}

  /** An answer given; `startMs` is the performance.now() of the request's arrival. */
  answered(key: string, namespace: string, revision: string, code: number, startMs: number): void {
    this.deps.metrics.request(key, namespace, revision, code, (performance.now() - startMs) / 1000);
  }

  coldStart(s: RevisionState, held: NonNullable<Lease['held']>, status: number, startMs: number): void {
    this.deps.publisher.coldStart(s.key, s.namespace, s.revision, {
      time: this.deps.clock.now(),
      holdMs: held.ms,
      ...(held.pokeMs !== undefined ? { pokeToReadyMs: held.pokeMs } : {}),
      totalMs: performance.now() - startMs,
      status,
    });
  }

  start(): void {
    const { clock, activator, publisher } = this.deps;
    this.timers.push(
      clock.setInterval(() => activator.report(), REPORT_INTERVAL_MS),
      clock.setInterval(() => publisher.flush(), REPORT_INTERVAL_MS),
    );
  }

  stop(): void {
    for (const t of this.timers.splice(0)) this.deps.clock.clearInterval(t);
  }
}
