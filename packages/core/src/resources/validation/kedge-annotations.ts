import { AUTOSCALING_ANNOTATIONS, getAnnotation, HPA_CLASS, KPA_CLASS } from './annotations.js';
import { at, Errs } from './errors.js';

/** Kedge's own revision annotations (read by the runner). */
export const WARM_INSTANCES_ANNOTATION = 'kedge.dev/warm-instances';
export const WARM_INSTANCES_MAX = 8;
export const OUTBOUND_ANNOTATION = 'kedge.dev/outbound';
export const OUTBOUND_POLICIES = ['none', 'cluster-local', 'all'] as const;
export const INSTANCE_PER_REQUEST_ANNOTATION = 'kedge.dev/instance-per-request';

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
    if (!/^\d+$/.test(String(warm).trim())) errs.invalid(p, warm, `must be a whole number from 0 to ${WARM_INSTANCES_MAX}`);
    else if (Number(warm) > WARM_INSTANCES_MAX)
      warnings?.push(`${p}: ${warm} is above the most Kedge keeps; ${WARM_INSTANCES_MAX} warm instances are kept`);
  }
  const outbound = anns[OUTBOUND_ANNOTATION];
  if (outbound !== undefined && !(OUTBOUND_POLICIES as readonly string[]).includes(outbound))
    errs.invalid(at(path, OUTBOUND_ANNOTATION), outbound, `must be one of ${OUTBOUND_POLICIES.join(', ')}`);
  const perRequest = anns[INSTANCE_PER_REQUEST_ANNOTATION];
  if (perRequest !== undefined && perRequest !== 'true' && perRequest !== 'false')
    errs.invalid(at(path, INSTANCE_PER_REQUEST_ANNOTATION), perRequest, 'must be "true" or "false"');

  // *.knative.dev classes other than KPA/HPA are already field errors (readAutoscalingAnnotations).
  const cls = getAnnotation(anns, AUTOSCALING_ANNOTATIONS.class);
  if (cls && cls.value !== KPA_CLASS && (cls.value === HPA_CLASS || !cls.value.endsWith('.knative.dev')))
    warnings?.push(`${at(path, cls.key)}: Kedge runs only the KPA; this revision is scaled by ${KPA_CLASS}, not ${cls.value}`);
}
