import type { PodAutoscalerSpec, Revision, StatMessage } from '@kedge/core';
import type { AutoscalerConfig } from '../config/autoscaler-config.js';
import type { PAState } from '../scaler/pa-status.js';

export type SksMode = 'Proxy' | 'Serve';
export type Reachability = PodAutoscalerSpec['reachability'];

/** A revision's scale bounds, as the PA reconciler applies them. */
export interface ScaleBounds {
  minScale: number;
  /** 0 = unbounded. */
  maxScale: number;
  initialScale: number;
  reachable: boolean;
}

/** What the PA reconciler knows when it asks a class what to apply. */
export interface ScaleView {
  now: number;
  pa: PAState;
  mode: SksMode;
  proxySince: number | undefined;
  activatorInPath: boolean;
}

/**
 * One revision's autoscaler of one class (Knative: the UniScaler the MultiScaler keeps per
 * revision, plus the class's part of the PA reconciler). Times in ms.
 */
export interface RevisionScaler {
  readonly className: string;
  /** The last decision (−1: none yet). */
  readonly desiredScale: number;
  /** Excess burst capacity, carried by the decision message. */
  readonly ebc: number;
  readonly bounds: ScaleBounds;
  /** Problems with the annotations, each naming its field; the values in question were ignored. */
  readonly problems: readonly string[];
  /** The revision, its reachability or config-autoscaler changed. */
  update(rev: Revision, reachability: Reachability, config: AutoscalerConfig, now: number): void;
  /** A stat from an instance or an activator (draining instances already left out); true: decide now. */
  record(stat: StatMessage, now: number): boolean;
  /**
   * The activator holds a request for this revision; true: decide now. `concurrency`: the requests
   * it carries for it right now, held ones included (a capacity poke; docs/autoscaling.md).
   */
  poke(now: number, replicas: number, concurrency?: number): boolean;
  /** Once a second, with the ready instances. */
  everySecond(now: number, ready: number): void;
  /** The runners answered after a start: ready counts are now real. */
  settled(now: number, ready: number): void;
  /** The tick: one decision from the metrics. */
  decide(now: number, ready: number): void;
  /** The class's scale step of the PA reconciler: what to want, and whether to apply it now. */
  scale(view: ScaleView): { want: number; apply: boolean };
  /** The ServerlessService: is the activator in the path, and how many back the revision. */
  sks(want: number, ready: number): { mode: SksMode; numActivators: number };
  /** The admin verb: forget the load and go to zero now; an error message when the class cannot. */
  scaleToZero(now: number): string | undefined;
  /** Fields for the "scaling" log line. */
  describe(): Record<string, unknown>;
}

/** An autoscaler class (`autoscaling.knative.dev/class`): makes the per-revision scalers. */
export interface ScalerClass {
  readonly name: string;
  create(
    rev: Revision,
    ctx: { reachability: Reachability; config: AutoscalerConfig; now: number; readyPods: number },
  ): RevisionScaler;
}
