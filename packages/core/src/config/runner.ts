import { FieldError, type FieldProblem } from '../errors.js';
import { MSG } from '../resources/validation/errors.js';

/**
 * Kedge's own ConfigMap in `knative-serving` for the runner's knobs. Knative has no runner (its
 * queue-proxy settings live in config-deployment), so the name says it is Kedge's.
 */
export const RUNNER_CONFIG_MAP = 'config-kedge-runner';

/**
 * Longest per-request CPU limit, ms: a request cannot use more CPU than the wall time Knative
 * allows it by default (config-defaults `max-revision-timeout-seconds`, 600 s).
 */
export const CPU_LIMIT_MS_MAX = 600_000;

/**
 * The runner's knobs, as `config-kedge-runner` sets them. `maxWorkers` undefined means
 * "the runner's worker count + 2" (it depends on the node's cores).
 */
export interface RunnerConfig {
  maxWorkers: number | undefined;
  maxGuestsPerReplica: number;
  cpuLimitMs: number;
  outboundTimeoutMs: number;
  stopGraceMs: number;
}

export const DEFAULT_RUNNER_CONFIG: Readonly<RunnerConfig> = Object.freeze({
  maxWorkers: undefined,
  maxGuestsPerReplica: 100,
  // Cloudflare Workers' default CPU limit is 30 s too; timeoutSeconds bounds the waiting as well.
  cpuLimitMs: 30_000,
  outboundTimeoutMs: 30_000,
  stopGraceMs: 10_000,
});

/** Every key: the field it sets and its inclusive range (whole numbers only). */
export const RUNNER_CONFIG_KEYS = {
  'max-workers': { field: 'maxWorkers', min: 1, max: 256 },
  // Knative's container-concurrency-max-limit default: a replica never needs more guests than that.
  'max-guests-per-replica': { field: 'maxGuestsPerReplica', min: 1, max: 1000 },
  'cpu-limit-ms': { field: 'cpuLimitMs', min: 1, max: CPU_LIMIT_MS_MAX },
  'outbound-timeout-ms': { field: 'outboundTimeoutMs', min: 1, max: CPU_LIMIT_MS_MAX },
  'stop-grace-ms': { field: 'stopGraceMs', min: 0, max: CPU_LIMIT_MS_MAX },
} as const satisfies Record<string, { field: keyof RunnerConfig; min: number; max: number }>;

/**
 * Parses `config-kedge-runner` data: only the keys present (the caller layers them over its
 * defaults). Unknown keys and `_example` are ignored, as Knative does; every bad value is reported
 * at once, its path the key.
 */
export function parseRunnerConfig(data: Record<string, string> | undefined): Partial<RunnerConfig> {
  const d = data ?? {};
  const out: Partial<RunnerConfig> = {};
  const problems: FieldProblem[] = [];
  for (const [key, { field, min, max }] of Object.entries(RUNNER_CONFIG_KEYS)) {
    if (!Object.hasOwn(d, key)) continue;
    const raw = String(d[key]).trim();
    if (!/^[+-]?\d+$/.test(raw)) {
      problems.push({ path: key, message: `${MSG.invalid(raw)}: must be a whole number` });
      continue;
    }
    const v = Number(raw);
    if (v < min || v > max) problems.push({ path: key, message: MSG.bounds(v, min, max) });
    else out[field] = v;
  }
  if (problems.length) throw new FieldError(problems);
  return out;
}
