import {
  subjects,
  type Bus,
  type Clock,
  type ComponentHeartbeat,
  type NodeHeartbeat,
  type Subscription,
} from '@kedge/core';

/** A heartbeat older than this marks the component or node Lost (three missed beats). */
export const LOST_AFTER_MS = 3_000;
/** Lost entries are shown this long, then forgotten (a role that was scaled in, not one that flaps). */
export const FORGET_AFTER_MS = 5 * 60_000;
/**
 * A Lost runner node leaves the node list after this grace period: its instances were re-placed
 * by the autoscaler long before (its node timeout is 5 s), so the entry only says "it was here".
 */
export const NODE_FORGET_AFTER_MS = 60_000;

export const COMPONENTS_PATH = '/apis/kedge.dev/v1/components';
export const NODES_PATH = '/apis/kedge.dev/v1/nodes';

export interface ComponentStatus extends ComponentHeartbeat {
  status: 'Running' | 'NotReady' | 'Lost';
  lastSeen: number;
}

export interface NodeStatus extends NodeHeartbeat {
  status: 'Ready' | 'Lost';
  lastSeen: number;
  instanceCount: number;
}

/**
 * What `kubectl get pods -n knative-serving` shows for Knative: every role instance and runner node,
 * learned from their heartbeats on the Bus. Served by the API process next to the REST API.
 */
export class ClusterView {
  private readonly components = new Map<string, { hb: ComponentHeartbeat; seen: number }>();
  private readonly nodes = new Map<string, { hb: NodeHeartbeat; seen: number }>();
  private subs: Subscription[] = [];

  constructor(private readonly deps: { bus: Bus; clock: Clock; nodeForgetAfterMs?: number }) {}

  start(): void {
    this.subs.push(
      this.deps.bus.subscribe<ComponentHeartbeat>(subjects.componentHeartbeat, (m) => {
        this.components.set(`${m.data.role}/${m.data.id}`, { hb: m.data, seen: this.deps.clock.now() });
      }),
      this.deps.bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => {
        this.nodes.set(m.data.nodeId, { hb: m.data, seen: this.deps.clock.now() });
      }),
    );
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  listComponents(): ComponentStatus[] {
    const now = this.deps.clock.now();
    const out: ComponentStatus[] = [];
    for (const [key, { hb, seen }] of this.components) {
      if (now - seen > FORGET_AFTER_MS) {
        this.components.delete(key);
        continue;
      }
      const lost = now - seen > LOST_AFTER_MS;
      out.push({
        ...hb,
        ready: hb.ready && !lost,
        status: lost ? 'Lost' : hb.ready ? 'Running' : 'NotReady',
        lastSeen: seen,
      });
    }
    const order = ['api', 'autoscaler', 'gateway', 'runner'];
    return out.sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role) || a.id.localeCompare(b.id));
  }

  listNodes(): NodeStatus[] {
    const now = this.deps.clock.now();
    const out: NodeStatus[] = [];
    const forgetAfter = this.deps.nodeForgetAfterMs ?? NODE_FORGET_AFTER_MS;
    for (const [key, { hb, seen }] of this.nodes) {
      if (now - seen > forgetAfter) {
        this.nodes.delete(key);
        continue;
      }
      if (now - seen > LOST_AFTER_MS) {
        // What a silent node last reported is not running anywhere we know of: list none.
        out.push({ ...hb, instances: {}, status: 'Lost', lastSeen: seen, instanceCount: 0 });
        continue;
      }
      const instanceCount = Object.values(hb.instances).reduce((n, ids) => n + ids.length, 0);
      out.push({ ...hb, status: 'Ready', lastSeen: seen, instanceCount });
    }
    return out.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  /** Answers the two cluster paths; anything else is not its business (undefined). */
  handle(req: Request): Response | undefined {
    if (req.method !== 'GET') return undefined;
    const path = new URL(req.url).pathname.replace(/\/+$/, '');
    const body =
      path === COMPONENTS_PATH
        ? { apiVersion: 'kedge.dev/v1', kind: 'ComponentList', items: this.listComponents() }
        : path === NODES_PATH
          ? { apiVersion: 'kedge.dev/v1', kind: 'NodeList', items: this.listNodes() }
          : undefined;
    if (!body) return undefined;
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }

  /** Wraps an API fetch so the cluster paths are answered here and the rest goes to the API. */
  wrap(fetch: (req: Request) => Promise<Response>): (req: Request) => Promise<Response> {
    return async (req) => this.handle(req) ?? fetch(req);
  }
}
