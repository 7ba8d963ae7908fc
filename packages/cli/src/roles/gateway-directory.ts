import { subjects, type Bus, type Clock, type ComponentHeartbeat, type Subscription } from '@kedge/core';
import { LOST_AFTER_MS } from './cluster-view.js';

/**
 * The gateways a runner process sends its guests' service-to-service calls to (Knative's
 * `{name}.{ns}.svc.cluster.local` goes through the cluster's ingress the same way), learned from
 * the gateways' heartbeats: those on the runner's own node first (no network hop, and a gateway
 * that shares the runner's fate), else every ready one in turn. A gateway silent for three beats,
 * or stopping, is left out.
 */
export class GatewayDirectory {
  private readonly gateways = new Map<string, { url: string; nodeId: string; seen: number }>();
  private sub: Subscription | undefined;
  private turn = 0;

  constructor(private readonly deps: { bus: Bus; clock: Clock; nodeId: string }) {}

  start(): void {
    this.sub = this.deps.bus.subscribe<ComponentHeartbeat>(subjects.componentHeartbeat, (m) => {
      const hb = m.data;
      if (hb.role !== 'gateway') return;
      if (!hb.ready || !hb.url) this.gateways.delete(hb.id);
      else this.gateways.set(hb.id, { url: hb.url, nodeId: hb.nodeId, seen: this.deps.clock.now() });
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
  }

  /** A gateway's URL for the next call, or undefined while none is known. */
  pick(): string | undefined {
    const now = this.deps.clock.now();
    const live: { url: string; nodeId: string }[] = [];
    for (const [id, g] of [...this.gateways].sort(([a], [b]) => a.localeCompare(b))) {
      if (now - g.seen > LOST_AFTER_MS) this.gateways.delete(id);
      else live.push(g);
    }
    const local = live.filter((g) => g.nodeId === this.deps.nodeId);
    const choice = local.length ? local : live;
    if (!choice.length) return undefined;
    return choice[this.turn++ % choice.length]!.url;
  }
}
