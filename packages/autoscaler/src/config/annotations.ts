import { FieldErrors, type FieldError } from '@kedge/core';
import {
  HPA_CLASS,
  KPA_CLASS,
  PANIC_THRESHOLD_PERCENTAGE_MAX,
  PANIC_THRESHOLD_PERCENTAGE_MIN,
  PANIC_WINDOW_PERCENTAGE_MAX,
  PANIC_WINDOW_PERCENTAGE_MIN,
  TARGET_MIN,
  WINDOW_MAX_SECONDS,
  WINDOW_MIN_SECONDS,
  type AutoscalerConfig,
} from './autoscaler-config.js';
import { parseDuration } from './duration.js';

export const AUTOSCALING_PREFIX = 'autoscaling.knative.dev/';
export const PROGRESS_DEADLINE_ANNOTATION = 'serving.knative.dev/progress-deadline';

const A = (k: string) => AUTOSCALING_PREFIX + k;

/** Every per-revision annotation, new spelling first then the old camelCase alias (first present wins). */
export const AUTOSCALING_ANNOTATIONS = {
  class: [A('class')],
  metric: [A('metric')],
  target: [A('target')],
  targetUtilizationPercentage: [A('target-utilization-percentage'), A('targetUtilizationPercentage')],
  window: [A('window')],
  panicWindowPercentage: [A('panic-window-percentage'), A('panicWindowPercentage')],
  panicThresholdPercentage: [A('panic-threshold-percentage'), A('panicThresholdPercentage')],
  minScale: [A('min-scale'), A('minScale')],
  maxScale: [A('max-scale'), A('maxScale')],
  initialScale: [A('initial-scale'), A('initialScale')],
  scaleDownDelay: [A('scale-down-delay'), A('scaleDownDelay')],
  activationScale: [A('activation-scale')],
  targetBurstCapacity: [A('target-burst-capacity'), A('targetBurstCapacity')],
  scaleToZeroPodRetentionPeriod: [A('scale-to-zero-pod-retention-period'), A('scaleToZeroPodRetentionPeriod')],
  metricAggregationAlgorithm: [A('metric-aggregation-algorithm'), A('metricAggregationAlgorithm')],
  progressDeadline: [PROGRESS_DEADLINE_ANNOTATION],
} as const;

export type AggregationAlgorithm = 'linear' | 'weighted-exponential';

/** What a revision's annotations set; absent keys (and, at run time, invalid ones) are left undefined. */
export interface AutoscalingAnnotations {
  class?: string;
  metric?: string;
  target?: number;
  /** As written (70 = 70 %). */
  targetUtilizationPercentage?: number;
  /** Seconds. */
  window?: number;
  panicWindowPercentage?: number;
  panicThresholdPercentage?: number;
  minScale?: number;
  maxScale?: number;
  initialScale?: number;
  scaleDownDelay?: number;
  activationScale?: number;
  targetBurstCapacity?: number;
  scaleToZeroPodRetentionPeriod?: number;
  metricAggregationAlgorithm?: AggregationAlgorithm;
  progressDeadline?: number;
}

function get(anns: Record<string, string>, keys: readonly string[]): [string, string] | undefined {
  for (const k of keys) if (anns[k] !== undefined) return [k, anns[k]!];
  return undefined;
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;
const INT32_MAX = 2147483647;

/**
 * Reads and checks the `autoscaling.knative.dev/*` annotations the way Knative's webhook
 * (ValidateAnnotations) does. Returns the values that passed and every problem found, each naming
 * its annotation key. The autoscaler uses the values and logs the problems (Knative's PA getters
 * likewise ignore a value they cannot read); the API rejects the object when there are problems.
 */
export function readAutoscalingAnnotations(
  anns: Record<string, string> | undefined,
  config: Pick<AutoscalerConfig, 'maxScaleLimit' | 'allowZeroInitialScale'>,
): { values: AutoscalingAnnotations; errors: FieldErrors } {
  const m = anns ?? {};
  const errs = new FieldErrors();
  const v: AutoscalingAnnotations = {};
  const invalid = (k: string, raw: string, why?: string) => errs.add(k, `invalid value "${raw}"${why ? `: ${why}` : ''}`);

  const float = (keys: readonly string[], check: (n: number) => string | undefined): number | undefined => {
    const hit = get(m, keys);
    if (!hit) return undefined;
    const [k, raw] = hit;
    if (!FLOAT.test(raw.trim())) return void invalid(k, raw, 'not a number');
    const n = Number(raw.trim());
    const bad = check(n);
    if (bad) return void errs.add(k, bad);
    return n;
  };
  const int32 = (keys: readonly string[], check: (n: number) => string | undefined): number | undefined => {
    const hit = get(m, keys);
    if (!hit) return undefined;
    const [k, raw] = hit;
    if (!INT.test(raw.trim())) return void invalid(k, raw, 'not an integer');
    const n = Number(raw.trim());
    const bad = check(n);
    if (bad) return void errs.add(k, bad);
    return n;
  };
  const duration = (keys: readonly string[], check: (s: number) => string | undefined): number | undefined => {
    const hit = get(m, keys);
    if (!hit) return undefined;
    const [k, raw] = hit;
    let s: number;
    try {
      s = parseDuration(raw);
    } catch (err) {
      return void invalid(k, raw, (err as Error).message);
    }
    const bad = check(s);
    if (bad) return void errs.add(k, bad);
    return s;
  };
  const range = (lo: number, hi: number, raw?: (n: number) => string) => (n: number) =>
    n < lo || n > hi ? `expected ${lo} <= ${raw ? raw(n) : n} <= ${hi}` : undefined;
  const whole = (s: number) => Math.abs(s - Math.round(s)) < 1e-9;

  const cls = get(m, AUTOSCALING_ANNOTATIONS.class);
  if (cls) {
    if (cls[1].endsWith('.knative.dev') && cls[1] !== KPA_CLASS && cls[1] !== HPA_CLASS) invalid(cls[0], cls[1], `want ${KPA_CLASS} or ${HPA_CLASS}`);
    else v.class = cls[1];
  }
  const metric = get(m, AUTOSCALING_ANNOTATIONS.metric);
  if (metric) {
    const cl = v.class ?? KPA_CLASS;
    if (cl === KPA_CLASS && metric[1] !== 'concurrency' && metric[1] !== 'rps') invalid(metric[0], metric[1], 'want concurrency or rps');
    else if (cl === HPA_CLASS && metric[1] === '') invalid(metric[0], metric[1]);
    else v.metric = metric[1];
  }

  v.target = float(AUTOSCALING_ANNOTATIONS.target, (n) => (n < TARGET_MIN ? `target ${n} should be at least ${TARGET_MIN}` : undefined));
  v.targetUtilizationPercentage = float(AUTOSCALING_ANNOTATIONS.targetUtilizationPercentage, range(1, 100));
  v.panicWindowPercentage = float(
    AUTOSCALING_ANNOTATIONS.panicWindowPercentage,
    range(PANIC_WINDOW_PERCENTAGE_MIN, PANIC_WINDOW_PERCENTAGE_MAX),
  );
  v.panicThresholdPercentage = float(
    AUTOSCALING_ANNOTATIONS.panicThresholdPercentage,
    range(PANIC_THRESHOLD_PERCENTAGE_MIN, PANIC_THRESHOLD_PERCENTAGE_MAX),
  );
  v.targetBurstCapacity = float(AUTOSCALING_ANNOTATIONS.targetBurstCapacity, (n) =>
    n < 0 && n !== -1 ? `invalid value "${n}": must be >= 0 or -1 (unlimited)` : undefined,
  );

  v.window = duration(AUTOSCALING_ANNOTATIONS.window, (s) =>
    s < WINDOW_MIN_SECONDS || s > WINDOW_MAX_SECONDS
      ? `expected 6s <= ${s}s <= 1h0m0s`
      : !whole(s)
        ? 'must be specified with at most second precision'
        : undefined,
  );
  v.scaleDownDelay = duration(AUTOSCALING_ANNOTATIONS.scaleDownDelay, (s) =>
    s < 0 || s > WINDOW_MAX_SECONDS
      ? `expected 0s <= ${s}s <= 1h0m0s`
      : !whole(s)
        ? 'must be specified with at most second precision'
        : undefined,
  );
  v.scaleToZeroPodRetentionPeriod = duration(AUTOSCALING_ANNOTATIONS.scaleToZeroPodRetentionPeriod, (s) =>
    s < 0 || s > WINDOW_MAX_SECONDS ? `expected 0s <= ${s}s <= 1h0m0s` : undefined,
  );
  v.progressDeadline = duration(AUTOSCALING_ANNOTATIONS.progressDeadline, (s) =>
    s < 0 ? 'must be non-negative' : !whole(s) ? 'must be specified with at most second precision' : undefined,
  );

  const ge0 = (n: number) => (n < 0 || n > INT32_MAX ? `expected 0 <= ${n} <= ${INT32_MAX}` : undefined);
  v.minScale = int32(AUTOSCALING_ANNOTATIONS.minScale, ge0);
  v.maxScale = int32(AUTOSCALING_ANNOTATIONS.maxScale, ge0);
  const min = v.minScale ?? 0;
  const max = v.maxScale ?? 0;
  if (max !== 0 && max < min) {
    errs.add(`${AUTOSCALING_ANNOTATIONS.maxScale[0]}, ${AUTOSCALING_ANNOTATIONS.minScale[0]}`, `max-scale=${max} is less than min-scale=${min}`);
    v.maxScale = undefined;
  }
  const maxHit = get(m, AUTOSCALING_ANNOTATIONS.maxScale);
  if (maxHit && v.maxScale !== undefined && config.maxScaleLimit > 0) {
    if (v.maxScale > config.maxScaleLimit) {
      errs.add(maxHit[0], `expected 1 <= ${v.maxScale} <= ${config.maxScaleLimit}`);
      v.maxScale = undefined;
    } else if (v.maxScale === 0) {
      errs.add(maxHit[0], `max-scale=0 (unlimited), must be less than ${config.maxScaleLimit}`);
      v.maxScale = undefined;
    }
  }
  v.activationScale = int32(AUTOSCALING_ANNOTATIONS.activationScale, (n) =>
    min > n
      ? `min-scale=${min} is greater than activation-scale=${n}`
      : max !== 0 && max < n
        ? `max-scale=${max} is less than activation-scale=${n}`
        : n < 2
          ? `activation-scale=${n} must be greater than 1`
          : undefined,
  );
  v.initialScale = int32(AUTOSCALING_ANNOTATIONS.initialScale, (n) =>
    n < 0 ? 'must be greater than 0' : n === 0 && !config.allowZeroInitialScale ? 'initial-scale=0 not allowed by cluster' : undefined,
  );

  const alg = get(m, AUTOSCALING_ANNOTATIONS.metricAggregationAlgorithm);
  if (alg && alg[1] !== '') {
    if (alg[1] === 'linear') v.metricAggregationAlgorithm = 'linear';
    else if (alg[1] === 'weighted-exponential' || alg[1] === 'weightedExponential') v.metricAggregationAlgorithm = 'weighted-exponential';
    // Knative validates the algorithm only for the KPA class; other autoscalers may define their own.
    else if ((v.class ?? KPA_CLASS) === KPA_CLASS) invalid(alg[0], alg[1], 'want linear or weighted-exponential');
  }

  for (const k of Object.keys(v) as (keyof AutoscalingAnnotations)[]) if (v[k] === undefined) delete v[k];
  return { values: v, errors: errs };
}

/** The webhook side: every problem of a revision template's autoscaling annotations, or undefined. */
export function validateAutoscalingAnnotations(
  anns: Record<string, string> | undefined,
  config: Pick<AutoscalerConfig, 'maxScaleLimit' | 'allowZeroInitialScale'>,
): FieldError | undefined {
  return readAutoscalingAnnotations(anns, config).errors.toError();
}

/** Service/Configuration/Route metadata may not carry autoscaling annotations (they belong on the template). */
export function rejectAutoscalingAnnotationsOnParent(anns: Record<string, string> | undefined, path = 'metadata.annotations'): FieldError | undefined {
  const errs = new FieldErrors();
  for (const k of Object.keys(anns ?? {}))
    if (k.startsWith(AUTOSCALING_PREFIX)) errs.add(`${path}.${k}`, 'autoscaling annotations must be put under `spec.template.metadata.annotations` to work');
  return errs.toError();
}
