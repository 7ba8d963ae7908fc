import {
  CLUSTER_LOCAL_DOMAIN,
  domainFor,
  routeHost,
  type Configuration,
  type DomainConfig,
  type Revision,
  type Route,
  type RouteStatus,
  type Store,
  type TrafficTarget,
} from '@kedge/core';
import { ANNOTATION, Conditions, isFailed, LABEL, readyCondition, sameJson, writeStatus } from './util.js';

export interface RouteReconcilerDeps {
  store: Store;
  now: () => string;
  domains: () => DomainConfig;
  /** Called with what the route reads, so a change there re-reconciles it (Knative's tracker). */
  track: (routeKey: string, refs: string[]) => void;
  /** The last state of a Route that was deleted (its revisions go to routingState reserve). */
  deleted: (routeKey: string) => Route | undefined;
  /** Routes of a namespace (from the watch cache). */
  routesIn: (ns: string) => Route[];
}

interface Problem {
  status: 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** A target that cannot be resolved as things stand. */
const failure = (reason: string, message: string): Problem => ({ status: 'False', reason, message });
/** A target whose revision may yet become ready. */
const pending = (message: string): Problem => ({ status: 'Unknown', reason: 'RevisionMissing', message });

/**
 * Route → status.traffic with every target resolved to a Ready revision (configurationName follows
 * that Configuration's latestReadyRevisionName), status.url / address / per-tag URLs from
 * config-domain, and the routingState label on the revisions it sends traffic to. When a target
 * cannot be resolved the last good traffic stays in status (gateways keep serving it).
 */
export function createRouteReconciler(deps: RouteReconcilerDeps) {
  const { store } = deps;

  async function setRoutingState(ns: string, revName: string, state: 'active' | 'reserve', now: string): Promise<void> {
    const rev = await store.get<Revision>('Revision', ns, revName);
    if (!rev || rev.metadata.labels?.[LABEL.routingState] === state) return;
    await store.update<Revision>({
      ...rev,
      metadata: {
        ...rev.metadata,
        labels: { ...rev.metadata.labels, [LABEL.routingState]: state },
        annotations: { ...rev.metadata.annotations, [ANNOTATION.routingStateModified]: now },
      },
    });
  }

  function routedElsewhere(ns: string, revName: string, except: string): boolean {
    return deps
      .routesIn(ns)
      .some((r) => r.metadata.name !== except && r.status?.traffic?.some((t) => t.revisionName === revName));
  }

  /**
   * The last good traffic minus revisions that no longer exist, their share spread over the rest
   * in proportion: a deleted revision cannot answer, so sending it requests would only make them
   * wait for an instance that never comes. With nothing left to route to, the last good traffic
   * stays as it was (the gateway answers for a revision it cannot find).
   */
  async function withoutDeletedRevisions(ns: string, previous: TrafficTarget[]): Promise<TrafficTarget[]> {
    const exists = new Map<string, boolean>();
    for (const t of previous)
      if (t.revisionName && !exists.has(t.revisionName))
        exists.set(t.revisionName, !!(await store.get<Revision>('Revision', ns, t.revisionName)));
    const kept = previous.filter((t) => !t.revisionName || exists.get(t.revisionName));
    if (kept.length === previous.length) return previous;
    const total = kept.reduce((n, t) => n + (t.percent ?? 0), 0);
    if (total === 0) return previous;
    return spreadTo100(kept, total);
  }

  /**
   * The ready Revision one traffic target sends requests to, or why there is none yet; what it read
   * goes into `refs`.
   */
  async function resolveTarget(ns: string, t: TrafficTarget, refs: string[]): Promise<string | Problem> {
    if (t.revisionName) {
      const rev = await store.get<Revision>('Revision', ns, t.revisionName);
      refs.push(`Revision/${ns}/${t.revisionName}`);
      if (!rev) return failure('RevisionMissing', `Revision "${t.revisionName}" referenced in traffic not found.`);
      if (readyCondition(rev)?.status === 'True') return t.revisionName;
      return isFailed(rev)
        ? failure('RevisionMissing', `Revision "${t.revisionName}" failed to become ready.`)
        : pending(`Revision "${t.revisionName}" is not yet ready.`);
    }
    if (t.configurationName) {
      const cfg = await store.get<Configuration>('Configuration', ns, t.configurationName);
      refs.push(`Configuration/${ns}/${t.configurationName}`);
      if (!cfg)
        return failure(
          'ConfigurationMissing',
          `Configuration "${t.configurationName}" referenced in traffic not found.`,
        );
      const latest = cfg.status?.latestReadyRevisionName;
      if (latest) {
        refs.push(`Revision/${ns}/${latest}`);
        return latest;
      }
      return isFailed(cfg)
        ? failure('RevisionMissing', `Configuration "${t.configurationName}" does not have any ready Revision.`)
        : pending(`Configuration "${t.configurationName}" is waiting for a Revision to become ready.`);
    }
    return failure('ConfigurationMissing', 'a traffic target names neither a revision nor a configuration');
  }

  return async function reconcileRoute(ns: string, name: string): Promise<void> {
    const key = `${ns}/${name}`;
    const route = await store.get<Route>('Route', ns, name);
    if (!route) {
      deps.track(key, []);
      const gone = deps.deleted(key);
      for (const t of gone?.status?.traffic ?? [])
        if (t.revisionName && !routedElsewhere(ns, t.revisionName, name))
          await setRoutingState(ns, t.revisionName, 'reserve', deps.now());
      return;
    }
    const now = deps.now();
    const conds = new Conditions(route.status?.conditions ?? [], now, [
      'AllTrafficAssigned',
      'IngressReady',
      'CertificateProvisioned',
    ]);
    const refs: string[] = [];
    const resolved: TrafficTarget[] = [];
    let problem: Problem | undefined;
    const fail = (p: Problem) => {
      if (!problem || (problem.status === 'Unknown' && p.status === 'False')) problem = p;
    };

    const domain = domainFor(route, deps.domains());
    const scheme = 'http';
    const spec = route.spec.traffic?.length ? route.spec.traffic : [];
    for (const t of spec) {
      const revName = await resolveTarget(ns, t, refs);
      if (typeof revName !== 'string') {
        fail(revName);
        continue;
      }
      const latestRevision = t.latestRevision ?? !t.revisionName;
      const same = resolved.find(
        (r) => r.tag === t.tag && r.revisionName === revName && r.latestRevision === latestRevision,
      );
      if (same) {
        same.percent = (same.percent ?? 0) + (t.percent ?? 0);
        continue;
      }
      const entry: TrafficTarget = {
        ...(t.tag ? { tag: t.tag } : {}),
        revisionName: revName,
        latestRevision,
        percent: t.percent ?? 0,
      };
      if (t.tag) entry.url = `${scheme}://${routeHost(`${t.tag}-${name}`, ns, domain)}`;
      resolved.push(entry);
    }
    deps.track(key, refs);

    const status: RouteStatus = {
      ...route.status,
      observedGeneration: route.metadata.generation,
      url: `${scheme}://${routeHost(name, ns, domain)}`,
      address: { url: `http://${routeHost(name, ns, CLUSTER_LOCAL_DOMAIN)}` },
    };
    const previous = route.status?.traffic ?? [];
    if (problem) {
      conds.set('AllTrafficAssigned', problem.status, problem.reason, problem.message);
      const kept = await withoutDeletedRevisions(ns, previous);
      if (kept.length) status.traffic = kept;
    } else {
      status.traffic = resolved;
      conds.set('AllTrafficAssigned', 'True');
    }
    // Gateways program themselves from status.traffic as soon as it is written: no separate ingress.
    conds.set('IngressReady', 'True');
    conds.set('CertificateProvisioned', 'True', 'TLSNotEnabled', 'autoTLS is not enabled');
    status.conditions = conds.done();
    if (!status.traffic) delete status.traffic;

    const routed = new Set((status.traffic ?? []).map((t) => t.revisionName!));
    for (const rev of routed) await setRoutingState(ns, rev, 'active', now);
    for (const t of previous)
      if (t.revisionName && !routed.has(t.revisionName) && !routedElsewhere(ns, t.revisionName, name))
        await setRoutingState(ns, t.revisionName, 'reserve', now);

    if (!sameJson(route.status, status)) await writeStatus(store, route, status);
  };
}

/** Scales the entries' percents to sum to 100, whole numbers (largest remainder first). */
function spreadTo100(targets: TrafficTarget[], total: number): TrafficTarget[] {
  const exact = targets.map((t) => ((t.percent ?? 0) * 100) / total);
  const out = targets.map((t, i) => ({ ...t, percent: Math.floor(exact[i]!) }));
  let left = 100 - out.reduce((n, t) => n + t.percent, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    if ((targets[i]!.percent ?? 0) === 0) continue;
    out[i]!.percent++;
    left--;
  }
  return out;
}
