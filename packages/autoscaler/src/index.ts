export {
  createAutoscaler,
  CONFIG_AUTOSCALER,
  type Autoscaler,
  type AutoscalerDeps,
  type AutoscalerInternals,
  type RevisionView,
} from './autoscaler.js';
export type { RevisionScaler, ScaleBounds, ScalerClass, ScaleView, SksMode } from './scaling/scaler-class.js';
export { kpaClass } from './reconciler/kpa/kpa.js';
export { hpaClass } from './reconciler/hpa/hpa.js';
export { hpaSpec, type HpaSpec } from './reconciler/hpa/spec.js';
export {
  replicasForMetric,
  Stabilizer,
  ScaleUpLimiter,
  HPA_TOLERANCE,
  type MetricReplicasInput,
} from './reconciler/hpa/replicas.js';
export * from './config/autoscaler-config.js';
export { parseDuration, formatDuration } from './config/duration.js';
export {
  createDecider,
  type Decider,
  type DeciderDebug,
  type DeciderOptions,
  type ScaleInput,
  type ScaleResult,
} from './decider/decider.js';
export {
  deciderSpecFor,
  panicWindowSeconds,
  resolveMetricTarget,
  revisionAutoscaling,
  type DeciderSpec,
  type RevisionAutoscaling,
  type RevisionAutoscalingOptions,
} from './decider/spec.js';
export { DelayWindow } from './decider/delay-window.js';
export {
  LinearBuckets,
  WeightedBuckets,
  createWindow,
  smoothingCoefficient,
  type WindowAverager,
} from './metrics/buckets.js';
export { RevisionMetrics, type CollectorSettings, type StableAndPanic } from './metrics/collector.js';
export { computeScale, type ScalerInput, type ScalerResult } from './scaler/scaler.js';
export * from './scaler/pa-status.js';
export { Cluster, NODE_TIMEOUT_MS, type Plan, type TrackedInstance, type NodeInfo } from './placement/cluster.js';
