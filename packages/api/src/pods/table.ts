import {
  subjects,
  type Bus,
  type Clock,
  type EndpointsMessage,
  type Logger,
  type NodeHeartbeat,
  type Revision,
  type Store,
  type Subscription,
} from '@kedge/core';
import { SerialWrites } from '../serial-writes.js';
import { podFor, type InstanceEntry } from './pod.js';

/** A node silent this long (heartbeats come every second) has lost its instances (the autoscaler's rule too). */
export const NODE_TIMEOUT_MS = 5_000;

/**
 * The live instance table: which instances run where and whether they are ready, from the runners'
 * heartbeats (presence) and endpoints messages (readiness, the moment it changes), mirrored into
 * the Pods store that the REST handler lists and watches. Nothing here is the source of truth: an
 * API that restarts rebuilds it within a heartbeat.
 */
export class InstanceTable {
  private readonly entries = new Map<string, InstanceEntry>();
  private readonly nodes = new Map<string, number>();
  private readonly revisions = new Map<string, Revision | undefined>();
  private subs: Subscription[] = [];
  private timer: unknown;
  /** Writes to the Pods store, in order. */
  private readonly writes: SerialWrites;

  constructor(private readonly deps: { store: Store; pods: Store; bus: Bus; clock: Clock; logger: Logger }) {
    this.writes = new SerialWrites(deps.logger, 'pod view not updated');
  }

  start(): void {
    const { bus, clock } = this.deps;
    this.subs.push(
      bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => this.onHeartbeat(m.data)),
      bus.subscribe<EndpointsMessage>(subjects.endpointsAll, (m) => this.onEndpoints(m.data)),
    );
    this.timer = clock.setInterval(() => this.expireNodes(), 1000);
    // Runners answer with what they host now, so the table is whole before the next heartbeat.
    bus.publish(subjects.endpointsResync, { gatewayId: 'api-pods', time: clock.now() });
  }

  async stop(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    if (this.timer) this.deps.clock.clearInterval(this.timer as never);
    await this.writes.idle();
  }

  /** Resolves once every change heard so far is in the Pods store. */
  async idle(): Promise<void> {
    await this.writes.idle();
  }

  /** Runner nodes heard from within NODE_TIMEOUT_MS. */
  liveNodes(): string[] {
    return [...this.nodes.keys()];
  }

  get(name: string): InstanceEntry | undefined {
    return this.entries.get(name);
  }

  /** A client deleted the pod: shown as terminating until its runner no longer reports it. */
  markDeleting(name: string): void {
    const e = this.entries.get(name);
    if (!e || e.deletingSince !== undefined) return;
    e.deletingSince = this.deps.clock.now();
    this.write(e);
  }

  private onHeartbeat(hb: NodeHeartbeat): void {
    if (!hb?.nodeId || !hb.instances) return;
    const now = this.deps.clock.now();
    this.nodes.set(hb.nodeId, now);
    const live = new Set<string>();
    for (const [revKey, ids] of Object.entries(hb.instances)) {
      const slash = revKey.indexOf('/');
      const [namespace, revision] = [revKey.slice(0, slash), revKey.slice(slash + 1)];
      for (const id of ids) {
        live.add(id);
        if (!this.entries.has(id))
          this.add({
            namespace,
            revision,
            instanceId: id,
            nodeId: hb.nodeId,
            ready: false,
            started: false,
            startedAt: now,
            readySince: now,
          });
      }
    }
    // Gone from its node's report and not ready: stopped (draining instances are left out of heartbeats).
    for (const e of [...this.entries.values()])
      if (e.nodeId === hb.nodeId && !live.has(e.instanceId) && (!e.ready || e.deletingSince !== undefined))
        this.remove(e);
  }

  private onEndpoints(msg: EndpointsMessage): void {
    if (!msg?.nodeId || !msg.revision) return;
    const now = this.deps.clock.now();
    const ready = new Set(msg.endpoints.map((ep) => ep.instanceId));
    for (const id of ready) {
      const e = this.entries.get(id);
      if (!e)
        this.add({
          namespace: msg.namespace,
          revision: msg.revision,
          instanceId: id,
          nodeId: msg.nodeId,
          ready: true,
          started: true,
          startedAt: now,
          readySince: now,
        });
      else if (!e.ready) {
        Object.assign(e, { ready: true, started: true, readySince: now });
        this.write(e);
      }
    }
    for (const e of this.entries.values())
      if (
        e.nodeId === msg.nodeId &&
        e.namespace === msg.namespace &&
        e.revision === msg.revision &&
        e.ready &&
        !ready.has(e.instanceId)
      ) {
        Object.assign(e, { ready: false, readySince: now });
        this.write(e);
      }
  }

  private expireNodes(): void {
    const now = this.deps.clock.now();
    for (const [node, seen] of this.nodes)
      if (now - seen > NODE_TIMEOUT_MS) {
        this.nodes.delete(node);
        for (const e of [...this.entries.values()]) if (e.nodeId === node) this.remove(e);
      }
  }

  private add(e: InstanceEntry): void {
    this.entries.set(e.instanceId, e);
    this.write(e);
  }

  private remove(e: InstanceEntry): void {
    this.entries.delete(e.instanceId);
    this.writes.enqueue(async () => {
      await this.deps.pods.delete('Pod' as never, e.namespace, e.instanceId).catch(() => undefined);
    });
  }

  private write(e: InstanceEntry): void {
    this.writes.enqueue(async () => {
      // The latest state when the write runs (several changes in a row become one write).
      if (this.entries.get(e.instanceId) !== e) return;
      const pod = podFor(e, await this.revision(e.namespace, e.revision));
      const { pods } = this.deps;
      const old = await pods.get('Pod' as never, e.namespace, e.instanceId);
      if (!old) await pods.create(pod);
      else if (
        JSON.stringify(old.status) !== JSON.stringify((pod as { status?: unknown }).status) ||
        old.metadata.deletionTimestamp !== pod.metadata.deletionTimestamp
      )
        await pods.update({ ...pod, metadata: { ...pod.metadata, resourceVersion: old.metadata.resourceVersion! } });
    });
  }

  /** The Revision whose labels a pod carries, read once per revision (its labels do not change). */
  private async revision(namespace: string, name: string): Promise<Revision | undefined> {
    const k = `${namespace}/${name}`;
    if (this.revisions.has(k)) return this.revisions.get(k);
    const rev = await this.deps.store.get<Revision>('Revision', namespace, name).catch(() => undefined);
    if (rev) this.revisions.set(k, rev);
    return rev;
  }
}
