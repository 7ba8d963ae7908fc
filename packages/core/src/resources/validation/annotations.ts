import { formatGoDuration, parseGoDuration } from '../duration.js';
import { isQuantity } from '../quantity.js';
import { at, type Errs, MAX_INT32, MSG } from './errors.js';

export const AUTOSCALING_PREFIX = 'autoscaling.knative.dev/';
export const KPA_CLASS = 'kpa.autoscaling.knative.dev';
export const HPA_CLASS = 'hpa.autoscaling.knative.dev';

const A = AUTOSCALING_PREFIX;
/**
 * Each autoscaling annotation with its accepted spellings, canonical first: Knative still reads
 * the old camelCase names and the first key present wins (kmap.KeyPriority).
 */
export const AUTOSCALING_ANNOTATIONS = {
  class: [`${A}class`],
  metric: [`${A}metric`],
  target: [`${A}target`],
  targetUtilizationPercentage: [`${A}target-utilization-percentage`, `${A}targetUtilizationPercentage`],
  window: [`${A}window`],
  panicWindowPercentage: [`${A}panic-window-percentage`, `${A}panicWindowPercentage`],
  panicThresholdPercentage: [`${A}panic-threshold-percentage`, `${A}panicThresholdPercentage`],
  minScale: [`${A}min-scale`, `${A}minScale`],
  maxScale: [`${A}max-scale`, `${A}maxScale`],
  initialScale: [`${A}initial-scale`, `${A}initialScale`],
  activationScale: [`${A}activation-scale`],
  scaleDownDelay: [`${A}scale-down-delay`, `${A}scaleDownDelay`],
  scaleToZeroPodRetentionPeriod: [`${A}scale-to-zero-pod-retention-period`, `${A}scaleToZeroPodRetentionPeriod`],
  targetBurstCapacity: [`${A}target-burst-capacity`, `${A}targetBurstCapacity`],
  metricAggregationAlgorithm: [`${A}metric-aggregation-algorithm`, `${A}metricAggregationAlgorithm`],
} as const;

export type AutoscalingAnnotation = keyof typeof AUTOSCALING_ANNOTATIONS;

/** The value of an annotation under its first present spelling, with the key it was found under. */
export function getAnnotation(
  annotations: Record<string, string> | undefined,
  which: AutoscalingAnnotation | readonly string[],
): { key: string; value: string } | undefined {
  const keys = typeof which === 'string' ? AUTOSCALING_ANNOTATIONS[which] : which;
  for (const key of keys) {
    const value = annotations?.[key];
    if (value !== undefined) return { key, value: String(value) };
  }
  return undefined;
}

/** What annotation validation needs from config-autoscaler. */
export interface AutoscalerValidationConfig {
  podAutoscalerClass: string;
  maxScaleLimit: number;
  allowZeroInitialScale: boolean;
}

export const AUTOSCALER_VALIDATION_CONFIG: AutoscalerValidationConfig = {
  podAutoscalerClass: KPA_CLASS,
  maxScaleLimit: 0,
  allowZeroInitialScale: false,
};

const WINDOW_MIN_MS = 6_000;
const HOUR_MS = 3_600_000;
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;

function parseFloatStrict(v: string): number | undefined {
  return FLOAT.test(v.trim()) ? Number(v) : undefined;
}

/** Go's strconv.ParseInt(v, 10, 32): `range` when it parses but does not fit. */
function parseInt32(v: string): number | 'range' | undefined {
  if (!INT.test(v)) return undefined;
  const n = Number(v);
  return n > MAX_INT32 || n < -MAX_INT32 - 1 ? 'range' : n;
}

export type AggregationAlgorithm = 'linear' | 'weighted-exponential';

/** What a revision's autoscaling annotations set, in the autoscaler's units; invalid ones are left out. */
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
  /** Seconds. */
  scaleDownDelay?: number;
  activationScale?: number;
  targetBurstCapacity?: number;
  /** Seconds. */
  scaleToZeroPodRetentionPeriod?: number;
  metricAggregationAlgorithm?: AggregationAlgorithm;
}

/**
 * Reads and checks the `autoscaling.knative.dev/*` annotations as Knative's webhook does
 * (autoscaling.ValidateAnnotations): each problem goes to `errs` at `<path>.<annotation key>`, and the
 * values that passed come back. The API rejects an object with problems; the autoscaler uses the
 * values and logs the problems (Knative's PA getters likewise ignore a value they cannot read).
 */
export function readAutoscalingAnnotations(
  annotations: Record<string, string> | undefined,
  path: string,
  errs: Errs,
  config: Partial<AutoscalerValidationConfig> = {},
): AutoscalingAnnotations {
  const cfg = { ...AUTOSCALER_VALIDATION_CONFIG, ...config };
  const anns = annotations ?? {};
  const get = (w: AutoscalingAnnotation) => getAnnotation(anns, w);
  const p = (key: string) => at(path, key);
  const v: AutoscalingAnnotations = {};

  const cls = get('class');
  if (cls?.value.endsWith('.knative.dev') && cls.value !== KPA_CLASS && cls.value !== HPA_CLASS)
    errs.invalid(p(cls.key), cls.value);
  else if (cls) v.class = cls.value;
  const effectiveClass = cls?.value ?? cfg.podAutoscalerClass;

  // min/max/activation scale
  const intGE0 = (w: AutoscalingAnnotation): number | undefined => {
    const a = get(w);
    if (!a) return undefined;
    const n = parseInt32(a.value);
    if (n === undefined) errs.invalid(p(a.key), a.value);
    else if (n === 'range' || n < 0) errs.bounds(p(a.key), a.value, 0, MAX_INT32);
    else return n;
    return undefined;
  };
  v.minScale = intGE0('minScale');
  const maxParsed = intGE0('maxScale');
  const min = v.minScale ?? 0;
  const max = maxParsed ?? 0;
  let maxOk = maxParsed !== undefined;
  const maxKey = AUTOSCALING_ANNOTATIONS.maxScale[0];
  const minKey = AUTOSCALING_ANNOTATIONS.minScale[0];
  if (max !== 0 && max < min) {
    const msg = `max-scale=${max} is less than min-scale=${min}`;
    errs.add(p(maxKey), msg).add(p(minKey), msg);
    maxOk = false;
  }
  const maxAnn = get('maxScale');
  if (maxAnn && maxParsed !== undefined && cfg.maxScaleLimit > 0) {
    if (max > cfg.maxScaleLimit) errs.bounds(p(maxAnn.key), max, 1, cfg.maxScaleLimit);
    if (max === 0) errs.add(p(maxAnn.key), `max-scale=0 (unlimited), must be less than ${cfg.maxScaleLimit}`);
    if (max > cfg.maxScaleLimit || max === 0) maxOk = false;
  }
  if (maxOk) v.maxScale = maxParsed;
  const act = get('activationScale');
  if (act) {
    const n = parseInt32(act.value);
    const actKey = AUTOSCALING_ANNOTATIONS.activationScale[0];
    if (n === undefined) errs.invalid(p(act.key), act.value);
    else if (n === 'range' || n < 2) errs.bounds(p(act.key), act.value, 2, MAX_INT32);
    else {
      let ok = true;
      if (max !== 0 && max < n) {
        const msg = `max-scale=${max} is less than activation-scale=${n}`;
        errs.add(p(maxKey), msg).add(p(actKey), msg);
        ok = false;
      }
      if (min > n) {
        const msg = `min-scale=${min} is greater than activation-scale=${n}`;
        errs.add(p(minKey), msg).add(p(actKey), msg);
        ok = false;
      }
      if (ok) v.activationScale = n;
    }
  }

  // floats
  const float = (
    w: AutoscalingAnnotation,
    ok: (f: number) => boolean,
    bounds?: [number, number],
  ): number | undefined => {
    const a = get(w);
    if (!a) return undefined;
    const f = parseFloatStrict(a.value);
    if (f === undefined || (!bounds && !ok(f))) errs.invalid(p(a.key), a.value);
    else if (bounds && !ok(f)) errs.bounds(p(a.key), a.value, bounds[0], bounds[1]);
    else return f;
    return undefined;
  };
  v.panicWindowPercentage = float('panicWindowPercentage', (f) => f >= 1 && f <= 100, [1, 100]);
  v.panicThresholdPercentage = float('panicThresholdPercentage', (f) => f >= 110 && f <= 1000, [110, 1000]);
  v.target = float('target', (f) => f >= 0.01);
  v.targetUtilizationPercentage = float('targetUtilizationPercentage', (f) => f >= 1 && f <= 100, [1, 100]);
  v.targetBurstCapacity = float('targetBurstCapacity', (f) => f >= 0 || f === -1);

  // durations, in seconds for the autoscaler
  const duration = (w: AutoscalingAnnotation, lo: number, wholeSeconds: boolean): number | undefined => {
    const a = get(w);
    if (!a) return undefined;
    const d = parseGoDuration(a.value);
    if (d === undefined) errs.invalid(p(a.key), a.value);
    else if (d < lo || d > HOUR_MS) errs.bounds(p(a.key), a.value, formatGoDuration(lo), formatGoDuration(HOUR_MS));
    else if (wholeSeconds && d % 1000 !== 0) errs.add(p(a.key), 'must be specified with at most second precision');
    else return d / 1000;
    return undefined;
  };
  v.window = duration('window', WINDOW_MIN_MS, true);
  v.scaleToZeroPodRetentionPeriod = duration('scaleToZeroPodRetentionPeriod', 0, false);
  v.scaleDownDelay = duration('scaleDownDelay', 0, true);

  // metric per class; other classes are someone else's business
  const metric = get('metric');
  if (metric) {
    const ok =
      effectiveClass === KPA_CLASS
        ? metric.value === 'concurrency' || metric.value === 'rps'
        : effectiveClass === HPA_CLASS
          ? metric.value !== ''
          : true;
    if (!ok) errs.invalid(p(metric.key), metric.value);
    else v.metric = metric.value;
  }
  const algo = get('metricAggregationAlgorithm');
  if (algo) {
    if (algo.value === 'linear') v.metricAggregationAlgorithm = 'linear';
    else if (algo.value === 'weighted-exponential' || algo.value === 'weightedExponential')
      v.metricAggregationAlgorithm = 'weighted-exponential';
    else if (effectiveClass === KPA_CLASS) errs.invalid(p(algo.key), algo.value);
  }

  const init = get('initialScale');
  if (init) {
    const n = parseInt32(init.value);
    if (n === undefined || n === 'range' || n < 0 || (n === 0 && !cfg.allowZeroInitialScale))
      errs.invalid(p(init.key), init.value);
    else v.initialScale = n;
  }
  for (const k of Object.keys(v) as (keyof AutoscalingAnnotations)[]) if (v[k] === undefined) delete v[k];
  return v;
}

/** Service, Configuration and Route metadata may not carry autoscaling annotations. */
export function validateNoAutoscalingAnnotations(
  annotations: Record<string, string> | undefined,
  path: string,
  errs: Errs,
): void {
  for (const key of Object.keys(annotations ?? {}).sort()) {
    if (key.startsWith(AUTOSCALING_PREFIX))
      errs.add(
        path,
        `${MSG.keyName(key)}: autoscaling annotations must be put under "spec.template.metadata.annotations" to work`,
      );
  }
}

export const ROLLOUT_DURATION_KEYS = ['serving.knative.dev/rollout-duration', 'serving.knative.dev/rolloutDuration'];
export const PROGRESS_DEADLINE_KEYS = ['serving.knative.dev/progress-deadline'];

/** A whole-second, non-negative Go duration annotation (rollout-duration, progress-deadline), in seconds. */
function readSecondsDuration(
  annotations: Record<string, string> | undefined,
  keys: string[],
  name: string,
  path: string,
  errs: Errs,
): number | undefined {
  const a = getAnnotation(annotations, keys);
  if (!a || a.value === '') return undefined;
  const d = parseGoDuration(a.value);
  if (d === undefined) errs.invalid(at(path, a.key), a.value);
  else if (d % 1000 !== 0) errs.add(at(path, a.key), `${name}=${a.value} is not at second precision`);
  else if (d < 0) errs.add(at(path, a.key), `${name}=${a.value} must be positive`);
  else return d / 1000;
  return undefined;
}

export function validateRolloutDuration(
  annotations: Record<string, string> | undefined,
  path: string,
  errs: Errs,
): void {
  readSecondsDuration(annotations, ROLLOUT_DURATION_KEYS, 'rollout-duration', path, errs);
}

/** serving.knative.dev/progress-deadline in seconds when set and valid; problems go to `errs`. */
export function readProgressDeadline(
  annotations: Record<string, string> | undefined,
  path: string,
  errs: Errs,
): number | undefined {
  return readSecondsDuration(annotations, PROGRESS_DEADLINE_KEYS, 'progress-deadline', path, errs);
}

const NETWORKING_PREFIX = 'networking.knative.dev/';
/** The networking annotations a revision template may carry (with their legacy spellings). */
export const ALLOWED_TEMPLATE_NETWORKING_ANNOTATIONS = [
  'networking.knative.dev/ingress.class',
  'networking.knative.dev/ingress-class',
  'networking.knative.dev/certificate.class',
  'networking.knative.dev/certificate-class',
  'networking.knative.dev/disable-auto-tls',
  'networking.knative.dev/disableAutoTLS',
  'networking.knative.dev/disable-external-domain-tls',
  'networking.knative.dev/disableExternalDomainTLS',
  'networking.knative.dev/http-option',
  'networking.knative.dev/httpOption',
  'networking.knative.dev/http-protocol',
];

const QUEUE_PREFIX = 'queue.sidecar.serving.knative.dev/';
const QUEUE_RESOURCE_KEYS = ['cpu', 'memory', 'ephemeral-storage'].flatMap((r) => [
  `${QUEUE_PREFIX}${r}-resource-request`,
  `${QUEUE_PREFIX}${r}-resource-limit`,
]);
const QUEUE_PERCENTAGE_KEYS = [`${QUEUE_PREFIX}resource-percentage`, `${QUEUE_PREFIX}resourcePercentage`];

/** The revision template's non-autoscaling annotations (networking, queue sidecar, progress deadline). */
export function validateTemplateAnnotations(
  annotations: Record<string, string> | undefined,
  path: string,
  errs: Errs,
): void {
  const anns = annotations ?? {};
  for (const key of Object.keys(anns).sort()) {
    if (key.startsWith(NETWORKING_PREFIX) && !ALLOWED_TEMPLATE_NETWORKING_ANNOTATIONS.includes(key))
      errs.add(path, MSG.keyName(key));
    if (QUEUE_RESOURCE_KEYS.includes(key) && !isQuantity(anns[key])) errs.invalid(at(path, key), anns[key]);
  }
  const pct = getAnnotation(anns, QUEUE_PERCENTAGE_KEYS);
  if (pct) {
    const f = parseFloatStrict(pct.value);
    if (f === undefined) errs.invalid(at(path, pct.key), pct.value);
    else if (f < 0.1 || f > 100) errs.bounds(at(path, pct.key), f, 0.1, 100);
  }
  readProgressDeadline(anns, path, errs);
}
