import {
  getCondition,
  type Condition,
  type Configuration,
  type Route,
  type Service,
  type Store,
  type TrafficTarget,
} from '@kedge/core';
import {
  ANNOTATION,
  type Conditions,
  controllerRef,
  isControlledBy,
  LABEL,
  readyCondition,
  sameJson,
  sorted,
  statusStart,
  writeStatus,
} from './util.js';

export interface ServiceReconcilerDeps {
  store: Store;
  now: () => string;
}

function childMeta(svc: Service) {
  const annotations = { ...svc.metadata.annotations };
  delete annotations[ANNOTATION.lastApplied];
  return {
    name: svc.metadata.name,
    namespace: svc.metadata.namespace,
    labels: sorted({ ...svc.metadata.labels, [LABEL.service]: svc.metadata.name })!,
    ...(Object.keys(annotations).length ? { annotations: sorted(annotations)! } : {}),
    ownerReferences: [controllerRef(svc)],
  };
}

export function desiredConfiguration(svc: Service): Configuration {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Configuration',
    metadata: childMeta(svc),
    spec: { template: structuredClone(svc.spec.template) },
  };
}

/** The Service's traffic with the implied configurationName; no traffic means 100 % to the latest. */
export function desiredRoute(svc: Service): Route {
  const traffic: TrafficTarget[] = (
    svc.spec.traffic?.length ? svc.spec.traffic : [{ percent: 100, latestRevision: true }]
  ).map((t) => {
    const out: TrafficTarget = { ...t };
    if (!t.revisionName) out.configurationName = svc.metadata.name;
    return out;
  });
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: childMeta(svc), spec: { traffic } };
}

/** Creates or brings a child in line with the Service; a same-named child someone else owns is left alone. */
async function ensureChild<T extends Configuration | Route>(
  store: Store,
  svc: Service,
  want: T,
): Promise<T | 'NotOwned'> {
  const have = await store.get<T>(want.kind as 'Configuration' | 'Route', want.metadata.namespace, want.metadata.name);
  if (!have) return store.create(want);
  if (!isControlledBy(have, svc)) return 'NotOwned';
  if (
    sameJson(have.spec, want.spec) &&
    sameJson(have.metadata.labels, want.metadata.labels) &&
    sameJson(have.metadata.annotations, want.metadata.annotations)
  )
    return have;
  const { annotations: _drop, ...meta } = have.metadata;
  return store.update<T>({
    ...have,
    metadata: {
      ...meta,
      labels: want.metadata.labels!,
      ...(want.metadata.annotations ? { annotations: want.metadata.annotations } : {}),
    },
    spec: want.spec,
  } as T);
}

function propagate(conds: Conditions, type: string, child: Configuration | Route, kind: string): void {
  const rc = readyCondition(child);
  if (child.status?.observedGeneration !== child.metadata.generation)
    conds.set(
      type,
      'Unknown',
      'OutOfDate',
      `The ${kind} is still working to reflect the latest desired specification.`,
    );
  else if (!rc) conds.set(type, 'Unknown');
  else conds.set(type, rc.status, rc.reason, rc.message);
}

/**
 * Service → Configuration + Route of the same name (labels, owner reference), and a status that
 * aggregates theirs: ConfigurationsReady, RoutesReady, url, address, traffic, latest revisions.
 */
export function createServiceReconciler(deps: ServiceReconcilerDeps) {
  const { store } = deps;
  return async function reconcileService(ns: string, name: string): Promise<void> {
    const svc = await store.get<Service>('Service', ns, name);
    if (!svc) return;
    const { conds, status } = statusStart<NonNullable<Service['status']>>(svc, deps.now(), [
      'ConfigurationsReady',
      'RoutesReady',
    ]);

    const cfg = await ensureChild(store, svc, desiredConfiguration(svc));
    if (cfg === 'NotOwned') {
      conds.set(
        'ConfigurationsReady',
        'False',
        'NotOwned',
        `There is an existing Configuration "${name}" that we do not own.`,
      );
    } else {
      propagate(conds, 'ConfigurationsReady', cfg, 'Configuration');
      if (cfg.status?.latestCreatedRevisionName)
        status.latestCreatedRevisionName = cfg.status.latestCreatedRevisionName;
      if (cfg.status?.latestReadyRevisionName) status.latestReadyRevisionName = cfg.status.latestReadyRevisionName;
      else delete status.latestReadyRevisionName;
    }

    const route = await ensureChild(store, svc, desiredRoute(svc));
    if (route === 'NotOwned') {
      conds.set('RoutesReady', 'False', 'NotOwned', `There is an existing Route "${name}" that we do not own.`);
    } else {
      propagate(conds, 'RoutesReady', route, 'Route');
      if (route.status?.url) status.url = route.status.url;
      if (route.status?.address) status.address = route.status.address;
      if (route.status?.traffic) status.traffic = route.status.traffic;
      const latestReady = cfg !== 'NotOwned' ? cfg.status?.latestReadyRevisionName : undefined;
      const routesReady = getCondition(conds.done(), 'RoutesReady') as Condition;
      if (
        routesReady.status === 'True' &&
        latestReady &&
        route.status?.traffic?.some((t) => t.latestRevision && t.revisionName !== latestReady)
      )
        conds.set(
          'RoutesReady',
          'Unknown',
          'TrafficNotMigrated',
          'Traffic is not yet migrated to the latest revision.',
        );
    }

    status.conditions = conds.done();
    await writeStatus(store, svc, status);
  };
}
