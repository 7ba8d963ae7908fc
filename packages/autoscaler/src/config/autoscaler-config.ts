// Knative's config-autoscaler parser lives in @kedge/core (config/autoscaler-config.ts) so the API's
// admission rejects exactly what the autoscaler would refuse; the autoscaler keeps its import path.
export {
  type AutoscalerConfig,
  KPA_CLASS,
  HPA_CLASS,
  TARGET_MIN,
  WINDOW_MIN_SECONDS,
  WINDOW_MAX_SECONDS,
  PANIC_WINDOW_PERCENTAGE_MIN,
  PANIC_WINDOW_PERCENTAGE_MAX,
  PANIC_THRESHOLD_PERCENTAGE_MIN,
  PANIC_THRESHOLD_PERCENTAGE_MAX,
  RPS_TARGET_UTILIZATION,
  DEFAULT_PROGRESS_DEADLINE_SECONDS,
  ACTIVATION_TIMEOUT_BUFFER_SECONDS,
  TICK_INTERVAL_SECONDS,
  BUCKET_SIZE_SECONDS,
  DEFAULT_AUTOSCALER_CONFIG,
  AUTOSCALER_CONFIG_KEYS,
  parseFloatStrict,
  parseInt32Strict,
  parseBoolStrict,
  parseDurationStrict,
  parseAutoscalerConfig,
  validateAutoscalerConfig
} from '@kedge/core';
