import { randomUUID } from 'node:crypto';
import {
  emitEvent,
  revisionRef,
  revisionRuntimeKind,
  subjects,
  type Bus,
  type Clock,
  type Logger,
  type StartInstanceReply,
  type StartInstanceRequest,
  type StopInstanceRequest,
} from '@kedge/core';
import { markStarted, markStartFailed } from '../scaler/pa-status.js';
import type { RevisionState } from '../scaling/revision-state.js';
import type { Cluster, TrackedInstance } from './cluster.js';

const START_TIMEOUT_MS = 60_000;
const MAX_START_BACKOFF_MS = 30_000;

/**
 * Turns a revision's applied scale into start and stop requests to runner nodes (Knative: the
 * Deployment controller's part), and backs off a revision whose instances do not start.
 */
export class Placer {
  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly cluster: Cluster,
    /** An instance of `st` is gone after a stop: its actualScale and Active condition follow. */
    private readonly onStopped: (st: RevisionState) => void,
    /** An instance of `st` failed to start: its PodAutoscaler now says why (a status write is due). */
    private readonly onStartFailed: (st: RevisionState) => void,
    /** This autoscaler replica, named as the source of its Events. */
    private readonly host: string,
  ) {}

  /** Starts or stops instances so the revision has `scale.replicas` of them; returns the stops in flight. */
  place(st: RevisionState, now: number): Promise<unknown>[] {
    const plan = this.cluster.plan(st.key, st.scale.replicas, revisionRuntimeKind(st.revision));
    if (plan.unplaced > 0)
      this.log.warn(
        { revision: st.key, unplaced: plan.unplaced, nodes: this.cluster.nodes.size },
        'no runner capacity for all instances',
      );
    if (plan.start.length > 0 && now >= st.placement.startBackoffUntil) {
      for (const nodeId of plan.start) this.start(st, nodeId, now);
    }
    return plan.stop.map((t) => this.stop(st, t, now));
  }

  /** Stops an instance no known revision owns (its revision was deleted while nobody watched). */
  stopOrphan(t: TrackedInstance, now: number): void {
    this.cluster.markStopping(t.id, now);
    const [ns, rev] = t.revKey.split('/') as [string, string];
    const req: StopInstanceRequest = { namespace: ns, revision: rev, instanceId: t.id };
    void this.bus
      .request(subjects.runnerStop(t.nodeId), req)
      .catch((err) => this.log.warn({ err, instance: t.id }, 'orphan stop failed'))
      .finally(() => this.cluster.remove(t.id, this.clock.now()));
  }

  private stop(st: RevisionState, t: TrackedInstance, now: number): Promise<unknown> {
    this.cluster.markStopping(t.id, now);
    const req: StopInstanceRequest = { namespace: st.namespace, revision: st.name, instanceId: t.id };
    const timeoutMs = ((st.revision.spec.timeoutSeconds ?? 300) + 30) * 1000;
    return this.bus
      .request(subjects.runnerStop(t.nodeId), req, { timeoutMs })
      .catch((err) => this.log.warn({ err, revision: st.key, instance: t.id, node: t.nodeId }, 'stop request failed'))
      .finally(() => {
        this.cluster.remove(t.id, this.clock.now());
        this.onStopped(st);
      });
  }

  private start(st: RevisionState, nodeId: string, now: number): void {
    const { cluster, clock, log } = this;
    const instanceId = `${st.name}-${randomUUID().slice(0, 8)}`;
    cluster.addStarting(instanceId, nodeId, st.key, now);
    const req: StartInstanceRequest = { namespace: st.namespace, revision: st.name, instanceId };
    const failed = (error: string) => {
      cluster.remove(instanceId, clock.now());
      const p = st.placement;
      p.startFailures++;
      const backoff = Math.min(1000 * 2 ** (p.startFailures - 1), MAX_START_BACKOFF_MS);
      p.startBackoffUntil = clock.now() + backoff;
      st.scale.pa = markStartFailed(st.scale.pa, error);
      emitEvent(this.bus, {
        involvedObject: revisionRef(st.namespace, st.name, st.revision.metadata.uid),
        type: 'Warning',
        reason: 'FailedStart',
        message: `Instance ${instanceId} did not start on ${nodeId}: ${error} (next try in ${Math.round(backoff / 1000)}s)`,
        component: 'autoscaler',
        host: this.host,
        time: clock.now(),
      });
      log.warn(
        { revision: st.key, instance: instanceId, node: nodeId, error, retryInMs: backoff },
        'instance did not start',
      );
      this.onStartFailed(st);
    };
    this.bus.request<StartInstanceReply>(subjects.runnerStart(nodeId), req, { timeoutMs: START_TIMEOUT_MS }).then(
      (reply) => {
        if (reply?.ok) {
          cluster.markRunning(instanceId, clock.now());
          st.placement.startFailures = 0;
          st.placement.startBackoffUntil = 0;
          st.scale.pa = markStarted(st.scale.pa);
        } else failed(reply?.error ?? 'runner refused');
      },
      (err: Error) => failed(err.message),
    );
  }
}
