import type { Condition, Revision } from '@kedge/core';
import type { PAState } from '../scaler/pa-status.js';
import type { Reachability, RevisionScaler, SksMode } from './scaler-class.js';

/** The PA reconciler's part: what is applied, the PodAutoscaler state and the SKS mode. */
export interface ScaleState {
  /** The applied instance count (Knative: Deployment spec.replicas). */
  replicas: number;
  want: number;
  pa: PAState;
  mode: SksMode;
  proxySince: number | undefined;
  activatorInPath: boolean;
  numActivators: number;
  ready: number;
  /** The last decision message published (its signature). */
  published?: string;
}

/** The placer's part: start failures and the backoff they earned. */
export interface PlacementState {
  startFailures: number;
  startBackoffUntil: number;
}

/** The status writer's part: what was last written, and whether a write is under way. */
export interface WrittenState {
  pa?: string;
  sks?: string;
  paConditions?: Condition[];
  writing: boolean;
  dirty: boolean;
}

/** One revision the autoscaler knows: each part of the autoscaler owns one field of it. */
export interface RevisionState {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  revision: Revision;
  reachability: Reachability;
  scaler: RevisionScaler;
  scale: ScaleState;
  placement: PlacementState;
  written: WrittenState;
  problemsLogged: boolean;
  /** This replica owns the revision (see sharing/owners.ts); others only keep their windows warm. */
  owned: boolean;
}

/** What an autoscaler replica shares with its parts. */
export interface Lifecycle {
  /** The autoscaler runs and `st` is still the revision's state. */
  current(st: RevisionState): boolean;
  /** Current, settled, and this replica owns the revision: it starts, stops, publishes and writes. */
  acting(st: RevisionState): boolean;
  /** Aborted when the autoscaler stops: writes waiting for an unreachable Store give up. */
  readonly signal: AbortSignal;
  readonly running: boolean;
  /** Peers and runner nodes had their time to announce themselves, and the Store watches synced. */
  readonly settled: boolean;
}
