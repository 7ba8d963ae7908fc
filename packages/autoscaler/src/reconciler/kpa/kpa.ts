import type { Revision, StatMessage } from '@kedge/core';
import { KPA_CLASS, type AutoscalerConfig } from '../../config/autoscaler-config.js';
import { createDecider, type Decider } from '../../decider/decider.js';
import { revisionAutoscaling, type RevisionAutoscaling } from '../../decider/spec.js';
import { RevisionMetrics, type CollectorSettings } from '../../metrics/collector.js';
import { numActivators, sksMode } from '../../scaler/pa-status.js';
import { computeScale } from '../../scaler/scaler.js';
import type { Reachability, RevisionScaler, ScaleBounds, ScalerClass, ScaleView } from '../../scaling/scaler-class.js';

/** The activator reports what it carried over the last second (gateway docs: Report). */
const ACTIVATOR_REPORT_MS = 1000;

const collectorSettings = (s: RevisionAutoscaling): CollectorSettings => ({
  stableWindowSeconds: s.decider.stableWindowSeconds,
  panicWindowSeconds: s.panicWindowSeconds,
  algorithm: s.algorithm,
  scrapeTarget: s.decider.targetBurstCapacity !== -1,
});

/** Knative's initial EBC before any decision: TBC when 0/−1, else initialScale × total − TBC. */
const initialEbc = (s: RevisionAutoscaling) => {
  const tbc = s.decider.targetBurstCapacity;
  return tbc === 0 || tbc === -1 ? tbc : Math.floor(s.initialScale * s.decider.totalValue - tbc);
};

/**
 * One revision under the KPA: Knative's collector windows and decider (pkg/autoscaler), and the
 * scale-to-zero gate and SKS mode of pkg/reconciler/autoscaling/kpa.
 */
export class KpaScaler implements RevisionScaler {
  readonly className = KPA_CLASS;
  settings: RevisionAutoscaling;
  metrics: RevisionMetrics;
  decider: Decider;
  desiredScale = -1;
  ebc: number;
  private config: AutoscalerConfig;
  private lastPokeSecond = -1;
  /** A capacity poke's concurrency, for the decision it asks for (then forgotten). */
  private heldConcurrency: number | undefined;
  /** When the admin verb last forgot the load history; activator windows opened before it are history. */
  private forgottenAt = -Infinity;

  constructor(
    rev: Revision,
    ctx: { reachability: Reachability; config: AutoscalerConfig; now: number; readyPods: number },
  ) {
    this.config = ctx.config;
    this.settings = revisionAutoscaling(rev, ctx.config, { reachability: ctx.reachability });
    this.metrics = new RevisionMetrics(collectorSettings(this.settings));
    this.decider = createDecider(this.settings.decider, { readyPodsAtCreation: ctx.readyPods, now: ctx.now });
    this.ebc = initialEbc(this.settings);
  }

  get bounds(): ScaleBounds {
    const s = this.settings;
    return { minScale: s.minScale, maxScale: s.maxScale, initialScale: s.initialScale, reachable: s.decider.reachable };
  }

  get problems(): readonly string[] {
    return this.settings.problems;
  }

  update(rev: Revision, reachability: Reachability, config: AutoscalerConfig, now: number): void {
    this.config = config;
    const next = revisionAutoscaling(rev, config, { reachability });
    this.settings = next;
    this.decider.update(next.decider);
    this.metrics.update(collectorSettings(next), now);
  }

  record(stat: StatMessage, now: number): boolean {
    // An activator report covers the second before its time: one that opened before the admin verb
    // forgot the history is that history (it would bring the revision straight back with no request).
    if (stat.fromActivator && stat.time - ACTIVATOR_REPORT_MS < this.forgottenAt) return false;
    this.metrics.record(now, stat);
    return this.desiredScale === 0 && stat.averageConcurrency > 0;
  }

  /**
   * Knative's poke: a request waits at the activator for a revision at zero — decide now, not at the
   * next tick. Kedge's activator also pokes while it holds requests behind full instances; the
   * concurrency it carries then is a floor for the panic window's average in the decision it asks
   * for (not recorded: its 1-second report records the same requests), so queued demand is acted on
   * before the windows fill (docs/autoscaling.md, "Capacity pokes").
   */
  poke(now: number, replicas: number, concurrency?: number): boolean {
    const floor = concurrency !== undefined && concurrency > 0 ? concurrency : undefined;
    if (replicas > 0 && this.desiredScale > 0) {
      if (floor === undefined) return false;
      this.heldConcurrency = floor;
      return true;
    }
    const sec = Math.floor(now / 1000);
    // The activator's first-request stat (concurrency 1); once per second so repeated pokes do not add up.
    if (sec !== this.lastPokeSecond) {
      this.lastPokeSecond = sec;
      this.metrics.recordValues(now, 1, 1);
    }
    this.heldConcurrency = floor;
    return true;
  }

  everySecond(now: number, ready: number): void {
    // A pod that reports zeros is still scraped in Knative: record 0 so "no data" means "no instances".
    if (ready > 0) this.metrics.recordValues(now, 0, 0);
  }

  settled(now: number, ready: number): void {
    // Knative reads the ready count when it builds a decider; ≥ 2 starts in panic so a restarted
    // autoscaler holds the current scale until its windows refill. Now the runners have answered.
    if (this.desiredScale < 0) this.decider = createDecider(this.settings.decider, { readyPodsAtCreation: ready, now });
  }

  decide(now: number, ready: number): void {
    const metric = this.settings.decider.scalingMetric;
    const sp = this.metrics.stableAndPanic(metric, now);
    // Held requests bound the concurrency from below; they say nothing of rps.
    const floor = metric === 'concurrency' ? (this.heldConcurrency ?? 0) : 0;
    this.heldConcurrency = undefined;
    const r = this.decider.scale({
      now,
      observedStable: sp?.stable ?? null,
      observedPanic: sp ? Math.max(sp.panic, floor) : null,
      readyPods: ready,
    });
    if (r.valid) {
      this.desiredScale = r.desiredPodCount;
      this.ebc = r.excessBurstCapacity;
    }
  }

  scale(view: ScaleView): { want: number; apply: boolean } {
    const s = this.settings;
    return computeScale({
      now: view.now,
      desiredScale: this.desiredScale,
      pa: view.pa,
      reachable: s.decider.reachable,
      minScale: s.minScale,
      maxScale: s.maxScale,
      initialScale: s.initialScale,
      stableWindowSeconds: s.decider.stableWindowSeconds,
      targetBurstCapacity: s.decider.targetBurstCapacity,
      enableScaleToZero: this.config.enableScaleToZero,
      scaleToZeroGracePeriodSeconds: this.config.scaleToZeroGracePeriod,
      scaleToZeroPodRetentionPeriodSeconds: s.scaleToZeroPodRetentionPeriod,
      activationTimeoutSeconds: s.activationTimeoutSeconds,
      sksMode: view.mode,
      proxySince: view.proxySince,
      activatorInPath: view.activatorInPath,
    });
  }

  sks(want: number, ready: number): { mode: 'Proxy' | 'Serve'; numActivators: number } {
    return { mode: sksMode(want, this.ebc), numActivators: numActivators(ready, this.settings.decider) };
  }

  scaleToZero(now: number): string | undefined {
    const tbc = this.settings.decider.targetBurstCapacity;
    // Forget the load history too, or the next tick would scale straight back up.
    this.metrics = new RevisionMetrics(collectorSettings(this.settings));
    // The poke guard counts for the windows just dropped: a poke in this same second must record
    // its first-request stat again, or the decider sees no load and the request waits ~1 s for
    // the activator's next report.
    this.lastPokeSecond = -1;
    this.forgottenAt = now;
    this.decider = createDecider(this.settings.decider, { readyPodsAtCreation: 0, now });
    this.desiredScale = 0;
    this.ebc = tbc > 0 ? -tbc : tbc;
    return undefined;
  }

  describe(): Record<string, unknown> {
    const last = this.decider.last;
    return { panic: this.decider.inPanicMode(), dspc: last?.dspc, dppc: last?.dppc };
  }
}

/** Knative's default class, `kpa.autoscaling.knative.dev`. */
export const kpaClass: ScalerClass = {
  name: KPA_CLASS,
  create: (rev, ctx) => new KpaScaler(rev, ctx),
};
