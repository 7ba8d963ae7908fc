import { formatGoDuration, parseGoDuration } from '../duration.js';
import { isQuantity } from '../quantity.js';
import { at, Errs, MAX_INT32, MSG } from './errors.js';

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

/**
 * Knative's autoscaling.ValidateAnnotations. `path` is where the annotations map lives, e.g.
 * `spec.template.metadata.annotations`; each problem is reported at `<path>.<annotation key>`.
 */
export function validateAutoscalingAnnotations(
  annotations: Record<string, string> | undefined,
  path: string,
  errs: Errs,
  config: Partial<AutoscalerValidationConfig> = {},
): void {
  const cfg = { ...AUTOSCALER_VALIDATION_CONFIG, ...config };
  const anns = annotations ?? {};
  const get = (w: AutoscalingAnnotation) => getAnnotation(anns, w);
  const p = (key: string) => at(path, key);

  const cls = get('class');
  if (cls && cls.value.endsWith('.knative.dev') && cls.value !== KPA_CLASS && cls.value !== HPA_CLASS)
    errs.invalid(p(cls.key), cls.value);
  const effectiveClass = cls?.value ?? cfg.podAutoscalerClass;

  // min/max/activation scale
  const intGE0 = (w: AutoscalingAnnotation): number => {
    const a = get(w);
    if (!a) return 0;
    const n = parseInt32(a.value);
    if (n === undefined) errs.invalid(p(a.key), a.value);
    else if (n === 'range' || n < 0) errs.bounds(p(a.key), a.value, 0, MAX_INT32);
    else return n;
    return 0;
  };
  const min = intGE0('minScale');
  const max = intGE0('maxScale');
  const maxKey = AUTOSCALING_ANNOTATIONS.maxScale[0];
  const minKey = AUTOSCALING_ANNOTATIONS.minScale[0];
  if (max !== 0 && max < min) {
    const msg = `max-scale=${max} is less than min-scale=${min}`;
    errs.add(p(maxKey), msg).add(p(minKey), msg);
  }
  const maxAnn = get('maxScale');
  if (maxAnn && cfg.maxScaleLimit > 0) {
    if (max > cfg.maxScaleLimit) errs.bounds(p(maxAnn.key), max, 1, cfg.maxScaleLimit);
    if (max === 0 && parseInt32(maxAnn.value) === 0)
      errs.add(p(maxAnn.key), `max-scale=0 (unlimited), must be less than ${cfg.maxScaleLimit}`);
  }
  const act = get('activationScale');
  if (act) {
    const n = parseInt32(act.value);
    const actKey = AUTOSCALING_ANNOTATIONS.activationScale[0];
    if (n === undefined) errs.invalid(p(act.key), act.value);
    else if (n === 'range' || n < 2) errs.bounds(p(act.key), act.value, 2, MAX_INT32);
    else {
      if (max !== 0 && max < n) {
        const msg = `max-scale=${max} is less than activation-scale=${n}`;
        errs.add(p(maxKey), msg).add(p(actKey), msg);
      }
      if (min > n) {
        const msg = `min-scale=${min} is greater than activation-scale=${n}`;
        errs.add(p(minKey), msg).add(p(actKey), msg);
      }
    }
  }

  // floats
  const pwp = get('panicWindowPercentage');
  if (pwp) {
    const f = parseFloatStrict(pwp.value);
    if (f === undefined) errs.invalid(p(pwp.key), pwp.value);
    else if (f < 1 || f > 100) errs.bounds(p(pwp.key), pwp.value, 1, 100);
  }
  const ptp = get('panicThresholdPercentage');
  if (ptp) {
    const f = parseFloatStrict(ptp.value);
    if (f === undefined) errs.invalid(p(ptp.key), ptp.value);
    else if (f < 110 || f > 1000) errs.bounds(p(ptp.key), ptp.value, 110, 1000);
  }
  const target = get('target');
  if (target) {
    const f = parseFloatStrict(target.value);
    if (f === undefined || f < 0.01) errs.invalid(p(target.key), target.value);
  }
  const tup = get('targetUtilizationPercentage');
  if (tup) {
    const f = parseFloatStrict(tup.value);
    if (f === undefined) errs.invalid(p(tup.key), tup.value);
    else if (f < 1 || f > 100) errs.bounds(p(tup.key), tup.value, 1, 100);
  }
  const tbc = get('targetBurstCapacity');
  if (tbc) {
    const f = parseFloatStrict(tbc.value);
    if (f === undefined || (f < 0 && f !== -1)) errs.invalid(p(tbc.key), tbc.value);
  }

  // durations
  const window = get('window');
  if (window) {
    const d = parseGoDuration(window.value);
    if (d === undefined) errs.invalid(p(window.key), window.value);
    else if (d < WINDOW_MIN_MS || d > HOUR_MS)
      errs.bounds(p(window.key), window.value, formatGoDuration(WINDOW_MIN_MS), formatGoDuration(HOUR_MS));
    else if (d % 1000 !== 0) errs.add(p(window.key), 'must be specified with at most second precision');
  }
  const retention = get('scaleToZeroPodRetentionPeriod');
  if (retention) {
    const d = parseGoDuration(retention.value);
    if (d === undefined) errs.invalid(p(retention.key), retention.value);
    else if (d < 0 || d > HOUR_MS) errs.bounds(p(retention.key), retention.value, '0s', formatGoDuration(HOUR_MS));
  }
  const sdd = get('scaleDownDelay');
  if (sdd) {
    const d = parseGoDuration(sdd.value);
    if (d === undefined) errs.invalid(p(sdd.key), sdd.value);
    else if (d < 0 || d > HOUR_MS) errs.bounds(p(sdd.key), sdd.value, '0s', formatGoDuration(HOUR_MS));
    else if (d % 1000 !== 0) errs.add(p(sdd.key), 'must be specified with at most second precision');
  }

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
  }
  const algo = get('metricAggregationAlgorithm');
  if (algo && effectiveClass === KPA_CLASS && !['linear', 'weighted-exponential', 'weightedExponential'].includes(algo.value))
    errs.invalid(p(algo.key), algo.value);

  const init = get('initialScale');
  if (init) {
    const n = parseInt32(init.value);
    if (n === undefined || n === 'range' || n < 0 || (n === 0 && !cfg.allowZeroInitialScale)) errs.invalid(p(init.key), init.value);
  }
}

/** Service, Configuration and Route metadata may not carry autoscaling annotations. */
export function validateNoAutoscalingAnnotations(annotations: Record<string, string> | undefined, path: string, errs: Errs): void {
  for (const key of Object.keys(annotations ?? {}).sort()) {
    if (key.startsWith(AUTOSCALING_PREFIX))
      errs.add(path, `${MSG.keyName(key)}: autoscaling annotations must be put under "spec.template.metadata.annotations" to work`);
  }
}

export const ROLLOUT_DURATION_KEYS = ['serving.knative.dev/rollout-duration', 'serving.knative.dev/rolloutDuration'];
export const PROGRESS_DEADLINE_KEYS = ['serving.knative.dev/progress-deadline'];

/** A whole-second, non-negative Go duration annotation (rollout-duration, progress-deadline). */
function validateSecondsDuration(annotations: Record<string, string> | undefined, keys: string[], name: string, path: string, errs: Errs): void {
  const a = getAnnotation(annotations, keys);
  if (!a || a.value === '') return;
  const d = parseGoDuration(a.value);
  if (d === undefined) errs.invalid(at(path, a.key), a.value);
  else if (d % 1000 !== 0) errs.add(at(path, a.key), `${name}=${a.value} is not at second precision`);
  else if (d < 0) errs.add(at(path, a.key), `${name}=${a.value} must be positive`);
}

export function validateRolloutDuration(annotations: Record<string, string> | undefined, path: string, errs: Errs): void {
  validateSecondsDuration(annotations, ROLLOUT_DURATION_KEYS, 'rollout-duration', path, errs);
}

export function validateProgressDeadline(annotations: Record<string, string> | undefined, path: string, errs: Errs): void {
  validateSecondsDuration(annotations, PROGRESS_DEADLINE_KEYS, 'progress-deadline', path, errs);
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
export function validateTemplateAnnotations(annotations: Record<string, string> | undefined, path: string, errs: Errs): void {
  const anns = annotations ?? {};
  for (const key of Object.keys(anns).sort()) {
    if (key.startsWith(NETWORKING_PREFIX) && !ALLOWED_TEMPLATE_NETWORKING_ANNOTATIONS.includes(key)) errs.add(path, MSG.keyName(key));
    if (QUEUE_RESOURCE_KEYS.includes(key) && !isQuantity(anns[key])) errs.invalid(at(path, key), anns[key]);
  }
  const pct = getAnnotation(anns, QUEUE_PERCENTAGE_KEYS);
  if (pct) {
    const f = parseFloatStrict(pct.value);
    if (f === undefined) errs.invalid(at(path, pct.key), pct.value);
    else if (f < 0.1 || f > 100) errs.bounds(at(path, pct.key), f, 0.1, 100);
  }
  validateProgressDeadline(anns, path, errs);
}
