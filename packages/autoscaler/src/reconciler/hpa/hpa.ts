import type { Revision, StatMessage } from '@kedge/core';
import { HPA_CLASS, type AutoscalerConfig } from '../../config/autoscaler-config.js';
import type {
  Reachability,
  RevisionScaler,
  ScaleBounds,
  ScalerClass,
  ScaleView,
  SksMode,
} from '../../scaling/scaler-class.js';
import { InstanceMetrics } from './instance-metrics.js';
import { replicasForMetric, ScaleUpLimiter, Stabilizer } from './replicas.js';
import { hpaSpec, type HpaSpec } from './spec.js';

/**
 * One revision under the HPA class. Knative hands such a revision to a Kubernetes
 * HorizontalPodAutoscaler (pkg/reconciler/autoscaling/hpa); Kedge has none, so this computes what
 * that controller would: the replica calculator on the runners' CPU or memory reports, the
 * stabilization window and the default scale-up policy. Never below one instance, and the activator
 * only in the path while no instance is ready (Knative's HPA reconciler keeps the SKS in Serve).
 */
export class HpaScaler implements RevisionScaler {
  readonly className = HPA_CLASS;
  /** The decision message's excess burst capacity: the HPA keeps no burst headroom. */
  readonly ebc = 0;
  spec: HpaSpec;
  desiredScale = -1;
  /** The replicas last wanted (Kubernetes: the scale subresource's replicas). */
  private current: number;
  private readonly metrics = new InstanceMetrics();
  private readonly stabilizer: Stabilizer;
  private readonly limiter = new ScaleUpLimiter();
  private last: { values: number[]; recommended: number | undefined } | undefined;

  constructor(rev: Revision, ctx: { config: AutoscalerConfig; readyPods: number }) {
    this.spec = hpaSpec(rev, ctx.config);
    this.stabilizer = new Stabilizer(this.spec.downscaleStabilizationSeconds, this.spec.upscaleStabilizationSeconds);
    this.current = this.clamp(Math.max(this.spec.initialScale, ctx.readyPods));
  }

  get bounds(): ScaleBounds {
    const s = this.spec;
    return { minScale: s.minScale, maxScale: s.maxScale, initialScale: s.initialScale, reachable: true };
  }

  get problems(): readonly string[] {
    return this.spec.problems;
  }

  update(rev: Revision, _reachability: Reachability, config: AutoscalerConfig): void {
    this.spec = hpaSpec(rev, config);
    this.stabilizer.setWindows(this.spec.downscaleStabilizationSeconds, this.spec.upscaleStabilizationSeconds);
  }

  record(stat: StatMessage, now: number): boolean {
    // The activator's reports carry requests, not an instance's resources.
    if (!stat.fromActivator) this.metrics.record(stat.source, now, stat);
    return false;
  }

  /** Nothing to wake: an HPA revision never goes to zero. */
  poke(): boolean {
    return false;
  }

  everySecond(now: number): void {
    this.metrics.prune(now);
  }

  settled(_now: number, ready: number): void {
    // A restarted autoscaler continues from the instances that run.
    if (this.desiredScale < 0) this.current = this.clamp(Math.max(this.current, ready));
  }

  decide(now: number, ready: number): void {
    const s = this.spec;
    const current = this.current;
    const values = s.metric === 'cpu' ? this.metrics.cpuUtilization(now, s.cpuRequestCores) : this.metrics.memory(now);
    const recommended = replicasForMetric({
      current,
      values,
      missing: Math.max(0, ready - values.length),
      unready: Math.max(0, current - ready),
      target: s.target,
      missingValue: s.metric === 'cpu' ? Math.max(100, s.target) : s.target,
    });
    this.last = { values, recommended };
    // No instance has a metric yet: Kubernetes keeps the scale (within the bounds).
    const stabilized = recommended === undefined ? current : this.stabilizer.stabilize(now, recommended, current);
    const limited = stabilized > current ? Math.min(stabilized, this.limiter.limit(now, current)) : stabilized;
    const next = this.clamp(limited);
    this.limiter.scaled(now, current, next);
    this.desiredScale = next;
    this.current = next;
  }

  scale(_view: ScaleView): { want: number; apply: boolean } {
    const want = this.desiredScale >= 0 ? this.desiredScale : this.current;
    this.current = want;
    return { want, apply: true };
  }

  sks(): { mode: SksMode; numActivators: number } {
    return { mode: 'Serve', numActivators: 2 };
  }

  scaleToZero(): string | undefined {
    return `the ${HPA_CLASS} class keeps at least one instance (as in Knative): only KPA revisions scale to zero`;
  }

  describe(): Record<string, unknown> {
    const s = this.spec;
    const values = this.last?.values.map((v) => (s.metric === 'cpu' ? Math.round(v) : Math.round(v / 1024 / 1024)));
    return {
      class: 'hpa',
      metric: s.metric,
      target: s.metric === 'cpu' ? s.target : s.target / 1024 / 1024,
      values,
      recommended: this.last?.recommended,
    };
  }

  private clamp(n: number): number {
    const s = this.spec;
    const atLeast = Math.max(n, s.minScale, 1);
    return s.maxScale > 0 ? Math.min(atLeast, s.maxScale) : atLeast;
  }
}

/** `hpa.autoscaling.knative.dev`, computed by Kedge itself (see HpaScaler). */
export const hpaClass: ScalerClass = {
  name: HPA_CLASS,
  create: (rev, ctx) => new HpaScaler(rev, ctx),
};
