import {
  subjects,
  type Bus,
  type Endpoint,
  type EndpointsMessage,
  type NodeHeartbeat,
  type Revision,
  type Route,
  type Store,
} from '@kedge/core';

/**
 * What a feed-driven gateway is told: the routes (with status, as the API wrote them), optionally
 * the revisions (containerConcurrency, timeouts, readiness), and the ready instances with the
 * runner URL that serves each.
 */
export interface GatewayFeed {
  routes: Route[];
  revisions?: Revision[];
  endpoints: Endpoint[];
}

export function parseFeed(text: string, source: string): GatewayFeed {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON: ${(err as Error).message}`);
  }
  const f = raw as Partial<GatewayFeed>;
  if (!f || typeof f !== 'object') throw new Error(`${source}: expected an object`);
  if (!Array.isArray(f.routes)) throw new Error(`${source}: routes: expected an array of Route objects`);
  if (!Array.isArray(f.endpoints)) throw new Error(`${source}: endpoints: expected an array of Endpoint objects`);
  if (f.revisions !== undefined && !Array.isArray(f.revisions)) throw new Error(`${source}: revisions: expected an array`);
  f.endpoints.forEach((e, i) => {
    for (const field of ['namespace', 'revision', 'instanceId', 'nodeId', 'url'] as const)
      if (typeof e?.[field] !== 'string' || !e[field]) throw new Error(`${source}: endpoints[${i}].${field}: required string`);
  });
  return { routes: f.routes, revisions: f.revisions ?? [], endpoints: f.endpoints };
}

/**
 * Plays a feed into a Store and a Bus exactly as the control plane and the runners would: objects
 * become Store writes (so the gateway's watches see them), endpoints become per-node
 * EndpointsMessages, and every node named in the feed heartbeats while the feed is reachable —
 * when the feed goes away, its nodes go silent and the gateway drops their endpoints.
 */
export class FeedPlayer {
  private objects = new Map<string, string>();
  private groups = new Set<string>();
  private nodes = new Map<string, string>();

  constructor(private readonly store: Store, private readonly bus: Bus) {}

  async apply(feed: GatewayFeed): Promise<void> {
    const seen = new Set<string>();
    for (const obj of [...(feed.revisions ?? []), ...feed.routes]) {
      const key = `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
      seen.add(key);
      const body = JSON.stringify(obj);
      if (this.objects.get(key) === body) continue;
      const cur = await this.store.get(obj.kind as 'Route', obj.metadata.namespace, obj.metadata.name);
      if (cur) await this.store.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
      else await this.store.create(obj);
      this.objects.set(key, body);
    }
    for (const key of [...this.objects.keys()]) {
      if (seen.has(key)) continue;
      const [kind, ns, name] = key.split('/') as ['Route', string, string];
      await this.store.delete(kind, ns, name);
      this.objects.delete(key);
    }

    const groups = new Map<string, Endpoint[]>();
    this.nodes.clear();
    for (const e of feed.endpoints) {
      this.nodes.set(e.nodeId, e.url);
      const g = `${e.namespace}/${e.revision}/${e.nodeId}`;
      const list = groups.get(g);
      if (list) list.push({ ...e, concurrency: e.concurrency ?? 0 });
      else groups.set(g, [{ ...e, concurrency: e.concurrency ?? 0 }]);
    }
    for (const g of new Set([...groups.keys(), ...this.groups])) {
      const [namespace, revision, nodeId] = g.split('/') as [string, string, string];
      const msg: EndpointsMessage = { namespace, revision, nodeId, endpoints: groups.get(g) ?? [], time: Date.now() };
      this.bus.publish(subjects.endpoints(namespace, revision), msg);
    }
    this.groups = new Set(groups.keys());
    this.heartbeat();
  }

  heartbeat(): void {
    for (const [nodeId, url] of this.nodes) {
      const hb: NodeHeartbeat = { nodeId, url, capacity: 0, instances: {}, time: Date.now(), startedAt: 0, version: 'feed' };
      this.bus.publish(subjects.nodeHeartbeat, hb);
    }
  }
}
