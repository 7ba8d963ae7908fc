import type { Condition, PodAutoscalerStatus } from '@kedge/core';

export type ActiveStatus = 'True' | 'False' | 'Unknown';

/** The part of a PodAutoscaler's status the scaler reasons about; times in ms. */
export interface PAState {
  /** Active condition: True = Active, Unknown = Activating, False = Inactive. */
  active: ActiveStatus;
  activeReason?: string;
  activeMessage?: string;
  /** When the Active condition last changed status. */
  activeSince: number;
  scaleTargetInitialized: boolean;
  /** status.desiredScale (kept once non-negative; −1 never overwrites it). */
  desiredScale?: number;
  actualScale?: number;
  /** The last instance start failed (cleared by the next one that starts): why, as the runner said. */
  startFailure?: { reason: string; message: string };
}

export const REASON_NO_TRAFFIC = 'NoTraffic';
export const MESSAGE_NO_TRAFFIC = 'The target is not receiving traffic.';
export const REASON_TIMED_OUT = 'TimedOut';
export const MESSAGE_TIMED_OUT = 'The target could not be activated.';
export const REASON_QUEUED = 'Queued';
export const MESSAGE_QUEUED = 'Requests to the target are being buffered as resources are provisioned.';

/** Reason of a start refusal that does not name one (`Reason: message` is the runner's form). */
export const REASON_START_FAILED = 'StartFailed';

/** The reason and message of a runner's start error (`CompileFailed: Container failed with: …`). */
export function startFailureOf(error: string): { reason: string; message: string } {
  const m = /^([A-Z][A-Za-z]+): ([\s\S]*)$/.exec(error);
  return m ? { reason: m[1]!, message: m[2]! } : { reason: REASON_START_FAILED, message: error };
}

export const markStartFailed = (pa: PAState, error: string): PAState => ({
  ...pa,
  startFailure: startFailureOf(error),
});
export function markStarted(pa: PAState): PAState {
  if (!pa.startFailure) return pa;
  const { startFailure: _f, ...rest } = pa;
  return rest;
}

/** A PodAutoscaler freshly created by the revision reconciler: all conditions Unknown, i.e. Activating. */
export function newPAState(now: number): PAState {
  return { active: 'Unknown', activeSince: now, scaleTargetInitialized: false };
}

function mark(pa: PAState, active: ActiveStatus, now: number, reason?: string, message?: string): PAState {
  const next: PAState = { ...pa, active, activeSince: pa.active === active ? pa.activeSince : now };
  if (reason) next.activeReason = reason;
  else delete next.activeReason;
  if (message) next.activeMessage = message;
  else delete next.activeMessage;
  return next;
}

export const markActive = (pa: PAState, now: number) => mark(pa, 'True', now);
export const markActivating = (pa: PAState, now: number) => mark(pa, 'Unknown', now, REASON_QUEUED, MESSAGE_QUEUED);
export const markInactive = (pa: PAState, now: number, reason: string, message: string) =>
  mark(pa, 'False', now, reason, message);

/** Readiness threshold: initial-scale until the target was first initialized, then at least one. */
export function activeThreshold(pa: PAState, minScale: number, initialScale: number): number {
  return pa.scaleTargetInitialized ? Math.max(minScale, 1) : Math.max(minScale, initialScale);
}

/** Knative's computeActiveCondition: Active/Activating/Inactive from the applied want and ready instances. */
export function computeActiveCondition(
  pa: PAState,
  input: { now: number; want: number; ready: number; minScale: number; initialScale: number },
): PAState {
  const { now, want, ready } = input;
  const minReady = activeThreshold(pa, input.minScale, input.initialScale);
  let next: PAState = { ...pa };
  if (ready >= minReady) next.scaleTargetInitialized = true;
  if (want === 0 || minReady === 0) {
    next =
      next.active === 'Unknown' && minReady > 0
        ? markInactive(next, now, REASON_TIMED_OUT, MESSAGE_TIMED_OUT)
        : markInactive(next, now, REASON_NO_TRAFFIC, MESSAGE_NO_TRAFFIC);
  } else if (ready < minReady) {
    next =
      want > 0 || next.active !== 'False'
        ? markActivating(next, now)
        : markInactive(next, now, REASON_NO_TRAFFIC, MESSAGE_NO_TRAFFIC);
  } else if (want > 0 || next.active !== 'False') {
    next.scaleTargetInitialized = true;
    next = markActive(next, now);
  }
  if (want >= 0 || next.desiredScale === undefined) next.desiredScale = want;
  next.actualScale = ready;
  return next;
}

/** Is the activator in the request path? (Knative's PA reconciler, pkg/reconciler/autoscaling/kpa/kpa.go) */
export function sksMode(want: number, excessBurstCapacity: number): 'Proxy' | 'Serve' {
  // Everything else (no decision yet, at or going to zero, too little headroom for a burst) keeps the activator in.
  return want > 0 && excessBurstCapacity >= 0 ? 'Serve' : 'Proxy';
}

/** How many activators back a revision in Proxy mode (Knative's computeNumActivators). */
export function numActivators(
  readyPods: number,
  spec: { targetBurstCapacity: number; totalValue: number; activatorCapacity: number },
): number {
  if (spec.targetBurstCapacity === 0) return 2;
  const capacity = readyPods * spec.totalValue + Math.max(spec.targetBurstCapacity, 0);
  return Math.max(2, Math.ceil(capacity / spec.activatorCapacity));
}

/** The PodAutoscaler status written to the Store: Knative's condition set (Ready = worst of the three). */
export function paStatusFor(
  pa: PAState,
  opts: { now: number; serviceName: string; observedGeneration?: number; prev?: Condition[] },
): PodAutoscalerStatus {
  const iso = (ms: number) => new Date(ms).toISOString();
  const cond = (type: string, status: ActiveStatus, since?: number, reason?: string, message?: string): Condition => {
    const p = opts.prev?.find((c) => c.type === type);
    const keep = p && p.status === status && p.lastTransitionTime;
    const c: Condition = {
      type,
      status,
      lastTransitionTime: since !== undefined ? iso(since) : keep ? p.lastTransitionTime! : iso(opts.now),
    };
    if (reason) c.reason = reason;
    if (message) c.message = message;
    return c;
  };
  // An instance that cannot start is not "being provisioned": the PA says why it is not ready
  // (Knative's PA turns ScaleTargetInitialized False when its Deployment's pods fail to come up).
  const failed = pa.startFailure && !pa.scaleTargetInitialized ? pa.startFailure : undefined;
  const active =
    failed && pa.active === 'Unknown'
      ? cond('Active', 'False', undefined, failed.reason, failed.message)
      : cond('Active', pa.active, pa.activeSince, pa.activeReason, pa.activeMessage);
  const initialized = failed
    ? cond('ScaleTargetInitialized', 'False', undefined, failed.reason, failed.message)
    : cond('ScaleTargetInitialized', pa.scaleTargetInitialized ? 'True' : 'Unknown');
  const sksReady = cond('SKSReady', 'True');
  const deps = [active, initialized, sksReady];
  const worst = deps.find((c) => c.status === 'False') ?? deps.find((c) => c.status === 'Unknown');
  const ready = cond('Ready', worst ? worst.status : 'True', undefined, worst?.reason, worst?.message);
  const status: PodAutoscalerStatus = {
    conditions: [active, ready, sksReady, initialized],
    serviceName: opts.serviceName,
  };
  if (opts.observedGeneration !== undefined) status.observedGeneration = opts.observedGeneration;
  if (pa.desiredScale !== undefined) status.desiredScale = pa.desiredScale;
  if (pa.actualScale !== undefined) status.actualScale = pa.actualScale;
  return status;
}

/** Reads the scaler's state back from a stored PodAutoscaler (after an autoscaler restart). */
export function paStateFromStatus(status: PodAutoscalerStatus | undefined, now: number): PAState {
  const active = status?.conditions?.find((c) => c.type === 'Active');
  const init = status?.conditions?.find((c) => c.type === 'ScaleTargetInitialized');
  const since = active?.lastTransitionTime ? Date.parse(active.lastTransitionTime) : Number.NaN;
  const pa: PAState = {
    active: active?.status ?? 'Unknown',
    activeSince: Number.isFinite(since) ? since : now,
    scaleTargetInitialized: init?.status === 'True',
  };
  if (active?.reason) pa.activeReason = active.reason;
  if (active?.message) pa.activeMessage = active.message;
  if (status?.desiredScale !== undefined) pa.desiredScale = status.desiredScale;
  if (status?.actualScale !== undefined) pa.actualScale = status.actualScale;
  return pa;
}
