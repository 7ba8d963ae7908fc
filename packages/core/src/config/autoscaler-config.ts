import { FieldError } from '../errors.js';
import { formatDuration, parseDuration } from '../resources/duration.js';
import { KPA_CLASS } from '../resources/validation/annotations.js';

/**
 * Knative's `config-autoscaler`, parsed: in core so the API rejects at admission exactly what the
 * autoscaler would refuse at run time. Keys are the camelCase of the ConfigMap keys; durations are
 * seconds; `containerConcurrencyTargetPercentage` is stored as a fraction (70 → 0.7), as Knative does.
 */
export interface AutoscalerConfig {
  containerConcurrencyTargetPercentage: number;
  containerConcurrencyTargetDefault: number;
  requestsPerSecondTargetDefault: number;
  targetBurstCapacity: number;
  stableWindow: number;
  panicWindowPercentage: number;
  panicThresholdPercentage: number;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  enableScaleToZero: boolean;
  scaleToZeroGracePeriod: number;
  scaleToZeroPodRetentionPeriod: number;
  scaleDownDelay: number;
  podAutoscalerClass: string;
  activatorCapacity: number;
  initialScale: number;
  allowZeroInitialScale: boolean;
  minScale: number;
  maxScale: number;
  maxScaleLimit: number;
}

/** Smallest target a revision may aim for (Knative's TargetMin). */
export const TARGET_MIN = 0.01;
export const WINDOW_MIN_SECONDS = 6;
export const WINDOW_MAX_SECONDS = 3600;
export const PANIC_WINDOW_PERCENTAGE_MIN = 1;
export const PANIC_WINDOW_PERCENTAGE_MAX = 100;
export const PANIC_THRESHOLD_PERCENTAGE_MIN = 110;
export const PANIC_THRESHOLD_PERCENTAGE_MAX = 1000;
/** RPS revisions aim at 70 % of their per-pod RPS unless annotated; not a ConfigMap key in Knative. */
export const RPS_TARGET_UTILIZATION = 0.7;
/** config-deployment `progress-deadline` default; the activation timeout adds 30 s to it. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const ACTIVATION_TIMEOUT_BUFFER_SECONDS = 30;
/** Constants of the algorithm, not configurable (Knative: tickInterval, BucketSize). */
export const TICK_INTERVAL_SECONDS = 2;
export const BUCKET_SIZE_SECONDS = 1;

export const DEFAULT_AUTOSCALER_CONFIG: Readonly<AutoscalerConfig> = Object.freeze({
  containerConcurrencyTargetPercentage: 0.7,
  containerConcurrencyTargetDefault: 100,
  requestsPerSecondTargetDefault: 200,
  targetBurstCapacity: 211,
  stableWindow: 60,
  panicWindowPercentage: 10,
  panicThresholdPercentage: 200,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  enableScaleToZero: true,
  scaleToZeroGracePeriod: 30,
  scaleToZeroPodRetentionPeriod: 0,
  scaleDownDelay: 0,
  podAutoscalerClass: KPA_CLASS,
  activatorCapacity: 100,
  initialScale: 1,
  allowZeroInitialScale: false,
  minScale: 0,
  maxScale: 0,
  maxScaleLimit: 0,
});

type Kind = 'float' | 'int32' | 'bool' | 'duration' | 'string';

/** ConfigMap key → (config field, how Knative parses it). Unknown keys are ignored, as in Knative. */
export const AUTOSCALER_CONFIG_KEYS: Record<string, { field: keyof AutoscalerConfig; kind: Kind }> = {
  'container-concurrency-target-percentage': { field: 'containerConcurrencyTargetPercentage', kind: 'float' },
  'container-concurrency-target-default': { field: 'containerConcurrencyTargetDefault', kind: 'float' },
  'requests-per-second-target-default': { field: 'requestsPerSecondTargetDefault', kind: 'float' },
  'target-burst-capacity': { field: 'targetBurstCapacity', kind: 'float' },
  'stable-window': { field: 'stableWindow', kind: 'duration' },
  'panic-window-percentage': { field: 'panicWindowPercentage', kind: 'float' },
  'panic-threshold-percentage': { field: 'panicThresholdPercentage', kind: 'float' },
  'max-scale-up-rate': { field: 'maxScaleUpRate', kind: 'float' },
  'max-scale-down-rate': { field: 'maxScaleDownRate', kind: 'float' },
  'enable-scale-to-zero': { field: 'enableScaleToZero', kind: 'bool' },
  'scale-to-zero-grace-period': { field: 'scaleToZeroGracePeriod', kind: 'duration' },
  'scale-to-zero-pod-retention-period': { field: 'scaleToZeroPodRetentionPeriod', kind: 'duration' },
  'scale-down-delay': { field: 'scaleDownDelay', kind: 'duration' },
  'pod-autoscaler-class': { field: 'podAutoscalerClass', kind: 'string' },
  'activator-capacity': { field: 'activatorCapacity', kind: 'float' },
  'initial-scale': { field: 'initialScale', kind: 'int32' },
  'allow-zero-initial-scale': { field: 'allowZeroInitialScale', kind: 'bool' },
  'min-scale': { field: 'minScale', kind: 'int32' },
  'max-scale': { field: 'maxScale', kind: 'int32' },
  'max-scale-limit': { field: 'maxScaleLimit', kind: 'int32' },
};

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;

/** strconv.ParseFloat for the decimal forms people write; NaN/Inf are refused rather than slipping past range checks. */
export function parseFloatStrict(raw: string, key: string): number {
  const v = raw.trim();
  if (!FLOAT.test(v)) throw FieldError.of(key, `invalid value "${raw}": not a number`);
  const n = Number(v);
  // Go's ParseFloat fails on `1e400` (out of range) where Number() gives Infinity, which passes `> 1`.
  if (!Number.isFinite(n)) throw FieldError.of(key, `invalid value "${raw}": out of range`);
  return n;
}

export function parseInt32Strict(raw: string, key: string): number {
  const v = raw.trim();
  if (!INT.test(v)) throw FieldError.of(key, `invalid value "${raw}": not an integer`);
  const n = Number(v);
  if (n < -2147483648 || n > 2147483647) throw FieldError.of(key, `invalid value "${raw}": out of int32 range`);
  return n;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** knative.dev/pkg configmap.AsBool is Go's strconv.ParseBool: these spellings only, anything else an error. */
export function parseBoolStrict(raw: string, key: string): boolean {
  const v = raw.trim();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw FieldError.of(key, `invalid value "${raw}": want true or false`);
}

export function parseDurationStrict(raw: string, key: string): number {
  try {
    return parseDuration(raw);
  } catch (err) {
    throw FieldError.of(key, `${(err as Error).message} (want a duration like "30s" or "2m3s")`);
  }
}

const wholeSeconds = (s: number) => Math.abs(s - Math.round(s)) < 1e-9;

/**
 * Knative's NewConfigFromMap + validate: defaults, then each known key, then the cross-field checks
 * (https://github.com/knative/serving/blob/main/pkg/autoscaler/config/config.go). Any error rejects
 * the whole map (the caller keeps the previous config); the API's admission names it `data.<key>`.
 */
export function parseAutoscalerConfig(data: Record<string, string> = {}): AutoscalerConfig {
  const c: AutoscalerConfig = { ...DEFAULT_AUTOSCALER_CONFIG };
  const out = c as unknown as Record<string, number | string | boolean>;
  for (const [key, { field, kind }] of Object.entries(AUTOSCALER_CONFIG_KEYS)) {
    const raw = data[key];
    if (raw === undefined) continue;
    switch (kind) {
      case 'float':
        out[field] = parseFloatStrict(raw, key);
        break;
      case 'int32':
        out[field] = parseInt32Strict(raw, key);
        break;
      case 'duration':
        out[field] = parseDurationStrict(raw, key);
        break;
      case 'bool':
        out[field] = parseBoolStrict(raw, key);
        break;
      case 'string':
        out[field] = raw.trim();
        break;
    }
  }
  // Legacy: (0, 1] is already a fraction, larger values are percentages.
  if (c.containerConcurrencyTargetPercentage > 1) c.containerConcurrencyTargetPercentage /= 100;
  validateAutoscalerConfig(c);
  return c;
}

function fail(key: string, message: string): never {
  throw FieldError.of(key, message);
}

export function validateAutoscalerConfig(c: AutoscalerConfig): void {
  if (c.scaleToZeroGracePeriod <= 0)
    fail('scale-to-zero-grace-period', `must be positive, was: ${formatDuration(c.scaleToZeroGracePeriod)}`);
  if (c.scaleDownDelay < 0) fail('scale-down-delay', `cannot be negative, was: ${formatDuration(c.scaleDownDelay)}`);
  if (!wholeSeconds(c.scaleDownDelay))
    fail('scale-down-delay', `${formatDuration(c.scaleDownDelay)} must be specified with at most second precision`);
  if (c.scaleToZeroPodRetentionPeriod < 0)
    fail(
      'scale-to-zero-pod-retention-period',
      `cannot be negative, was: ${formatDuration(c.scaleToZeroPodRetentionPeriod)}`,
    );
  if (c.targetBurstCapacity < 0 && c.targetBurstCapacity !== -1)
    fail('target-burst-capacity', `must be either non-negative or -1 (for unlimited), was: ${c.targetBurstCapacity}`);
  if (c.containerConcurrencyTargetPercentage <= 0 || c.containerConcurrencyTargetPercentage > 1)
    fail(
      'container-concurrency-target-percentage',
      `${c.containerConcurrencyTargetPercentage} is outside of valid range of (0, 100]`,
    );
  const target = c.containerConcurrencyTargetPercentage * c.containerConcurrencyTargetDefault;
  if (target < TARGET_MIN)
    fail(
      'container-concurrency-target-default',
      `container-concurrency-target-percentage and container-concurrency-target-default yield target ` +
        `concurrency of ${target}, can't be less than ${TARGET_MIN}`,
    );
  if (c.requestsPerSecondTargetDefault < TARGET_MIN)
    fail(
      'requests-per-second-target-default',
      `must be at least ${TARGET_MIN}, was: ${c.requestsPerSecondTargetDefault}`,
    );
  if (c.activatorCapacity < 1) fail('activator-capacity', `${c.activatorCapacity}, must be at least 1`);
  if (c.maxScaleUpRate <= 1) fail('max-scale-up-rate', `${c.maxScaleUpRate}, must be greater than 1.0`);
  if (c.maxScaleDownRate <= 1) fail('max-scale-down-rate', `${c.maxScaleDownRate}, must be greater than 1.0`);
  if (c.stableWindow < WINDOW_MIN_SECONDS || c.stableWindow > WINDOW_MAX_SECONDS)
    fail('stable-window', `${formatDuration(c.stableWindow)}, must be in [6s; 1h0m0s] range`);
  if (!wholeSeconds(c.stableWindow))
    fail('stable-window', `${formatDuration(c.stableWindow)}, must be specified with at most second precision`);
  if (c.panicWindowPercentage < PANIC_WINDOW_PERCENTAGE_MIN || c.panicWindowPercentage > PANIC_WINDOW_PERCENTAGE_MAX)
    fail('panic-window-percentage', `${c.panicWindowPercentage}, must be in [1, 100] interval`);
  // Kedge's addition: Knative checks this range only on the revision annotation, but a cluster value
  // below 100 % puts every revision in panic all the time and a huge one never, so the key gets it too.
  if (
    c.panicThresholdPercentage < PANIC_THRESHOLD_PERCENTAGE_MIN ||
    c.panicThresholdPercentage > PANIC_THRESHOLD_PERCENTAGE_MAX
  )
    fail(
      'panic-threshold-percentage',
      `${c.panicThresholdPercentage}, must be in [${PANIC_THRESHOLD_PERCENTAGE_MIN}, ${PANIC_THRESHOLD_PERCENTAGE_MAX}] interval`,
    );
  if (c.initialScale < 0 || (c.initialScale === 0 && !c.allowZeroInitialScale))
    fail(
      'initial-scale',
      `${c.initialScale}, must be at least 0 (or at least 1 when allow-zero-initial-scale is false)`,
    );
  if (c.minScale < 0) fail('min-scale', `${c.minScale}, must be at least 0`);
  const minMaxScale = c.maxScaleLimit > 0 ? 1 : 0;
  if (c.maxScale < minMaxScale || (c.maxScaleLimit > 0 && c.maxScale > c.maxScaleLimit))
    fail('max-scale', `${c.maxScale}, must be in [${minMaxScale}, max-scale-limit(${c.maxScaleLimit})] range`);
  if (c.maxScaleLimit < 0) fail('max-scale-limit', `${c.maxScaleLimit}, must be at least 0`);
  if (c.maxScale > 0 && c.minScale > c.maxScale)
    fail('min-scale', `min-scale (${c.minScale}) must be less than or equal to max-scale (${c.maxScale})`);
}
