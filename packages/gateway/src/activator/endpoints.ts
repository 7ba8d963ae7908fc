import { resourceKey, type Clock, type Endpoint, type EndpointsMessage, type NodeHeartbeat } from '@kedge/core';

/** A node that has sent neither endpoints nor a heartbeat for this long is presumed dead. */
export const NODE_SILENCE_MS = 2_000;
/** expire() runs every 500 ms; a gap longer than this means our own event loop stood still. */
const STALL_MS = 1_500;

/**
 * The ready instances of every revision, merged from each runner node's EndpointsMessages.
 * Each node speaks only for itself, so a message replaces that node's share and nothing else;
 * a node that goes silent loses its share (its instances cannot be reached any more).
 */
export class EndpointsRegistry {
  private readonly byRevision = new Map<string, Map<string, Endpoint[]>>();
  private readonly lastSeen = new Map<string, number>();
  /** Nodes dropped for silence; if one speaks again its endpoints must be asked for. */
  private readonly expired = new Set<string>();
  private lastCheck: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onChange: (key: string, endpoints: Endpoint[]) => void,
    private readonly onReturn: (nodeId: string) => void = () => {},
    /** Whether this gateway hears the bus; while it does not, no node is blamed for silence. */
    private readonly connected: () => boolean = () => true,
  ) {}

  apply(msg: EndpointsMessage): void {
    this.lastSeen.set(msg.nodeId, this.clock.now());
    this.expired.delete(msg.nodeId);
    const key = resourceKey(msg.namespace, msg.revision);
    let nodes = this.byRevision.get(key);
    if (msg.endpoints.length === 0) {
      if (!nodes?.delete(msg.nodeId)) return;
      if (nodes.size === 0) this.byRevision.delete(key);
    } else {
      if (!nodes) this.byRevision.set(key, (nodes = new Map()));
      nodes.set(msg.nodeId, msg.endpoints);
    }
    this.onChange(key, this.get(key));
  }

  heartbeat(hb: NodeHeartbeat): void {
    this.lastSeen.set(hb.nodeId, this.clock.now());
    // Back from silence (a partition, a stalled event loop): its share was dropped, and runners
    // only announce changes, so ask for a resync rather than wait for one.
    if (this.expired.delete(hb.nodeId)) this.onReturn(hb.nodeId);
  }

  /**
   * Drops the share of every node silent for longer than NODE_SILENCE_MS. Called every 500 ms; if
   * the call itself comes late, this process was stalled and heard nobody — the silence is ours,
   * so every node gets a fresh grace period instead. The same while the bus is down (nats-server
   * restarting): runners still serve over HTTP, so the gateway keeps routing to what it knew.
   */
  expire(): void {
    const now = this.clock.now();
    const stalled = (this.lastCheck !== undefined && now - this.lastCheck > STALL_MS) || !this.connected();
    this.lastCheck = now;
    if (stalled) {
      for (const node of this.lastSeen.keys()) this.lastSeen.set(node, now);
      return;
    }
    for (const [node, seen] of this.lastSeen) {
      if (now - seen <= NODE_SILENCE_MS) continue;
      this.lastSeen.delete(node);
      this.expired.add(node);
      for (const [key, nodes] of this.byRevision) {
        if (!nodes.delete(node)) continue;
        if (nodes.size === 0) this.byRevision.delete(key);
        this.onChange(key, this.get(key));
      }
    }
  }

  get(key: string): Endpoint[] {
    const nodes = this.byRevision.get(key);
    if (!nodes) return [];
    if (nodes.size === 1) return [...nodes.values()][0]!;
    return [...nodes.values()].flat();
  }

  /** revision key → number of ready instances (for SKS status). */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const key of this.byRevision.keys()) out.set(key, this.get(key).length);
    return out;
  }
}
