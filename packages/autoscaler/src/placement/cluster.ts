import type { EndpointsMessage, NodeHeartbeat, RuntimeKind } from '@kedge/core';

/** How long a node may stay silent (heartbeats come every second) before its instances count as gone. */
export const NODE_TIMEOUT_MS = 5_000;
/** A live instance missing from its node's heartbeats for this long is considered dead. */
const MISSING_GRACE_MS = 3_000;
/** Heartbeats cut before a stop finished may still list the instance; ignore it for this long. */
const TOMBSTONE_MS = 10_000;
/** A poke's placement wish is for the cold start it asked for; after this long it is forgotten. */
const PREFERENCE_MS = 10_000;

export type InstanceState = 'starting' | 'running' | 'stopping';

export interface TrackedInstance {
  id: string;
  nodeId: string;
  revKey: string;
  state: InstanceState;
  /** ms: when it entered this state, or last seen in a heartbeat. */
  since: number;
  lastSeen: number;
}

export interface NodeInfo {
  nodeId: string;
  url: string;
  capacity: number;
  lastSeen: number;
  startedAt: number;
  /** The runtime kinds it runs (heartbeat; an older runner that does not say: wasm and process). */
  runtimes: readonly RuntimeKind[];
}

const LEGACY_RUNTIMES: readonly RuntimeKind[] = ['wasm', 'process'];

export interface Plan {
  /** Node for each instance to start, in order. */
  start: string[];
  stop: TrackedInstance[];
  /** Instances that fit nowhere (all nodes full or none known). */
  unplaced: number;
}

/**
 * The autoscaler's view of the runner nodes: who is alive (heartbeats), which instances live where
 * (our own starts and stops, corrected by heartbeats) and which are ready (endpoints messages).
 */
export class Cluster {
  readonly nodes = new Map<string, NodeInfo>();
  private readonly instances = new Map<string, TrackedInstance>();
  private readonly byRev = new Map<string, Set<string>>();
  private readonly tombstones = new Map<string, number>();
  /** revKey → nodeId → ready instance ids. */
  private readonly ready = new Map<string, Map<string, Set<string>>>();
  /** revKey → the node a gateway holding its requests asked for (a poke's nodeId), and when. */
  private readonly preferred = new Map<string, { nodeId: string; at: number }>();

  /**
   * A gateway on `nodeId` holds requests for the revision: its next start goes there if that node
   * has a runner with capacity (local-first routing), once; otherwise placement is as usual.
   */
  prefer(revKey: string, nodeId: string, now: number): void {
    this.preferred.set(revKey, { nodeId, at: now });
  }

  /** Applies a heartbeat; returns whether the node is new and revision keys whose instance set changed. */
  heartbeat(hb: NodeHeartbeat, now: number): { joined: boolean; changed: Set<string> } {
    const joined = !this.nodes.has(hb.nodeId) || this.nodes.get(hb.nodeId)!.startedAt !== hb.startedAt;
    this.nodes.set(hb.nodeId, {
      nodeId: hb.nodeId,
      url: hb.url,
      capacity: hb.capacity,
      lastSeen: now,
      startedAt: hb.startedAt,
      runtimes: hb.runtimes ?? LEGACY_RUNTIMES,
    });
    const changed = new Set<string>();
    const listed = new Set<string>();
    for (const [revKey, ids] of Object.entries(hb.instances)) {
      for (const id of ids) {
        listed.add(id);
        const t = this.instances.get(id);
        if (t) {
          t.lastSeen = now;
          continue;
        }
        const dead = this.tombstones.get(id);
        if (dead !== undefined && now - dead < TOMBSTONE_MS) continue;
        this.add({ id, nodeId: hb.nodeId, revKey, state: 'running', since: now, lastSeen: now });
        changed.add(revKey);
      }
    }
    for (const t of this.instances.values()) {
      if (t.nodeId !== hb.nodeId || listed.has(t.id) || t.state !== 'running') continue;
      if (now - t.lastSeen > MISSING_GRACE_MS) {
        this.remove(t.id, now);
        changed.add(t.revKey);
      }
    }
    for (const [id, at] of this.tombstones) if (now - at >= TOMBSTONE_MS) this.tombstones.delete(id);
    for (const [revKey, p] of this.preferred) if (now - p.at >= PREFERENCE_MS) this.preferred.delete(revKey);
    return { joined, changed };
  }

  /**
   * Counts every node as heard from now: while this replica cannot hear the bus, their silence is
   * not theirs, and they get a full NODE_TIMEOUT_MS once it can again.
   */
  touch(now: number): void {
    for (const n of this.nodes.values()) n.lastSeen = now;
  }

  /** Forgets nodes silent for NODE_TIMEOUT_MS; returns their ids and the revisions that lost instances. */
  expire(now: number): { left: string[]; changed: Set<string> } {
    const left: string[] = [];
    const changed = new Set<string>();
    for (const n of this.nodes.values()) {
      if (now - n.lastSeen <= NODE_TIMEOUT_MS) continue;
      left.push(n.nodeId);
      this.nodes.delete(n.nodeId);
      for (const t of [...this.instances.values()])
        if (t.nodeId === n.nodeId) {
          this.remove(t.id, now);
          changed.add(t.revKey);
        }
      for (const [revKey, perNode] of this.ready) if (perNode.delete(n.nodeId)) changed.add(revKey);
    }
    return { left, changed };
  }

  /** Applies one node's endpoints for one revision; returns whether the ready count changed. */
  endpoints(msg: EndpointsMessage, revKey: string): boolean {
    let perNode = this.ready.get(revKey);
    if (!perNode) this.ready.set(revKey, (perNode = new Map()));
    const before = this.readyCount(revKey);
    perNode.set(msg.nodeId, new Set(msg.endpoints.map((e) => e.instanceId)));
    return this.readyCount(revKey) !== before;
  }

  readyCount(revKey: string): number {
    const perNode = this.ready.get(revKey);
    if (!perNode) return 0;
    let n = 0;
    for (const ids of perNode.values()) {
      for (const id of ids) {
        // A stopping instance leaves the endpoints first; until its node says so, do not count it.
        if (this.instances.get(id)?.state !== 'stopping') n++;
      }
    }
    return n;
  }

  isReady(t: TrackedInstance): boolean {
    return this.ready.get(t.revKey)?.get(t.nodeId)?.has(t.id) ?? false;
  }

  /** Stopped or lost a moment ago: its late reports must not count. */
  recentlyGone(id: string, now: number): boolean {
    const at = this.tombstones.get(id);
    return at !== undefined && now - at < TOMBSTONE_MS;
  }

  get(id: string): TrackedInstance | undefined {
    return this.instances.get(id);
  }

  /** Live (starting or running) instances of a revision. */
  live(revKey: string): TrackedInstance[] {
    const out: TrackedInstance[] = [];
    for (const id of this.byRev.get(revKey) ?? []) {
      const t = this.instances.get(id)!;
      if (t.state !== 'stopping') out.push(t);
    }
    return out;
  }

  /** Instances whose revision the caller does not know (left behind by a deleted revision). */
  orphans(known: (revKey: string) => boolean): TrackedInstance[] {
    return [...this.instances.values()].filter((t) => t.state !== 'stopping' && !known(t.revKey));
  }

  private load(nodeId: string): number {
    let n = 0;
    for (const t of this.instances.values()) if (t.nodeId === nodeId) n++;
    return n;
  }

  /**
   * What to start or stop to reach `want` live instances. New ones go to the node with the most
   * free capacity (ties: fewer of this revision, then name); removals take not-ready instances
   * first, then from the node with most of this revision, newest first. Only nodes that run the
   * revision's runtime kind take it (a node without a container engine gets no container revision).
   */
  plan(revKey: string, want: number, kind?: RuntimeKind): Plan {
    const live = this.live(revKey);
    const plan: Plan = { start: [], stop: [], unplaced: 0 };
    if (want > live.length) {
      const loads = new Map<string, number>();
      const mine = new Map<string, number>();
      for (const n of this.nodes.values()) {
        loads.set(n.nodeId, this.load(n.nodeId));
        mine.set(n.nodeId, 0);
      }
      for (const t of live) mine.set(t.nodeId, (mine.get(t.nodeId) ?? 0) + 1);
      const wish = this.preferred.get(revKey);
      for (let k = live.length; k < want; k++) {
        let best: NodeInfo | undefined;
        let bestFree = 0;
        const asked = wish && k === live.length ? this.nodes.get(wish.nodeId) : undefined;
        if (asked && asked.capacity - loads.get(asked.nodeId)! > 0) {
          this.preferred.delete(revKey);
          best = asked;
        }
        for (const n of best ? [] : this.nodes.values()) {
          const free = n.capacity - loads.get(n.nodeId)!;
          if (free <= 0 || (kind && !n.runtimes.includes(kind))) continue;
          if (
            !best ||
            free > bestFree ||
            (free === bestFree &&
              (mine.get(n.nodeId)! < mine.get(best.nodeId)! ||
                (mine.get(n.nodeId) === mine.get(best.nodeId) && n.nodeId < best.nodeId)))
          ) {
            best = n;
            bestFree = free;
          }
        }
        if (!best) {
          plan.unplaced = want - k;
          break;
        }
        plan.start.push(best.nodeId);
        loads.set(best.nodeId, loads.get(best.nodeId)! + 1);
        mine.set(best.nodeId, mine.get(best.nodeId)! + 1);
      }
    } else if (want < live.length) {
      const perNode = new Map<string, number>();
      for (const t of live) perNode.set(t.nodeId, (perNode.get(t.nodeId) ?? 0) + 1);
      const order = [...live].sort(
        (a, b) =>
          Number(this.isReady(a)) - Number(this.isReady(b)) ||
          perNode.get(b.nodeId)! - perNode.get(a.nodeId)! ||
          b.since - a.since,
      );
      plan.stop = order.slice(0, live.length - want);
    }
    return plan;
  }

  addStarting(id: string, nodeId: string, revKey: string, now: number): void {
    this.add({ id, nodeId, revKey, state: 'starting', since: now, lastSeen: now });
  }

  markRunning(id: string, now: number): void {
    const t = this.instances.get(id);
    if (t && t.state === 'starting') Object.assign(t, { state: 'running', since: now, lastSeen: now });
  }

  markStopping(id: string, now: number): void {
    const t = this.instances.get(id);
    if (t) Object.assign(t, { state: 'stopping', since: now });
  }

  remove(id: string, now: number): void {
    const t = this.instances.get(id);
    if (!t) return;
    this.instances.delete(id);
    this.byRev.get(t.revKey)?.delete(id);
    this.ready.get(t.revKey)?.get(t.nodeId)?.delete(id);
    this.tombstones.set(id, now);
  }

  /** Drops everything known about a revision's readiness (revision deleted). */
  forgetRevision(revKey: string): void {
    this.ready.delete(revKey);
  }

  private add(t: TrackedInstance): void {
    this.instances.set(t.id, t);
    let set = this.byRev.get(t.revKey);
    if (!set) this.byRev.set(t.revKey, (set = new Set()));
    set.add(t.id);
  }
}
