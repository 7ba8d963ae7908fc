import type { AggregationAlgorithm, StatMessage } from '@kedge/core';
import { createWindow, type WindowAverager } from './buckets.js';

export interface CollectorSettings {
  stableWindowSeconds: number;
  panicWindowSeconds: number;
  algorithm: AggregationAlgorithm;
  /**
   * Knative's "has a scrape target": false only with target-burst-capacity −1, where only the
   * activator reports. Without one, an empty window reads as 0 instead of "no data".
   */
  scrapeTarget: boolean;
}

export interface StableAndPanic {
  stable: number;
  panic: number;
}

/**
 * One revision's metric windows: {concurrency, rps} × {stable, panic}, 1-second buckets.
 * Every queue report and every activator report is recorded at its arrival second; reports landing
 * in the same second add up, so a bucket holds the revision total for that second.
 */
export class RevisionMetrics {
  private concurrencyStable: WindowAverager;
  private concurrencyPanic: WindowAverager;
  private rpsStable: WindowAverager;
  private rpsPanic: WindowAverager;

  constructor(private settings: CollectorSettings) {
    const { algorithm: a, stableWindowSeconds: s, panicWindowSeconds: p } = settings;
    this.concurrencyStable = createWindow(a, s);
    this.concurrencyPanic = createWindow(a, p);
    this.rpsStable = createWindow(a, s);
    this.rpsPanic = createWindow(a, p);
  }

  /** Records one report. Queues' proxied share is subtracted: the activator reports those requests itself. */
  record(
    nowMs: number,
    stat: Pick<
      StatMessage,
      'averageConcurrency' | 'averageProxiedConcurrency' | 'requestCount' | 'proxiedRequestCount' | 'fromActivator'
    >,
  ): void {
    const proxiedC = stat.fromActivator ? 0 : (stat.averageProxiedConcurrency ?? 0);
    const proxiedR = stat.fromActivator ? 0 : (stat.proxiedRequestCount ?? 0);
    this.recordValues(nowMs, stat.averageConcurrency - proxiedC, stat.requestCount - proxiedR);
  }

  recordValues(nowMs: number, concurrency: number, rps: number): void {
    this.concurrencyStable.record(nowMs, concurrency);
    this.concurrencyPanic.record(nowMs, concurrency);
    this.rpsStable.record(nowMs, rps);
    this.rpsPanic.record(nowMs, rps);
  }

  /** Stable and panic averages of the metric, or null for "no data" (the decider then skips the tick). */
  stableAndPanic(metric: 'concurrency' | 'rps', nowMs: number): StableAndPanic | null {
    const [stable, panic] =
      metric === 'rps' ? [this.rpsStable, this.rpsPanic] : [this.concurrencyStable, this.concurrencyPanic];
    if (this.settings.scrapeTarget && stable.isEmpty(nowMs)) return null;
    return { stable: stable.average(nowMs), panic: panic.average(nowMs) };
  }

  /** Follows a changed window or algorithm; resized windows keep their recent data. */
  update(next: CollectorSettings, nowMs: number): void {
    const prev = this.settings;
    this.settings = next;
    if (next.algorithm !== prev.algorithm) {
      const fresh = new RevisionMetrics(next);
      Object.assign(this, {
        concurrencyStable: fresh.concurrencyStable,
        concurrencyPanic: fresh.concurrencyPanic,
        rpsStable: fresh.rpsStable,
        rpsPanic: fresh.rpsPanic,
      });
      return;
    }
    if (next.stableWindowSeconds !== prev.stableWindowSeconds) {
      this.concurrencyStable.resize(next.stableWindowSeconds, nowMs);
      this.rpsStable.resize(next.stableWindowSeconds, nowMs);
    }
    if (next.panicWindowSeconds !== prev.panicWindowSeconds) {
      this.concurrencyPanic.resize(next.panicWindowSeconds, nowMs);
      this.rpsPanic.resize(next.panicWindowSeconds, nowMs);
    }
  }
}
