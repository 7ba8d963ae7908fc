import { FieldError, type FieldProblem } from '../errors.js';
import { DEFAULTS_CONFIG, type DefaultsConfig } from '../resources/defaulting.js';
import { renderNameTemplate } from '../resources/names.js';
import { isQuantity } from '../resources/quantity.js';
import { MAX_INT32, MSG } from '../resources/validation/errors.js';

/** Knative's config-defaults keys that hold resource quantities, mapped onto DefaultsConfig. */
const QUANTITY_KEYS = {
  'revision-cpu-request': 'revisionCpuRequest',
  'revision-memory-request': 'revisionMemoryRequest',
  'revision-ephemeral-storage-request': 'revisionEphemeralStorageRequest',
  'revision-cpu-limit': 'revisionCpuLimit',
  'revision-memory-limit': 'revisionMemoryLimit',
  'revision-ephemeral-storage-limit': 'revisionEphemeralStorageLimit',
} as const;

const INT_KEYS = {
  'revision-timeout-seconds': 'revisionTimeoutSeconds',
  'max-revision-timeout-seconds': 'maxRevisionTimeoutSeconds',
  'revision-response-start-timeout-seconds': 'revisionResponseStartTimeoutSeconds',
  'revision-idle-timeout-seconds': 'revisionIdleTimeoutSeconds',
  'container-concurrency': 'containerConcurrency',
  'container-concurrency-max-limit': 'containerConcurrencyMaxLimit',
} as const;

const BOOL_KEYS = {
  'allow-container-concurrency-zero': 'allowContainerConcurrencyZero',
  'enable-service-links': 'enableServiceLinks',
} as const;

const STRING_KEYS = {
  'container-name-template': 'containerNameTemplate',
  'init-container-name-template': 'initContainerNameTemplate',
} as const;

/** Every key config-defaults understands, for documentation and the ConfigMap validator. */
export const DEFAULTS_CONFIG_KEYS = [
  ...Object.keys(INT_KEYS),
  ...Object.keys(BOOL_KEYS),
  ...Object.keys(STRING_KEYS),
  ...Object.keys(QUANTITY_KEYS),
];

/**
 * Parses the `config-defaults` ConfigMap's data (Knative's keys and defaults). Unknown keys
 * (and `_example`) are ignored, as Knative does. Bad values throw a FieldError whose paths
 * are the offending keys — all of them at once.
 */
export function parseDefaultsConfig(data: Record<string, string> | undefined): DefaultsConfig {
  const d = data ?? {};
  const cfg: DefaultsConfig = { ...DEFAULTS_CONFIG };
  const problems: FieldProblem[] = [];
  const bad = (key: string, message: string) => problems.push({ path: key, message });
  const has = (k: string) => Object.hasOwn(d, k) && k !== '_example';

  for (const [key, field] of Object.entries(INT_KEYS)) {
    if (!has(key)) continue;
    const raw = String(d[key]).trim();
    if (!/^[+-]?\d+$/.test(raw)) bad(key, MSG.invalid(raw));
    else cfg[field] = Number(raw);
  }
  for (const [key, field] of Object.entries(BOOL_KEYS)) {
    if (!has(key)) continue;
    // Go's strconv.ParseBool spellings, as knative's cm.AsBool accepts.
    const raw = String(d[key]).trim();
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) cfg[field] = true;
    else if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) cfg[field] = false;
    else bad(key, MSG.invalid(raw));
  }
  for (const [key, field] of Object.entries(STRING_KEYS)) {
    if (has(key)) cfg[field] = String(d[key]);
  }
  for (const [key, field] of Object.entries(QUANTITY_KEYS)) {
    if (!has(key)) continue;
    const raw = String(d[key]).trim();
    if (!isQuantity(raw)) bad(key, MSG.invalid(raw));
    else cfg[field] = raw;
  }
  // Unset means "as long as the request may take", i.e. the revision timeout.
  if (!has('revision-response-start-timeout-seconds'))
    cfg.revisionResponseStartTimeoutSeconds = cfg.revisionTimeoutSeconds;

  for (const key of [
    'revision-timeout-seconds',
    'max-revision-timeout-seconds',
    'revision-response-start-timeout-seconds',
    'revision-idle-timeout-seconds',
  ] as const) {
    const v = cfg[INT_KEYS[key]] ?? 0;
    if (v < 0 && has(key)) bad(key, MSG.bounds(v, 0, MAX_INT32));
  }
  // Cross-checks only make sense once every value parsed and is in range.
  if (problems.length === 0) {
    if (cfg.revisionTimeoutSeconds > cfg.maxRevisionTimeoutSeconds)
      bad(
        'revision-timeout-seconds',
        `revision-timeout-seconds (${cfg.revisionTimeoutSeconds}) cannot be greater than max-revision-timeout-seconds (${cfg.maxRevisionTimeoutSeconds})`,
      );
    if ((cfg.revisionResponseStartTimeoutSeconds ?? 0) > cfg.revisionTimeoutSeconds)
      bad(
        'revision-response-start-timeout-seconds',
        `revision-response-start-timeout-seconds (${cfg.revisionResponseStartTimeoutSeconds}) cannot ` +
          `be greater than revision-timeout-seconds (${cfg.revisionTimeoutSeconds})`,
      );
    if ((cfg.revisionIdleTimeoutSeconds ?? 0) > cfg.revisionTimeoutSeconds)
      bad(
        'revision-idle-timeout-seconds',
        `revision-idle-timeout-seconds (${cfg.revisionIdleTimeoutSeconds}) cannot be greater than revision-timeout-seconds (${cfg.revisionTimeoutSeconds})`,
      );
    if (cfg.containerConcurrencyMaxLimit < 1)
      bad('container-concurrency-max-limit', MSG.bounds(cfg.containerConcurrencyMaxLimit, 1, MAX_INT32));
    else if (cfg.containerConcurrency < 0 || cfg.containerConcurrency > cfg.containerConcurrencyMaxLimit)
      bad('container-concurrency', MSG.bounds(cfg.containerConcurrency, 0, cfg.containerConcurrencyMaxLimit));
    for (const key of ['container-name-template', 'init-container-name-template'] as const) {
      const t = cfg[STRING_KEYS[key]];
      if (t === undefined) continue;
      const name = renderNameTemplate(t, 'example', key);
      if (typeof name !== 'string') bad(key, name.error);
    }
  }
  if (problems.length > 0) throw new FieldError(problems);
  return cfg;
}
