import { getCondition, isClusterLocal, resourceKey, type Route } from '@kedge/core';
import { clusterLocalHosts, isClusterLocalHost, normalizeHost, routeHost, tagHost } from './hosts.js';

export interface RevisionRef {
  namespace: string;
  revision: string;
  /** `ns/revision`, the key every per-revision map in the gateway uses. */
  key: string;
}

/** What one host resolves to: a weighted set of revisions. Immutable once built. */
export interface RouteEntry {
  namespace: string;
  route: string;
  tag?: string;
  targets: RevisionRef[];
  /** Cumulative weights, same order as targets; the last one is the total. */
  cumulative: number[];
  /**
   * Reachable only from inside the cluster (Knative's cluster-local visibility): a `*.svc` /
   * `*.svc.cluster.local` name, or any host of a Route labelled
   * `networking.knative.dev/visibility: cluster-local`.
   */
  clusterLocal: boolean;
  /**
   * The Route reports a revision it routes to as missing (`AllTrafficAssigned: False,
   * RevisionMissing`): its traffic is the last good one, and a target may be gone.
   */
  revisionMissing: boolean;
}

/** Weighted pick per request (each request independently, as Knative's ingress splits). */
export function pickTarget(entry: RouteEntry, random: () => number = Math.random): RevisionRef | undefined {
  const n = entry.targets.length;
  if (n === 1) return entry.targets[0];
  if (n === 0) return undefined;
  const r = random() * entry.cumulative[n - 1]!;
  for (let i = 0; i < n; i++) if (r < entry.cumulative[i]!) return entry.targets[i];
  return entry.targets[n - 1];
}

function buildEntry(route: Route, weights: Map<string, number>, clusterLocal: boolean, tag?: string): RouteEntry {
  const ns = route.metadata.namespace;
  const targets: RevisionRef[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [revision, w] of weights) {
    if (w <= 0) continue;
    total += w;
    targets.push({ namespace: ns, revision, key: resourceKey(ns, revision) });
    cumulative.push(total);
  }
  return {
    namespace: ns,
    route: route.metadata.name,
    ...(tag ? { tag } : {}),
    targets,
    cumulative,
    clusterLocal,
    revisionMissing: reportsRevisionMissing(route),
  };
}

function reportsRevisionMissing(route: Route): boolean {
  const c = getCondition(route.status?.conditions, 'AllTrafficAssigned');
  return c?.status === 'False' && c.reason === 'RevisionMissing';
}

/** The same routing, for the route's cluster-local names. */
function local(entry: RouteEntry): RouteEntry {
  return entry.clusterLocal ? entry : { ...entry, clusterLocal: true };
}

/**
 * Host → RouteEntry in one Map lookup. A route update builds fresh entries and swaps them in;
 * requests already routed keep the entry they picked, so an update never disturbs them.
 */
export class RouteTable {
  private readonly byHost = new Map<string, RouteEntry>();
  /** route key → hosts it currently owns (to retract them on update/delete). */
  private readonly hostsOf = new Map<string, string[]>();
  /** route key → the entry of its main host, for the domains mapped to it (DomainMapping). */
  private readonly mainOf = new Map<string, RouteEntry>();

  lookup(host: string | null | undefined): RouteEntry | undefined {
    const exact = host ? this.byHost.get(host) : undefined;
    return exact ?? this.byHost.get(normalizeHost(host));
  }

  get size(): number {
    return this.byHost.size;
  }

  upsert(route: Route): void {
    const key = resourceKey(route.metadata.namespace, route.metadata.name);
    const next = new Map<string, RouteEntry>();
    const traffic = route.status?.traffic ?? [];
    const host = routeHost(route);
    const main = new Map<string, number>();
    const routeLocal = isClusterLocal(route);
    const entryFor = (weights: Map<string, number>, h: string | undefined, tag?: string) =>
      buildEntry(route, weights, routeLocal || (h !== undefined && isClusterLocalHost(h)), tag);
    for (const t of traffic) {
      if (!t.revisionName) continue;
      // The default host gets every entry's percent, tagged ones included (Knative sums them per revision).
      main.set(t.revisionName, (main.get(t.revisionName) ?? 0) + (t.percent ?? 0));
      if (t.tag) {
        const th = tagHost(route, t.tag, t.url);
        const entry = entryFor(new Map([[t.revisionName, 1]]), th, t.tag);
        if (th) next.set(th, entry);
        for (const h of clusterLocalHosts(route, t.tag)) next.set(h, local(entry));
      }
    }
    if (main.size > 0) {
      const entry = entryFor(main, host);
      if (host) next.set(host, entry);
      for (const h of clusterLocalHosts(route)) next.set(h, local(entry));
      // A mapped domain is public even when the Route is cluster-local (Knative's DomainMapping use case).
      this.mainOf.set(key, entry.clusterLocal ? { ...entry, clusterLocal: false } : entry);
    } else this.mainOf.delete(key);
    for (const [h, e] of next) this.byHost.set(h, e);
    for (const h of this.hostsOf.get(key) ?? [])
      if (!next.has(h) && this.byHost.get(h)?.route === route.metadata.name) this.byHost.delete(h);
    this.hostsOf.set(key, [...next.keys()]);
  }

  remove(route: Route): void {
    const key = resourceKey(route.metadata.namespace, route.metadata.name);
    for (const h of this.hostsOf.get(key) ?? []) {
      const e = this.byHost.get(h);
      if (e && e.route === route.metadata.name && e.namespace === route.metadata.namespace) this.byHost.delete(h);
    }
    this.hostsOf.delete(key);
    this.mainOf.delete(key);
  }

  /** The routing of a Route's main host, by the Route's namespace and name. */
  routeEntry(namespace: string, route: string): RouteEntry | undefined {
    return this.mainOf.get(resourceKey(namespace, route));
  }

  hosts(): string[] {
    return [...this.byHost.keys()];
  }
}
