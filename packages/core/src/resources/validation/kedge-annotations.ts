import { AUTOSCALING_ANNOTATIONS, getAnnotation, HPA_CLASS, KPA_CLASS } from './annotations.js';
import { CPU_LIMIT_MS_MAX } from '../../config/runner.js';
import { at, type Errs } from './errors.js';
import { RUNTIME_ANNOTATION, RUNTIME_KINDS } from '../runtime-kind.js';

// Kedge's own revision annotations: the runner reads them through the readers below, so admission
// and the runner agree on every value.

/**
 * Unclaimed guests kept per revision (default 2; max 8). Two so that the first two guests a
 * revision needs (two replicas started from zero, or a replica growing its pool to a second
 * guest) claim one made ahead, and no instantiation competes for the cores with the first requests.
 */
export const WARM_INSTANCES_ANNOTATION = 'kedge.dev/warm-instances';
export const WARM_INSTANCES_DEFAULT = 2;
export const WARM_INSTANCES_MAX = 8;
/**
 * Whether the revision's guests may make HTTP requests: `none` (default); `cluster-local` — only
 * other Kedge services (`{name}.{namespace}.svc.cluster.local` or `{name}.{namespace}.svc`),
 * routed by a gateway like any request; `all` — those, and any other http(s) URL.
 */
export const OUTBOUND_ANNOTATION = 'kedge.dev/outbound';
export const OUTBOUND_POLICIES = ['none', 'cluster-local', 'all'] as const;
export type OutboundPolicy = (typeof OUTBOUND_POLICIES)[number];
/** "true" / "false" overrides the runner's detection of fetch-event guests (one guest per request). */
export const INSTANCE_PER_REQUEST_ANNOTATION = 'kedge.dev/instance-per-request';
/** The per-request CPU limit of the revision's guests, ms (default: config-kedge-runner `cpu-limit-ms`). */
export const CPU_LIMIT_ANNOTATION = 'kedge.dev/cpu-limit-ms';

type Annotated = { metadata: { annotations?: Record<string, string> | undefined } };

export function readWarmInstances(o: Annotated): number {
  const raw = o.metadata.annotations?.[WARM_INSTANCES_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return WARM_INSTANCES_DEFAULT;
  return Math.min(Number(raw), WARM_INSTANCES_MAX);
}

export function readOutboundPolicy(o: Annotated): OutboundPolicy {
  const v = o.metadata.annotations?.[OUTBOUND_ANNOTATION];
  return (OUTBOUND_POLICIES as readonly string[]).includes(v ?? '') ? (v as OutboundPolicy) : 'none';
}

/** undefined: not set (the runner decides from the component). */
export function readInstancePerRequest(o: Annotated): boolean | undefined {
  const v = o.metadata.annotations?.[INSTANCE_PER_REQUEST_ANNOTATION];
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** The revision's CPU limit in ms, clamped to CPU_LIMIT_MS_MAX; `dflt` when unset (or invalid: admission refuses those). */
export function readCpuLimitMs(o: Annotated, dflt: number): number {
  const raw = o.metadata.annotations?.[CPU_LIMIT_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw.trim()) || Number(raw) < 1) return dflt;
  return Math.min(Number(raw), CPU_LIMIT_MS_MAX);
}

/**
 * The revision template's `kedge.dev/*` annotations and the autoscaling class, checked as Knative
 * checks its own annotations: a value the runner cannot read is a field error; a value it reads
 * differently from what was written (clamped, or a class Kedge does not run) is accepted with a
 * warning, which the API returns as a `Warning: 299` header.
 */
export function validateKedgeAnnotations(
  annotations: Record<string, string> | undefined,
  path: string,
  errs: Errs,
  warnings: string[] | undefined,
): void {
  const anns = annotations ?? {};
  const warm = anns[WARM_INSTANCES_ANNOTATION];
  if (warm !== undefined) {
    const p = at(path, WARM_INSTANCES_ANNOTATION);
    if (!/^\d+$/.test(String(warm).trim()))
      errs.invalid(p, warm, `must be a whole number from 0 to ${WARM_INSTANCES_MAX}`);
    else if (Number(warm) > WARM_INSTANCES_MAX)
      warnings?.push(`${p}: ${warm} is above the most Kedge keeps; ${WARM_INSTANCES_MAX} warm instances are kept`);
  }
  const outbound = anns[OUTBOUND_ANNOTATION];
  if (outbound !== undefined && !(OUTBOUND_POLICIES as readonly string[]).includes(outbound))
    errs.invalid(at(path, OUTBOUND_ANNOTATION), outbound, `must be one of ${OUTBOUND_POLICIES.join(', ')}`);
  const perRequest = anns[INSTANCE_PER_REQUEST_ANNOTATION];
  if (perRequest !== undefined && perRequest !== 'true' && perRequest !== 'false')
    errs.invalid(at(path, INSTANCE_PER_REQUEST_ANNOTATION), perRequest, 'must be "true" or "false"');
  const runtime = anns[RUNTIME_ANNOTATION];
  if (runtime !== undefined && !(RUNTIME_KINDS as readonly string[]).includes(runtime))
    errs.invalid(at(path, RUNTIME_ANNOTATION), runtime, `must be one of ${RUNTIME_KINDS.join(', ')}`);
  const cpu = anns[CPU_LIMIT_ANNOTATION];
  if (cpu !== undefined) {
    const p = at(path, CPU_LIMIT_ANNOTATION);
    if (!/^\d+$/.test(String(cpu).trim()) || Number(cpu) < 1)
      errs.invalid(p, cpu, 'must be a whole number of milliseconds, 1 or more');
    else if (Number(cpu) > CPU_LIMIT_MS_MAX)
      warnings?.push(`${p}: ${cpu} is above the most Kedge allows; the guests' CPU limit is ${CPU_LIMIT_MS_MAX} ms`);
  }

  // *.knative.dev classes other than KPA/HPA are already field errors (readAutoscalingAnnotations).
  const cls = getAnnotation(anns, AUTOSCALING_ANNOTATIONS.class);
  if (cls && cls.value !== KPA_CLASS && cls.value !== HPA_CLASS && !cls.value.endsWith('.knative.dev'))
    warnings?.push(
      `${at(path, cls.key)}: Kedge runs the KPA and HPA classes; this revision is scaled by ${KPA_CLASS}, not ${cls.value}`,
    );
  // Knative's webhook lets an HPA revision name any custom metric (Kubernetes' HPA reads it from a
  // metrics API); Kedge computes the HPA itself from what its runners report: CPU and memory.
  const metric = getAnnotation(anns, AUTOSCALING_ANNOTATIONS.metric);
  if (
    cls?.value === HPA_CLASS &&
    metric &&
    metric.value !== '' &&
    !(HPA_METRICS as readonly string[]).includes(metric.value)
  )
    errs.invalid(at(path, metric.key), metric.value, `Kedge's ${HPA_CLASS} scales on ${HPA_METRICS.join(' or ')}`);
}

/** The metrics Kedge's HPA class computes (Knative's HPA also takes custom metrics). */
export const HPA_METRICS = ['cpu', 'memory'] as const;
