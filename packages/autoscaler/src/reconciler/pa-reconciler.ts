import {
  emitEvent,
  subjects,
  type Bus,
  type Clock,
  type DecisionMessage,
  type Logger,
  type PodAutoscalerStatus,
} from '@kedge/core';
import type { Cluster } from '../placement/cluster.js';
import type { Placer } from '../placement/placer.js';
import {
  computeActiveCondition,
  markInactive,
  MESSAGE_NO_TRAFFIC,
  paStateFromStatus,
  REASON_NO_TRAFFIC,
} from '../scaler/pa-status.js';
import { scaleEvent } from '../scaler/scale-event.js';
import type { Lifecycle, RevisionState } from '../scaling/revision-state.js';
import type { StatusWriter } from './status-writer.js';

/**
 * Knative's PodAutoscaler reconciler (pkg/reconciler/autoscaling): asks the revision's class what to
 * apply, derives the SKS mode and the Active condition, then places instances, publishes the
 * decision to the gateways and queues the status write.
 */
export class PodAutoscalerReconciler {
  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly cluster: Cluster,
    private readonly placer: Placer,
    private readonly writer: StatusWriter,
    private readonly lifecycle: Lifecycle,
    /** This autoscaler replica, named as the source of its Events. */
    private readonly host: string,
  ) {}

  /** One pass; with `decide`, the class's decider runs first (the tick, a poke, a first stat). */
  reconcile(st: RevisionState, decide: boolean): void {
    const now = this.clock.now();
    const s = st.scale;
    const scaler = st.scaler;
    const ready = this.cluster.readyCount(st.key);
    s.ready = ready;
    if (decide) scaler.decide(now, ready);
    const res = scaler.scale({
      now,
      pa: s.pa,
      mode: s.mode,
      proxySince: s.proxySince,
      activatorInPath: s.activatorInPath,
    });
    if (res.apply && res.want !== s.replicas) {
      if (this.lifecycle.acting(st)) {
        const decision = scaler.describe();
        this.log.info({ revision: st.key, from: s.replicas, to: res.want, ready, ...decision }, 'scaling');
        emitEvent(this.bus, scaleEvent(st, s.replicas, res.want, { decision, now, host: this.host }));
      }
      s.replicas = res.want;
    }
    s.want = res.want;
    const sks = scaler.sks(res.want, ready);
    // The SKS reconciler puts the activator in front of a revision with no ready instance, whatever the decision.
    const mode = ready === 0 ? 'Proxy' : sks.mode;
    if (mode !== s.mode) {
      s.mode = mode;
      s.proxySince = mode === 'Proxy' ? now : undefined;
      s.activatorInPath = false;
    }
    s.numActivators = sks.numActivators;

    const act = this.lifecycle.acting(st);
    if (act) {
      this.placer.place(st, now);
      this.publish(st, now);
    }
    const b = scaler.bounds;
    s.pa = computeActiveCondition(s.pa, {
      now,
      want: res.want,
      ready,
      minScale: b.reachable ? b.minScale : 0,
      initialScale: b.initialScale,
    });
    if (act) this.writer.schedule(st);
  }

  /**
   * The admin verb's scale to zero, after the class forgot its load: everything stops now and the
   * activator takes the path. Resolves once the runners confirmed the stops, with how many.
   */
  async scaleToZero(st: RevisionState): Promise<number> {
    const now = this.clock.now();
    const s = st.scale;
    s.replicas = 0;
    s.want = 0;
    s.pa = markInactive(s.pa, now, REASON_NO_TRAFFIC, MESSAGE_NO_TRAFFIC);
    if (s.mode !== 'Proxy') {
      s.mode = 'Proxy';
      s.proxySince = now;
    }
    const act = this.lifecycle.acting(st);
    const stops = act ? this.placer.place(st, now) : [];
    if (act) {
      this.publish(st, now);
      this.writer.schedule(st);
    }
    await Promise.allSettled(stops);
    s.pa = { ...s.pa, actualScale: this.cluster.readyCount(st.key) };
    return stops.length;
  }

  /**
   * Continue where the previous owner (or this replica before a restart) left off: its PodAutoscaler
   * status, and as many instances as the runners report live (Knative: the Deployment's replicas).
   */
  adopt(st: RevisionState, stored: PodAutoscalerStatus | undefined): void {
    if (stored?.conditions?.length) {
      st.scale.pa = paStateFromStatus(stored, this.clock.now());
      st.written.paConditions = stored.conditions;
    }
    const live = this.cluster.live(st.key).length;
    if (live > 0) st.scale.replicas = live;
    // Unknown what was written or published last: say it all again.
    st.scale.published = undefined;
    st.written.pa = undefined;
    st.written.sks = undefined;
  }

  /** Tells the gateways the revision's scale and mode (once per change, or again with `force`). */
  publish(st: RevisionState, now: number, force = false): void {
    const s = st.scale;
    if (force) s.published = undefined;
    const sig = `${s.replicas}|${s.mode}|${st.scaler.ebc >= 0}`;
    if (sig === s.published) {
      if (s.mode === 'Proxy') s.activatorInPath = true;
      return;
    }
    const msg: DecisionMessage = {
      namespace: st.namespace,
      revision: st.name,
      desiredScale: s.replicas,
      excessBurstCapacity: st.scaler.ebc,
      mode: s.mode,
      time: now,
    };
    try {
      this.bus.publish(subjects.decision(st.namespace, st.name), msg);
      s.published = sig;
    } catch (err) {
      this.log.warn({ err, revision: st.key }, 'decision not published');
    }
  }
}
