import { setImmediate as tick } from 'node:timers/promises';
import {
  dockerConfigCredentials,
  emitEvent,
  kindDefinition,
  RegistryClient,
  subjects,
  type AnyResource,
  type Bus,
  type Clock,
  type Kind,
  type Logger,
  type RevisionHealth,
  type Route,
  type Store,
  type Subscription,
} from '@kedge/core';
import type { LiveConfig } from '../config/live.js';
import { ObjectCache } from './cache.js';
import { createConfigurationReconciler } from './configuration.js';
import { domainMappingController } from './domain-mapping.js';
import { Controller, splitKey } from './controller.js';
import { createRevisionGc } from './gc.js';
import { ImageResolver } from './image-resolver.js';
import { createOwnerGc } from './owners.js';
import { createRevisionReconciler } from './revision.js';
import { createRouteReconciler } from './route.js';
import { createServiceReconciler } from './service.js';
import { byLabel, keyOf, ownerOfKind, type ControllerRegistration, type EventType } from './registration.js';
import { controllerOf, LABEL } from './util.js';

export interface ReconcilerDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  config: LiveConfig;
  /**
   * Where registry images are resolved (default: credentials from the docker/podman auth file, plain
   * HTTP for loopback registries only).
   */
  registry?: RegistryClient;
}

/**
 * All reconcilers, driven by one Store watch (initial listing included, so a restart resumes where the
 * Store is) and by runners' RevisionHealth messages.
 */
export function createReconcilers(deps: ReconcilerDeps) {
  const { store, clock, logger } = deps;
  const now = () => new Date(clock.now()).toISOString();
  /** Per revision, each runner's latest report: runners differ (one has a container engine, one not). */
  const health = new Map<string, Map<string, RevisionHealth>>();
  /** A revision some runner loaded is healthy; else the newest failure says why not. */
  const healthOf = (key: string): RevisionHealth | undefined => {
    let newest: RevisionHealth | undefined;
    for (const h of health.get(key)?.values() ?? []) {
      if (h.ready) return h;
      if (!newest || h.time > newest.time) newest = h;
    }
    return newest;
  };

  // Knative's tracker: which routes read which Configuration/Revision.
  const readers = new Map<string, Set<string>>();
  const readsOf = new Map<string, string[]>();
  const track = (routeKey: string, refs: string[]) => {
    for (const r of readsOf.get(routeKey) ?? []) readers.get(r)?.delete(routeKey);
    for (const r of refs) {
      let s = readers.get(r);
      if (!s) readers.set(r, (s = new Set()));
      s.add(routeKey);
    }
    if (refs.length) readsOf.set(routeKey, refs);
    else readsOf.delete(routeKey);
  };

  const byKey = (fn: (ns: string, name: string) => Promise<unknown>) => async (key: string) => {
    const [ns, name] = splitKey(key);
    const res = await fn(ns, name);
    return (res ?? undefined) as { requeueAfterMs?: number } | undefined;
  };
  const cache = new ObjectCache();
  const revisionsOf = (ns: string, cfg: string) => cache.revisionsOf(ns, cfg);
  const service = createServiceReconciler({ store, now });
  const configuration = createConfigurationReconciler({ store, now, revisionsOf });
  const images = new ImageResolver({
    store,
    registry: deps.registry ?? new RegistryClient({ credentials: dockerConfigCredentials() }),
    clock,
    logger: logger.child({ component: 'image-resolver' }),
    settled: (k) => revisionCtl.enqueue(k),
  });
  const revision = createRevisionReconciler({
    store,
    now,
    health: healthOf,
    processRevisions: () => deps.config.current.features.processRevisions,
    resolveImage: (k, image) => images.lookup(k, image),
    resolutionRecorded: (k) => images.forget(k),
    registriesSkippingTagResolving: () => deps.config.current.deployment.registriesSkippingTagResolving,
    podAutoscalerClass: () => deps.config.current.autoscaler.podAutoscalerClass,
    emit: (ev) => emitEvent(deps.bus, ev),
  });
  const deletedRoutes = new Map<string, Route>();
  const route = createRouteReconciler({
    store,
    now,
    domains: () => deps.config.current.domain,
    track,
    routesIn: (ns) => cache.routesIn(ns),
    deleted: (k) => {
      const r = deletedRoutes.get(k);
      deletedRoutes.delete(k);
      return r;
    },
  });
  const gc = createRevisionGc({ store, revisionsOf, nowMs: () => clock.now(), config: () => deps.config.current.gc });
  const owners = createOwnerGc(store);
  const deletedOwners = new Map<string, AnyResource>();

  const registrations: ControllerRegistration[] = [
    {
      name: 'service',
      for: 'Service',
      reconcile: service,
      watches: { Configuration: ownerOfKind('Service'), Route: ownerOfKind('Service') },
    },
    {
      name: 'configuration',
      for: 'Configuration',
      reconcile: configuration,
      watches: { Revision: byLabel(LABEL.configuration) },
    },
    {
      name: 'revision',
      for: 'Revision',
      reconcile: revision,
      resyncOn: ['config-features', 'config-deployment', 'config-autoscaler'],
      watches: {
        Revision: (type, o) => {
          if (type === 'DELETED') {
            health.delete(keyOf(o));
            images.forget(keyOf(o));
          }
          return [];
        },
        PodAutoscaler: ownerOfKind('Revision'),
      },
    },
    {
      name: 'route',
      for: 'Route',
      reconcile: route,
      resyncOn: ['config-domain'],
      watches: {
        Route: (type, o) => {
          if (type === 'DELETED') deletedRoutes.set(keyOf(o), o as Route);
          else deletedRoutes.delete(keyOf(o));
          return [];
        },
        // Knative's tracker: the routes that read this Configuration or Revision.
        Configuration: (_type, o) => [...(readers.get(`Configuration/${keyOf(o)}`) ?? [])],
        Revision: (_type, o) => [...(readers.get(`Revision/${keyOf(o)}`) ?? [])],
      },
    },
    {
      name: 'gc',
      for: 'Configuration',
      reconcile: gc,
      resyncOn: ['config-gc'],
      watches: { Revision: byLabel(LABEL.configuration) },
    },
    domainMappingController({ store, now }),
  ];

  const mk = (name: string, fn: (key: string) => Promise<{ requeueAfterMs?: number } | undefined | void>) =>
    new Controller(name, fn, clock, logger.child({ controller: name }));
  const controllers = registrations.map((r) => ({ r, ctl: mk(r.name, byKey(r.reconcile)), known: new Set<string>() }));
  // Kubernetes' garbage collector: every kind's events, keyed by kind (orphans) or by deleted owner.
  const ownersCtl = mk('owners', async (key) => {
    const gone = deletedOwners.get(key);
    if (gone) {
      deletedOwners.delete(key);
      return owners.collectDependents(gone);
    }
    const [kind, rest] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    const [ns, name] = splitKey(rest);
    return owners.checkOrphan(kind as Kind, ns, name);
  });
  const all = [...controllers.map((c) => c.ctl), ownersCtl];
  const revisionCtl = controllers.find((c) => c.r.name === 'revision')!.ctl;

  function onEvent(type: EventType, o: AnyResource): void {
    cache.observe(type, o);
    for (const { r, ctl, known } of controllers) {
      // Watch handlers first: they record what the reconcile of this very event reads (a deleted Route).
      const extra = r.watches?.[o.kind as Kind]?.(type, o) ?? [];
      if (o.kind === r.for) {
        const key = keyOf(o);
        if (type === 'DELETED') known.delete(key);
        else known.add(key);
        ctl.enqueue(key);
      }
      for (const key of extra) ctl.enqueue(key);
    }
    if (o.kind === 'ConfigMap') return;
    const key = keyOf(o);
    if (type === 'ADDED' && controllerOf(o)) ownersCtl.enqueue(`${o.kind}/${key}`);
    if (type === 'DELETED' && o.metadata.uid && kindDefinition(o.kind)?.owns.length) {
      const k = `deleted:${o.metadata.uid}`;
      deletedOwners.set(k, o);
      ownersCtl.enqueue(k);
    }
  }

  let unwatch: (() => void) | undefined;
  let sub: Subscription | undefined;
  let unConfig: (() => void) | undefined;

  return {
    async start(): Promise<void> {
      for (const ctl of all) ctl.start();
      unConfig = deps.config.onChange((name) => {
        for (const { r, ctl, known } of controllers) {
          if (r.resyncOn?.includes(name)) for (const k of known) ctl.enqueue(k);
        }
      });
      sub = deps.bus.subscribe<RevisionHealth>(subjects.revisionHealthAll, (msg) => {
        const h = msg.data;
        if (!h?.namespace || !h.revision) return;
        const key = `${h.namespace}/${h.revision}`;
        let perNode = health.get(key);
        if (!perNode) health.set(key, (perNode = new Map()));
        const prev = perNode.get(h.nodeId);
        if (prev && prev.time > h.time) return;
        perNode.set(h.nodeId, h);
        revisionCtl.enqueue(key);
      });
      unwatch = store.watch({}, (ev) => onEvent(ev.type, ev.object));
    },
    async stop(): Promise<void> {
      unwatch?.();
      sub?.unsubscribe();
      unConfig?.();
      await Promise.all(all.map((ctl) => ctl.stop()));
    },
    /** Resolves once no controller has work queued or running (several quiet turns in a row). */
    async idle(): Promise<void> {
      let quiet = 0;
      while (quiet < 3) {
        await tick();
        quiet = all.every((ctl) => ctl.idle) && images.idle ? quiet + 1 : 0;
      }
    },
  };
}
