import {
  Errs,
  effectiveContainerConcurrency,
  readAutoscalingAnnotations,
  readProgressDeadline,
  type AggregationAlgorithm,
  type AutoscalingAnnotations,
  type Revision,
} from '@kedge/core';
import {
  ACTIVATION_TIMEOUT_BUFFER_SECONDS,
  BUCKET_SIZE_SECONDS,
  DEFAULT_PROGRESS_DEADLINE_SECONDS,
  RPS_TARGET_UTILIZATION,
  TARGET_MIN,
  type AutoscalerConfig,
} from '../config/autoscaler-config.js';

/** Knative's DeciderSpec: everything one decision consumes. Durations in seconds. */
export interface DeciderSpec {
  scalingMetric: 'concurrency' | 'rps';
  /** Per-pod value the decider aims for (total × utilization, at least 0.01). */
  targetValue: number;
  /** Per-pod maximum (containerConcurrency, or the default/annotated target); used for burst capacity. */
  totalValue: number;
  targetBurstCapacity: number;
  /** Ratio: 2 = 200 %. */
  panicThreshold: number;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  activatorCapacity: number;
  stableWindowSeconds: number;
  scaleDownDelaySeconds: number;
  reachable: boolean;
  activationScale: number;
}

/** Everything a revision's autoscaling resolves to: the decider's spec plus what the collector and scaler need. */
export interface RevisionAutoscaling {
  class: string;
  decider: DeciderSpec;
  panicWindowSeconds: number;
  algorithm: AggregationAlgorithm;
  /** Scale bounds before reachability is applied (max 0 = unbounded). */
  minScale: number;
  maxScale: number;
  initialScale: number;
  scaleToZeroPodRetentionPeriod: number;
  /** progress deadline + 30 s (Knative's activation timeout). */
  activationTimeoutSeconds: number;
  annotations: AutoscalingAnnotations;
  /** Problems with the annotations, each naming its key; the values in question were ignored. */
  problems: string[];
}

/** Go's Duration.Round(time.Second): halves away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** Panic window = stable × percentage / 100, whole seconds, at least one bucket. */
export function panicWindowSeconds(stableWindowSeconds: number, panicWindowPercentage: number): number {
  return Math.max(BUCKET_SIZE_SECONDS, roundHalfAway((stableWindowSeconds * panicWindowPercentage) / 100));
}

/** Knative's ResolveMetricTarget: (targetValue, totalValue) per pod. */
export function resolveMetricTarget(
  metric: 'concurrency' | 'rps',
  containerConcurrency: number,
  anns: AutoscalingAnnotations,
  config: AutoscalerConfig,
): { target: number; total: number } {
  let total: number;
  let utilization: number;
  if (metric === 'rps') {
    total = config.requestsPerSecondTargetDefault;
    utilization = RPS_TARGET_UTILIZATION;
  } else {
    total = containerConcurrency === 0 ? config.containerConcurrencyTargetDefault : containerConcurrency;
    utilization = config.containerConcurrencyTargetPercentage;
  }
  if (anns.target !== undefined) {
    // Never aim above the hard per-instance limit.
    total =
      metric === 'concurrency' && containerConcurrency !== 0
        ? Math.min(anns.target, containerConcurrency)
        : anns.target;
  }
  if (anns.targetUtilizationPercentage !== undefined) utilization = anns.targetUtilizationPercentage / 100;
  return { target: Math.max(TARGET_MIN, total * utilization), total };
}

export interface RevisionAutoscalingOptions {
  /** PodAutoscaler spec.reachability: only 'Unreachable' makes a revision unreachable. */
  reachability?: 'Reachable' | 'Unreachable' | '' | undefined;
}

/** Resolves a revision's annotations against the cluster config (Knative's MakeDecider in
 * pkg/reconciler/autoscaling/kpa/resources/decider.go, plus the scaler's bounds). */
export function revisionAutoscaling(
  revision: Revision,
  config: AutoscalerConfig,
  opts: RevisionAutoscalingOptions = {},
): RevisionAutoscaling {
  const errors = new Errs();
  const anns = revision.metadata.annotations;
  const a = readAutoscalingAnnotations(anns, 'metadata.annotations', errors, config);
  const cls = a.class ?? config.podAutoscalerClass;
  const scalingMetric = a.metric === 'rps' ? 'rps' : 'concurrency';
  // What one instance serves at once: containerConcurrency, for WebAssembly replicas too (docs/runner.md).
  const cc = effectiveContainerConcurrency(revision);
  const { target, total } = resolveMetricTarget(scalingMetric, cc, a, config);
  const stable = a.window ?? config.stableWindow;
  const initialScale =
    a.initialScale !== undefined && (a.initialScale !== 0 || config.allowZeroInitialScale)
      ? a.initialScale
      : config.initialScale;
  const progressDeadline =
    readProgressDeadline(anns, 'metadata.annotations', errors) ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  return {
    class: cls,
    decider: {
      scalingMetric,
      targetValue: target,
      totalValue: total,
      targetBurstCapacity: a.targetBurstCapacity ?? config.targetBurstCapacity,
      panicThreshold: (a.panicThresholdPercentage ?? config.panicThresholdPercentage) / 100,
      maxScaleUpRate: config.maxScaleUpRate,
      maxScaleDownRate: config.maxScaleDownRate,
      activatorCapacity: config.activatorCapacity,
      stableWindowSeconds: stable,
      scaleDownDelaySeconds: a.scaleDownDelay ?? config.scaleDownDelay,
      reachable: opts.reachability !== 'Unreachable',
      activationScale: a.activationScale ?? 0,
    },
    panicWindowSeconds: panicWindowSeconds(stable, a.panicWindowPercentage ?? config.panicWindowPercentage),
    algorithm: a.metricAggregationAlgorithm ?? 'linear',
    minScale: a.minScale ?? config.minScale,
    maxScale: a.maxScale ?? config.maxScale,
    initialScale,
    scaleToZeroPodRetentionPeriod: a.scaleToZeroPodRetentionPeriod ?? config.scaleToZeroPodRetentionPeriod,
    activationTimeoutSeconds: progressDeadline + ACTIVATION_TIMEOUT_BUFFER_SECONDS,
    annotations: a,
    problems: errors.problems.map((p) => `${p.path}: ${p.message}`),
  };
}

/** Knative's MakeDecider: the DeciderSpec for a revision under a config. */
export function deciderSpecFor(
  revision: Revision,
  config: AutoscalerConfig,
  opts: RevisionAutoscalingOptions = {},
): DeciderSpec {
  return revisionAutoscaling(revision, config, opts).decider;
}
