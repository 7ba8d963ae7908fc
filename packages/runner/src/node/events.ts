import { emitEvent, revisionRef, type Bus, type Clock, type KedgeEvent, type Revision } from '@kedge/core';
import type { Timings } from '../runtimes/runtime.js';

/** What the node's Events carry besides their own words: where they come from, and when. */
export interface EventDeps {
  bus: Bus;
  clock: Clock;
  nodeId: string;
}

/** Event reasons of guest failures (Kubernetes says OOMKilled for a memory kill; Kedge's cap is a trap). */
const GUEST_FAILURE_REASONS: Record<string, string> = {
  trap: 'GuestTrap',
  exit: 'GuestExit',
  timeout: 'Timeout',
  'cpu-limit': 'CpuLimitExceeded',
  crashed: 'WorkerCrashed',
};

const tenths = (ms: number): number => Math.round(ms * 10) / 10;

function emit(d: EventDeps, ev: Pick<KedgeEvent, 'involvedObject' | 'type' | 'reason' | 'message'>): void {
  emitEvent(d.bus, { ...ev, component: 'runner', host: d.nodeId, time: d.clock.now() });
}

/**
 * A cold start (the revision's first ready instance on this node, `ready` counts them) or another
 * instance, with its time and phases.
 */
export function startedEvent(d: EventDeps, rev: Revision, instanceId: string, timings: Timings, ready: number): void {
  const phases = Object.entries(timings)
    .filter(([k, v]) => k !== 'total' && typeof v === 'number')
    .map(([k, v]) => `${k} ${tenths(v)} ms`)
    .join(', ');
  const ms = tenths(timings.total ?? 0);
  emit(d, {
    involvedObject: revisionRef(rev.metadata.namespace, rev.metadata.name, rev.metadata.uid),
    type: 'Normal',
    reason: ready === 1 ? 'ColdStart' : 'Started',
    message: `Started instance ${instanceId} on ${d.nodeId} in ${ms} ms${phases ? ` (${phases})` : ''}`,
  });
}

/** A request's guest trapped, exited, ran out of time or CPU: a Warning on its revision. */
export function guestFailedEvent(
  d: EventDeps,
  instance: { namespace: string; revision: string; id: string; uid: string | undefined },
  kind: string,
  message: string,
): void {
  emit(d, {
    involvedObject: revisionRef(instance.namespace, instance.revision, instance.uid),
    type: 'Warning',
    reason: GUEST_FAILURE_REASONS[kind] ?? 'GuestFailed',
    message: `Instance ${instance.id}: ${message}`,
  });
}
