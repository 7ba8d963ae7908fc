import {
  resourceKey,
  type Clock,
  type EndpointsMessage,
  type Logger,
  type NodeHeartbeat,
  type PokeMessage,
  type Revision,
  type StatMessage,
} from '@kedge/core';
import type { Cluster } from './placement/cluster.js';
import type { Placer } from './placement/placer.js';
import type { PodAutoscalerReconciler } from './reconciler/pa-reconciler.js';
import type { StatusWriter } from './reconciler/status-writer.js';
import type { MultiScaler } from './scaling/multiscaler.js';
import type { Lifecycle } from './scaling/revision-state.js';
import type { Ownership } from './sharing/ownership.js';

export interface AutoscalerParts {
  clock: Clock;
  log: Logger;
  id: string;
  cluster: Cluster;
  scalers: MultiScaler;
  reconciler: PodAutoscalerReconciler;
  placer: Placer;
  writer: StatusWriter;
  ownership: Ownership;
  lifecycle: Lifecycle;
  /** The bus connection is up (metrics can be heard). */
  connected(): boolean;
}

/** What the autoscaler does with each Store event and bus message: routes it to the part that owns it. */
export class AutoscalerEvents {
  constructor(private readonly p: AutoscalerParts) {}

  onRevision(rev: Revision, deleted: boolean): void {
    const { scalers, reconciler, lifecycle } = this.p;
    if (!deleted) {
      const added = scalers.upsert(rev);
      if (added && lifecycle.running) reconciler.reconcile(added, false);
      return;
    }
    const key = resourceKey(rev.metadata.namespace, rev.metadata.name);
    const st = scalers.get(key);
    const wasActing = st !== undefined && lifecycle.acting(st);
    scalers.remove(key);
    if (!st || !wasActing) return;
    st.scale.replicas = 0;
    this.p.placer.place(st, this.p.clock.now());
    this.p.writer.deleteFor(st);
  }

  /** Peers came or went: take over newly owned revisions (their windows are already warm). */
  rebalance(): void {
    const { scalers, reconciler, ownership } = this.p;
    let gained = 0;
    let lost = 0;
    for (const st of scalers.values()) {
      const was = st.owned;
      st.owned = ownership.owns(st.key);
      if (st.owned === was) continue;
      if (st.owned) {
        gained++;
        reconciler.adopt(st, scalers.storedStatus(st.key));
        reconciler.reconcile(st, false);
      } else lost++;
    }
    if (gained || lost) this.p.log.info({ gained, lost, replicas: ownership.replicas }, 'revision ownership moved');
  }

  onPoke(poke: PokeMessage): void {
    const st = this.p.scalers.get(resourceKey(poke.namespace, poke.revision));
    // Local-first: the start this poke brings goes to the poking gateway's node when a runner there has room.
    if (st && poke.nodeId) this.p.cluster.prefer(st.key, poke.nodeId, this.p.clock.now());
    if (st?.scaler.poke(this.p.clock.now(), st.scale.replicas, poke.concurrency)) this.p.reconciler.reconcile(st, true);
  }

  onStat(stat: StatMessage): void {
    const { scalers, cluster } = this.p;
    const st = scalers.get(resourceKey(stat.namespace, stat.revision));
    if (!st) return;
    const now = this.p.clock.now();
    if (!stat.fromActivator) {
      // A draining instance's last reports would count load that is already gone.
      const t = cluster.get(stat.source);
      if (t?.state === 'stopping' || (!t && cluster.recentlyGone(stat.source, now))) return;
    }
    if (st.scaler.record(stat, now)) this.p.reconciler.reconcile(st, true);
  }

  onNodeHeartbeat(hb: NodeHeartbeat): void {
    const { scalers, cluster, ownership } = this.p;
    const now = this.p.clock.now();
    const { joined, changed } = cluster.heartbeat(hb, now);
    if (joined) {
      this.p.log.info({ node: hb.nodeId, capacity: hb.capacity }, 'runner node joined');
      for (const st of scalers.values()) this.p.reconciler.reconcile(st, false);
    } else this.reconcileKeys(changed);
    if (!this.p.lifecycle.settled) return;
    for (const t of cluster.orphans((k) => scalers.has(k)))
      if (t.nodeId === hb.nodeId && ownership.owns(t.revKey)) this.p.placer.stopOrphan(t, now);
  }

  onEndpoints(msg: EndpointsMessage): void {
    const key = resourceKey(msg.namespace, msg.revision);
    if (this.p.cluster.endpoints(msg, key)) this.reconcileKeys([key]);
  }

  /** Everyone had their time to announce themselves: take up the owned revisions and act. */
  settle(): void {
    const { scalers, reconciler, ownership, cluster } = this.p;
    const now = this.p.clock.now();
    for (const st of scalers.values()) {
      st.owned = ownership.owns(st.key);
      if (st.owned) reconciler.adopt(st, scalers.storedStatus(st.key));
      st.scaler.settled(now, cluster.readyCount(st.key));
    }
    for (const st of scalers.values()) reconciler.reconcile(st, false);
  }

  /** A gateway (re)started: it has no decisions yet, so repeat ours for the revisions this replica owns. */
  onResync(from: string): void {
    if (from === this.p.id) return;
    const now = this.p.clock.now();
    for (const st of this.p.scalers.values()) if (this.p.lifecycle.acting(st)) this.p.reconciler.publish(st, now, true);
  }

  /** Once a second: peer and node liveness, the classes' per-second work, this replica's heartbeat. */
  everySecond(): void {
    const { cluster, ownership, scalers } = this.p;
    const now = this.p.clock.now();
    const connected = this.p.connected();
    ownership.expire(now, connected);
    if (!connected) {
      // Nobody can be heard, so nobody is gone: no node's instances re-placed.
      cluster.touch(now);
      return;
    }
    const { left, changed } = cluster.expire(now);
    for (const nodeId of left) this.p.log.warn({ node: nodeId }, 'runner node left; re-placing its instances');
    this.reconcileKeys(changed);
    for (const st of scalers.values()) st.scaler.everySecond(now, st.scale.ready);
    ownership.heartbeat(now);
  }

  private reconcileKeys(keys: Iterable<string>): void {
    for (const key of keys) {
      const st = this.p.scalers.get(key);
      if (st) this.p.reconciler.reconcile(st, false);
    }
  }
}
