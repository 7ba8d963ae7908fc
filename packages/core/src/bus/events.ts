import type { Bus } from './bus.js';

/** Subject of KedgeEvent messages; the API records them as v1 Events. */
export const EVENTS_SUBJECT = 'kedge.events';

/**
 * Something an operator should see in `kubectl get events` / `kubectl describe`: a scale decision,
 * a cold start, a failed start, a guest trapped or timed out, a revision turning ready. Components
 * publish it and move on (the API records it), so reporting never slows the request path.
 */
export interface KedgeEvent {
  involvedObject: { apiVersion: string; kind: string; namespace: string; name: string; uid?: string };
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, as Kubernetes' reasons are (ScaledUp, ColdStart, FailedStart, …). */
  reason: string;
  message: string;
  /** The component that saw it (autoscaler, runner, api) and where (its node or replica id). */
  component: string;
  host?: string;
  time: number;
}

/** Publishes an event; a bus that cannot take it loses the event, never the caller's work. */
export function emitEvent(bus: Bus, ev: KedgeEvent): void {
  try {
    bus.publish(EVENTS_SUBJECT, ev);
  } catch {
    // Events are best effort, as Kubernetes' are.
  }
}

/** The involvedObject of a Revision. */
export function revisionRef(namespace: string, name: string, uid?: string): KedgeEvent['involvedObject'] {
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', namespace, name, ...(uid ? { uid } : {}) };
}
