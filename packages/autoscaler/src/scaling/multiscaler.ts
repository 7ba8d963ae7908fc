import {
  Errs,
  readAutoscalingAnnotations,
  resourceKey,
  type Bus,
  type Clock,
  type Logger,
  type PodAutoscaler,
  type Revision,
} from '@kedge/core';
import { DEFAULT_AUTOSCALER_CONFIG, type AutoscalerConfig } from '../config/autoscaler-config.js';
import type { Cluster } from '../placement/cluster.js';
import { newPAState, paStateFromStatus } from '../scaler/pa-status.js';
import type { RevisionState } from './revision-state.js';
import type { ScalerClass } from './scaler-class.js';

export interface MultiScalerDeps {
  bus: Bus;
  clock: Clock;
  log: Logger;
  cluster: Cluster;
  /** The classes Kedge runs; the first is the one a revision of an unknown class gets. */
  classes: readonly ScalerClass[];
  owns(key: string): boolean;
  /** One pass of the PA reconciler over a revision (with the class's decider when `decide`). */
  reconcile(st: RevisionState, decide: boolean): void;
}

/** The class a revision asks for: its annotation, else config-autoscaler's pod-autoscaler-class. */
function requestedClass(rev: Revision, config: AutoscalerConfig): string {
  const a = readAutoscalingAnnotations(rev.metadata.annotations, 'metadata.annotations', new Errs(), config);
  return a.class ?? config.podAutoscalerClass;
}

/**
 * Knative's MultiScaler (pkg/autoscaler/scaling/multiscaler.go): one scaler per revision, of the
 * revision's class, kept in step with the Revisions, their PodAutoscalers and config-autoscaler,
 * and the 2-second tick over all of them.
 */
export class MultiScaler {
  private readonly states = new Map<string, RevisionState>();
  /** The stored PodAutoscalers: their reachability, and the status a new owner continues from. */
  private readonly pas = new Map<string, PodAutoscaler>();
  private cfg: AutoscalerConfig = { ...DEFAULT_AUTOSCALER_CONFIG };

  constructor(private readonly deps: MultiScalerDeps) {}

  get config(): AutoscalerConfig {
    return this.cfg;
  }

  get size(): number {
    return this.states.size;
  }

  get(key: string): RevisionState | undefined {
    return this.states.get(key);
  }

  values(): IterableIterator<RevisionState> {
    return this.states.values();
  }

  has(key: string): boolean {
    return this.states.has(key);
  }

  storedStatus(key: string): PodAutoscaler['status'] {
    return this.pas.get(key)?.status;
  }

  /**
   * Decisions need the metrics the bus carries: while it is down (nats-server restarting) the
   * autoscaler decides nothing and keeps the current scale, like Knative when it cannot scrape.
   */
  tick(): void {
    if (!this.deps.bus.connected()) return;
    for (const st of this.states.values()) this.deps.reconcile(st, true);
  }

  /** A Revision was created or changed; returns a new revision's state (for the caller to reconcile). */
  upsert(rev: Revision): RevisionState | undefined {
    const key = resourceKey(rev.metadata.namespace, rev.metadata.name);
    const now = this.deps.clock.now();
    const existing = this.states.get(key);
    if (existing) {
      existing.revision = rev;
      this.refresh(existing, now);
      return undefined;
    }
    const stored = this.pas.get(key);
    const reachability = stored?.spec.reachability;
    const ready = this.deps.cluster.readyCount(key);
    const scaler = this.classFor(rev).create(rev, { reachability, config: this.cfg, now, readyPods: ready });
    const pa = stored?.status?.conditions?.length ? paStateFromStatus(stored.status, now) : newPAState(now);
    const st: RevisionState = {
      key,
      namespace: rev.metadata.namespace,
      name: rev.metadata.name,
      revision: rev,
      reachability,
      scaler,
      scale: {
        // A PodAutoscaler that already decided keeps its scale across an autoscaler restart.
        replicas: pa.desiredScale !== undefined && pa.desiredScale >= 0 ? pa.desiredScale : scaler.bounds.initialScale,
        want: -1,
        pa,
        mode: 'Proxy',
        proxySince: now,
        activatorInPath: false,
        numActivators: 2,
        ready,
      },
      placement: { startFailures: 0, startBackoffUntil: 0 },
      written: { writing: false, dirty: false },
      problemsLogged: false,
      owned: this.deps.owns(key),
    };
    this.states.set(key, st);
    this.logProblems(st);
    return st;
  }

  /** A Revision was deleted: returns its state. */
  remove(key: string): RevisionState | undefined {
    const st = this.states.get(key);
    if (!st) return undefined;
    this.states.delete(key);
    this.deps.cluster.forgetRevision(key);
    return st;
  }

  /** A PodAutoscaler changed: its reachability bounds the revision's scale. Returns the state it changed. */
  podAutoscaler(pa: PodAutoscaler, deleted: boolean): RevisionState | undefined {
    const key = resourceKey(pa.metadata.namespace, pa.metadata.name);
    if (deleted) {
      this.pas.delete(key);
      return undefined;
    }
    this.pas.set(key, pa);
    const st = this.states.get(key);
    if (!st || st.reachability === pa.spec.reachability) return undefined;
    st.reachability = pa.spec.reachability;
    this.refresh(st, this.deps.clock.now());
    return st;
  }

  setConfig(config: AutoscalerConfig): void {
    this.cfg = config;
    const now = this.deps.clock.now();
    for (const st of this.states.values()) this.refresh(st, now);
  }

  private refresh(st: RevisionState, now: number): void {
    const cls = this.classFor(st.revision);
    if (cls.name === st.scaler.className) {
      st.scaler.update(st.revision, st.reachability, this.cfg, now);
      return;
    }
    // The default class changed under the revision: the new class starts from no load history.
    const readyPods = this.deps.cluster.readyCount(st.key);
    st.scaler = cls.create(st.revision, { reachability: st.reachability, config: this.cfg, now, readyPods });
    st.problemsLogged = false;
    this.logProblems(st);
  }

  private classFor(rev: Revision): ScalerClass {
    const name = requestedClass(rev, this.cfg);
    return this.deps.classes.find((c) => c.name === name) ?? this.deps.classes[0]!;
  }

  private logProblems(st: RevisionState): void {
    if (st.problemsLogged) return;
    const name = requestedClass(st.revision, this.cfg);
    if (name !== st.scaler.className)
      this.deps.log.warn(
        { revision: st.key, class: name },
        `Kedge does not run this class; the revision is scaled by ${st.scaler.className}`,
      );
    if (st.scaler.problems.length)
      this.deps.log.warn(
        { revision: st.key, problems: st.scaler.problems },
        'autoscaling settings with problems; the values in question were ignored',
      );
    st.problemsLogged = true;
  }
}
