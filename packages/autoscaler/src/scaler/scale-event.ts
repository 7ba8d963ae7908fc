import { revisionRef, type KedgeEvent, type Revision } from '@kedge/core';

/**
 * The Event of a scale decision: from → to, and why (Kubernetes' HPA says "New size: N; reason: …";
 * Knative's KPA logs its decisions only). The why comes from the class's last decision (`describe()`).
 */
export function scaleEvent(
  st: { namespace: string; name: string; revision: Revision },
  from: number,
  to: number,
  ctx: { decision: Record<string, unknown>; now: number; host: string },
): KedgeEvent {
  const d = ctx.decision;
  const decided = d.dspc !== undefined || d.dppc !== undefined;
  let why: string;
  if (to === 0) why = 'no requests for the stable window and the scale-to-zero grace period';
  else if (d.class === 'hpa') why = `the HPA's ${String(d.metric)} recommendation`;
  else if (from === 0 && !decided) why = 'initial scale, or a request arrived while at zero';
  else if (d.panic === true)
    why = `panic mode: the panic window asks for ${String(d.dppc ?? to)} instances (stable window: ${String(d.dspc ?? '?')})`;
  else if (decided) why = `the stable window's average concurrency asks for ${String(d.dspc)} instances`;
  else why = 'scale bounds (min-scale, max-scale, initial-scale)';
  return {
    involvedObject: revisionRef(st.namespace, st.name, st.revision.metadata.uid),
    type: 'Normal',
    reason: to === 0 ? 'ScaledToZero' : to > from ? 'ScaledUp' : 'ScaledDown',
    message: `Scaled from ${from} to ${to}: ${why}`,
    component: 'autoscaler',
    host: ctx.host,
    time: ctx.now,
  };
}
