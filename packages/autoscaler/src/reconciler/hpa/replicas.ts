/** Kubernetes' --horizontal-pod-autoscaler-tolerance: ratios within 10 % of 1 change nothing. */
export const HPA_TOLERANCE = 0.1;
/** Kubernetes' default scale-down stabilization window (--horizontal-pod-autoscaler-downscale-stabilization). */
export const DOWNSCALE_STABILIZATION_SECONDS = 300;

export interface MetricReplicasInput {
  /** The replicas the HPA set last (Kubernetes: the scale subresource's current replicas). */
  current: number;
  /** The metric of each ready instance that reported one (cpu: % of its request; memory: bytes). */
  values: readonly number[];
  /** Ready instances with no metric yet. */
  missing: number;
  /** Instances not ready yet (starting). */
  unready: number;
  /** Per-instance target, in the unit of `values`. */
  target: number;
  /** What a missing instance counts as on a scale-down (cpu: max(100 %, target); memory: the target). */
  missingValue: number;
  tolerance?: number;
}

/** Kubernetes averages in integers (whole percent of the request, whole bytes): so does this. */
const avg = (xs: readonly number[]) => Math.trunc(xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * Kubernetes' replica calculator (pkg/controller/podautoscaler/replica_calculator.go,
 * GetResourceReplicas / calcPlainMetricReplicas): desired = ceil(ratio × instances), where ratio =
 * average metric / target; within the tolerance nothing changes. Instances without a metric count
 * against the move: as 0 on a scale-up, as `missingValue` on a scale-down; a scale-up counts
 * starting instances as 0 too. Undefined when no instance has a metric (nothing is decided).
 */
export function replicasForMetric(i: MetricReplicasInput): number | undefined {
  if (i.values.length === 0) return undefined;
  const tolerance = i.tolerance ?? HPA_TOLERANCE;
  const ratio = avg(i.values) / i.target;
  const scaleUpWithUnready = i.unready > 0 && ratio > 1;
  if (!scaleUpWithUnready && i.missing === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return i.current;
    return Math.ceil(ratio * i.values.length);
  }
  const filled = [...i.values];
  if (i.missing > 0 && ratio < 1) for (let n = 0; n < i.missing; n++) filled.push(i.missingValue);
  else if (i.missing > 0 && ratio > 1) for (let n = 0; n < i.missing; n++) filled.push(0);
  if (scaleUpWithUnready) for (let n = 0; n < i.unready; n++) filled.push(0);
  const next = avg(filled) / i.target;
  // Filling in turned the direction around, or brought it within the tolerance: stay.
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return i.current;
  const replicas = Math.ceil(next * filled.length);
  if ((next < 1 && replicas > i.current) || (next > 1 && replicas < i.current)) return i.current;
  return replicas;
}

/**
 * Kubernetes' stabilization (horizontal.go, stabilizeRecommendationWithBehaviors): every
 * recommendation is kept for the window; a scale-down goes no lower than the highest of them, so a
 * dip shorter than the window does not remove instances. With an upscale window, a scale-up goes no
 * higher than the lowest (behavior.scaleUp.stabilizationWindowSeconds; 0 by default).
 */
export class Stabilizer {
  private recs: { at: number; replicas: number }[] = [];

  constructor(
    private downSeconds: number,
    private upSeconds = 0,
  ) {}

  setWindows(downSeconds: number, upSeconds: number): void {
    this.downSeconds = downSeconds;
    this.upSeconds = upSeconds;
  }

  /** Records `desired` at `now` (ms) and returns the stabilized recommendation given `current`. */
  stabilize(now: number, desired: number, current: number): number {
    const longest = Math.max(this.downSeconds, this.upSeconds) * 1000;
    this.recs = this.recs.filter((r) => r.at >= now - longest);
    this.recs.push({ at: now, replicas: desired });
    const within = (s: number) => this.recs.filter((r) => r.at >= now - s * 1000).map((r) => r.replicas);
    const downFloor = Math.max(...within(this.downSeconds));
    const upCeiling = Math.min(...within(this.upSeconds));
    if (desired < current) return Math.min(current, downFloor);
    if (desired > current) return Math.max(current, upCeiling);
    return desired;
  }
}

/** Kubernetes' default scale-up policies: +100 % or +4 instances per 15 s period, whichever is more. */
const SCALE_UP_PERIOD_MS = 15_000;
const SCALE_UP_PODS = 4;
const SCALE_UP_PERCENT = 100;

/**
 * Kubernetes' default behavior.scaleUp rules (calculateScaleUpLimitWithScalingRules): within any
 * 15 s the replicas may grow from where the period started by 100 % or by 4, whichever is more.
 * (The default scale-down rule, 100 % per 15 s, limits nothing above the minimum.)
 */
export class ScaleUpLimiter {
  private events: { at: number; added: number }[] = [];

  limit(now: number, current: number): number {
    this.events = this.events.filter((e) => e.at > now - SCALE_UP_PERIOD_MS);
    const start = current - this.events.reduce((n, e) => n + e.added, 0);
    return Math.max(start + SCALE_UP_PODS, Math.ceil(start * (1 + SCALE_UP_PERCENT / 100)));
  }

  scaled(now: number, from: number, to: number): void {
    if (to > from) this.events.push({ at: now, added: to - from });
  }
}
