import { revisionRef, type KedgeEvent, type Revision } from '@kedge/core';
import type { DeciderDebug } from '../decider/decider.js';

/**
 * The Event of a scale decision: from → to, and why (Kubernetes' HPA says "New size: N; reason: …";
 * Knative's KPA logs its decisions only). The why comes from the decider's last values.
 */
export function scaleEvent(
  st: { namespace: string; name: string; revision: Revision },
  from: number,
  to: number,
  ctx: { panic: boolean; last: DeciderDebug | undefined; now: number; host: string },
): KedgeEvent {
  const { last } = ctx;
  let why: string;
  if (to === 0) why = 'no requests for the stable window and the scale-to-zero grace period';
  else if (from === 0 && !last) why = 'initial scale, or a request arrived while at zero';
  else if (ctx.panic) why = `panic mode: the panic window asks for ${last?.dppc ?? to} instances (stable window: ${last?.dspc ?? '?'})`;
  else if (last) why = `the stable window's average concurrency asks for ${last.dspc} instances`;
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
