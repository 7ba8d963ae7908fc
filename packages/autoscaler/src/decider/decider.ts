import { TICK_INTERVAL_SECONDS } from '../config/autoscaler-config.js';
import { DelayWindow } from './delay-window.js';
import type { DeciderSpec } from './spec.js';

export interface ScaleInput {
  /** Wall-clock ms. */
  now: number;
  /** Revision-total window averages of the scaling metric; null when they could not be read. */
  observedStable: number | null;
  observedPanic: number | null;
  /** Ready instances; null when they could not be counted. */
  readyPods: number | null;
}

export interface ScaleResult {
  desiredPodCount: number;
  excessBurstCapacity: number;
  valid: boolean;
}

/** The per-decision values Knative exports as gauges; for logs, metrics and tests. */
export interface DeciderDebug {
  dspc: number;
  dppc: number;
  maxScaleUp: number;
  maxScaleDown: number;
  desiredStable: number;
  desiredPanic: number;
  overPanicThreshold: boolean;
}

export interface Decider {
  scale(input: ScaleInput): ScaleResult;
  update(spec: DeciderSpec): void;
  inPanicMode(): boolean;
  readonly spec: DeciderSpec;
  /** Intermediate values of the last valid scale() call. */
  readonly last: DeciderDebug | undefined;
}

export interface DeciderOptions {
  /** Ready instances when the decider is built (Knative reads them at creation; ≥ 2 starts in panic). */
  readyPodsAtCreation?: number;
  /** When the decider was built (ms); defaults to the first scale() call's `now`. */
  now?: number;
}

const INVALID: ScaleResult = Object.freeze({ desiredPodCount: 0, excessBurstCapacity: 0, valid: false });

/** Knative's uniscaler (pkg/autoscaler/scaling/autoscaler.go): pure, no clock, no I/O. */
export function createDecider(initial: DeciderSpec, opts: DeciderOptions = {}): Decider {
  let spec = initial;
  const ready0 = opts.readyPodsAtCreation ?? 0;
  // After a restart metric history is gone; starting in panic holds the current scale until data arrives.
  let panicTime: number | undefined = ready0 > 1 ? (opts.now ?? Number.NaN) : undefined;
  let maxPanicPods = ready0;
  const makeDelay = (s: DeciderSpec) =>
    s.scaleDownDelaySeconds > 0 ? new DelayWindow(s.scaleDownDelaySeconds, TICK_INTERVAL_SECONDS) : undefined;
  let delayWindow = makeDelay(spec);
  let last: DeciderDebug | undefined;

  return {
    get spec() {
      return spec;
    },
    get last() {
      return last;
    },
    inPanicMode: () => panicTime !== undefined,
    update(next: DeciderSpec) {
      if (next.scaleDownDelaySeconds !== spec.scaleDownDelaySeconds) delayWindow = makeDelay(next);
      spec = next;
    },
    scale({ now, observedStable, observedPanic, readyPods }: ScaleInput): ScaleResult {
      if (readyPods === null || observedStable === null || observedPanic === null) return INVALID;
      if (panicTime !== undefined && Number.isNaN(panicTime)) panicTime = now;
      const readyOrig = readyPods;
      // A revision at zero counts as one pod for rate limits and the panic test.
      const readyF = Math.max(1, readyOrig);

      // ceil: always allows growth by at least one pod however small the rate.
      const maxScaleUp = Math.ceil(spec.maxScaleUpRate * readyF);
      // Unreachable revisions may drop straight to zero.
      const maxScaleDown = spec.reachable ? Math.floor(readyF / spec.maxScaleDownRate) : 0;

      const dspc = Math.ceil(observedStable / spec.targetValue);
      const dppc = Math.ceil(observedPanic / spec.targetValue);
      let desiredStable = Math.min(Math.max(dspc, maxScaleDown), maxScaleUp);
      let desiredPanic = Math.min(Math.max(dppc, maxScaleDown), maxScaleUp);

      if (spec.activationScale > 1) {
        if (dspc > 0 && spec.activationScale > desiredStable) desiredStable = spec.activationScale;
        if (dppc > 0 && spec.activationScale > desiredPanic) desiredPanic = spec.activationScale;
      }

      const over = dppc / readyF >= spec.panicThreshold;
      if (over) panicTime = now;
      else if (panicTime !== undefined && panicTime + spec.stableWindowSeconds * 1000 < now) {
        // The surge has had a full stable window to show up in the stable average.
        panicTime = undefined;
        maxPanicPods = 0;
      }

      let want = desiredStable;
      if (panicTime !== undefined) {
        // Provision for whichever window asks more; never scale down while panicking.
        if (want < desiredPanic) want = desiredPanic;
        if (want > maxPanicPods) maxPanicPods = want;
        want = maxPanicPods;
      }

      if (delayWindow && spec.reachable) {
        delayWindow.record(now, want);
        want = delayWindow.current();
      }

      let ebc: number;
      if (spec.targetBurstCapacity === 0) ebc = 0;
      else if (spec.targetBurstCapacity > 0)
        ebc = Math.floor(readyOrig * spec.totalValue - spec.targetBurstCapacity - observedPanic);
      else ebc = -1;

      last = { dspc, dppc, maxScaleUp, maxScaleDown, desiredStable, desiredPanic, overPanicThreshold: over };
      return { desiredPodCount: want, excessBurstCapacity: ebc, valid: true };
    },
  };
}
