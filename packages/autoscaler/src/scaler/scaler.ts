import type { PAState } from './pa-status.js';

export interface ScalerInput {
  /** ms */
  now: number;
  /** The decider's DesiredScale (−1: no decision yet). */
  desiredScale: number;
  pa: PAState;
  reachable: boolean;
  minScale: number;
  /** 0 = unbounded. */
  maxScale: number;
  initialScale: number;
  stableWindowSeconds: number;
  targetBurstCapacity: number;
  enableScaleToZero: boolean;
  scaleToZeroGracePeriodSeconds: number;
  scaleToZeroPodRetentionPeriodSeconds: number;
  activationTimeoutSeconds: number;
  /** Current SKS mode and since when (ms) the activator has been backing the revision. */
  sksMode: 'Proxy' | 'Serve';
  proxySince: number | undefined;
  /** The activator is confirmed in the request path (Knative's activator probe). */
  activatorInPath: boolean;
}

export interface ScalerResult {
  /** What the PA reconciler wants (−1 unknown); drives the SKS mode and the Active condition. */
  want: number;
  /** Whether `want` is applied to the instance count now. */
  apply: boolean;
  /** Why nothing was applied (for logs and tests). */
  waiting?: 'metrics' | 'activating' | 'active-window' | 'probe' | 'retention' | 'grace';
}

/** Knative's PA reconciler scale(): bounds, initial scale, then the scale-to-zero gate
 * (https://github.com/knative/serving/blob/main/pkg/reconciler/autoscaling/kpa/scaler.go). */
export function computeScale(i: ScalerInput): ScalerResult {
  let desired = i.desiredScale;
  if (desired < 0 && i.pa.active !== 'Unknown') return { want: desired, apply: false, waiting: 'metrics' };

  let min = i.reachable ? i.minScale : 0;
  const max = i.maxScale;
  if (i.initialScale > 1 && !i.pa.scaleTargetInitialized && i.reachable) min = Math.max(min, i.initialScale);
  if (desired < min) desired = min;
  else if (max !== 0 && desired > max) desired = max;

  if (desired !== 0) return { want: desired, apply: true };
  return scaleToZeroGate(i, desired);
}

function scaleToZeroGate(i: ScalerInput, desired: number): ScalerResult {
  if (!i.enableScaleToZero) return { want: 1, apply: true };
  const now = i.now;
  switch (i.pa.active) {
    case 'Unknown':
      // Stuck activating past the progress deadline: give up and go to zero (PA becomes TimedOut).
      if (now - i.pa.activeSince > i.activationTimeoutSeconds * 1000) return { want: desired, apply: true };
      return { want: -1, apply: false, waiting: 'activating' };
    case 'True': {
      const activeFor = now - i.pa.activeSince;
      // Not applied: marks the PA Inactive and moves the SKS to Proxy first.
      if (activeFor >= i.stableWindowSeconds * 1000) return { want: desired, apply: false, waiting: 'active-window' };
      // Keep one instance for the rest of the stable window.
      return { want: 1, apply: true };
    }
    case 'False': {
      if (i.targetBurstCapacity !== -1 && !i.activatorInPath) return { want: desired, apply: false, waiting: 'probe' };
      const retention = i.reachable ? i.scaleToZeroPodRetentionPeriodSeconds * 1000 : 0;
      const grace = i.scaleToZeroGracePeriodSeconds * 1000;
      const inactiveFor = now - i.pa.activeSince;
      if (inactiveFor >= Math.max(grace, retention)) return { want: desired, apply: true };
      if (retention > 0 && inactiveFor < retention) return { want: desired, apply: false, waiting: 'retention' };
      const proxiedFor = i.sksMode === 'Proxy' && i.proxySince !== undefined ? now - i.proxySince : 0;
      // Fast path: the activator has already been in the path for the grace period.
      if (grace - proxiedFor <= 0) return { want: desired, apply: true };
      return { want: desired, apply: false, waiting: 'grace' };
    }
  }
}
