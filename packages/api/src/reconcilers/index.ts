import { setImmediate as tick } from 'node:timers/promises';
import {
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
import { Controller, splitKey } from './controller.js';
import { createRevisionGc } from './gc.js';
import { createOwnerGc } from './owners.js';
import { createRevisionReconciler } from './revision.js';
import { createRouteReconciler } from './route.js';
import { createServiceReconciler } from './service.js';
import { controllerOf, LABEL } from './util.js';

export interface ReconcilerDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  config: LiveConfig;
}

/**
 * All reconcilers, driven by one Store watch (initial listing included, so a restart resumes where the
 * Store is) and by runners' RevisionHealth messages.
 */
export function createReconcilers(deps: ReconcilerDeps) {
  const { store, clock, logger } = deps;
  const now = () => new Date(clock.now()).toISOString();
  const health = new Map<string, RevisionHealth>();

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
  const revision = createRevisionReconciler({ store, now, health: (k) => health.get(k), processRevisions: () => deps.config.current.features.processRevisions });
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

  const mk = (name: string, fn: (key: string) => Promise<{ requeueAfterMs?: number } | undefined | void>) =>
    new Controller(name, fn, clock, logger.child({ controller: name }));
  const c = {
    service: mk('service', byKey(service)),
    configuration: mk('configuration', byKey(configuration)),
    revision: mk('revision', byKey(revision)),
    route: mk('route', byKey(route)),
    gc: mk('gc', byKey(gc)),
    owners: mk('owners', async (key) => {
      const gone = deletedOwners.get(key);
      if (gone) {
        deletedOwners.delete(key);
        return owners.collectDependents(gone);
      }
      const [kind, rest] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      const [ns, name] = splitKey(rest);
      return owners.checkOrphan(kind as Kind, ns, name);
    }),
  };
  const all = Object.values(c);
  const knownRoutes = new Set<string>();
  const knownConfigs = new Set<string>();
  const knownRevisions = new Set<string>();

  function onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: AnyResource): void {
    cache.observe(type, o);
    const ns = o.metadata.namespace;
    const key = `${ns}/${o.metadata.name}`;
    const owner = controllerOf(o);
    const readersOf = (ref: string) => {
      for (const r of readers.get(ref) ?? []) c.route.enqueue(r);
    };
    switch (o.kind) {
      case 'Service':
        c.service.enqueue(key);
        break;
      case 'Configuration':
        if (type === 'DELETED') knownConfigs.delete(key);
        else knownConfigs.add(key);
        c.configuration.enqueue(key);
        c.gc.enqueue(key);
        if (owner?.kind === 'Service') c.service.enqueue(`${ns}/${owner.name}`);
        readersOf(`Configuration/${key}`);
        break;
      case 'Revision': {
        if (type === 'DELETED') knownRevisions.delete(key);
        else knownRevisions.add(key);
        c.revision.enqueue(key);
        const cfg = o.metadata.labels?.[LABEL.configuration];
        if (cfg) {
          c.configuration.enqueue(`${ns}/${cfg}`);
          c.gc.enqueue(`${ns}/${cfg}`);
        }
        readersOf(`Revision/${key}`);
        if (type === 'DELETED') health.delete(key);
        break;
      }
      case 'Route':
        if (type === 'DELETED') {
          knownRoutes.delete(key);
          deletedRoutes.set(key, o as Route);
        } else {
          knownRoutes.add(key);
          deletedRoutes.delete(key);
        }
        c.route.enqueue(key);
        if (owner?.kind === 'Service') c.service.enqueue(`${ns}/${owner.name}`);
        break;
      case 'PodAutoscaler':
        if (owner?.kind === 'Revision') c.revision.enqueue(`${ns}/${owner.name}`);
        break;
    }
    if (o.kind === 'ConfigMap') return;
    if (type === 'ADDED' && owner) c.owners.enqueue(`${o.kind}/${key}`);
    if (type === 'DELETED' && o.metadata.uid && ['Service', 'Configuration', 'Revision', 'Route', 'PodAutoscaler'].includes(o.kind)) {
      const k = `deleted:${o.metadata.uid}`;
      deletedOwners.set(k, o);
      c.owners.enqueue(k);
    }
  }

  let unwatch: (() => void) | undefined;
  let sub: Subscription | undefined;
  let unConfig: (() => void) | undefined;

  return {
    async start(): Promise<void> {
      for (const ctl of all) ctl.start();
      unConfig = deps.config.onChange((name) => {
        if (name === 'config-domain') for (const k of knownRoutes) c.route.enqueue(k);
        if (name === 'config-gc') for (const k of knownConfigs) c.gc.enqueue(k);
        if (name === 'config-features') for (const k of knownRevisions) c.revision.enqueue(k);
      });
      sub = deps.bus.subscribe<RevisionHealth>(subjects.revisionHealthAll, (msg) => {
        const h = msg.data;
        if (!h?.namespace || !h.revision) return;
        const key = `${h.namespace}/${h.revision}`;
        const prev = health.get(key);
        if (prev && prev.time > h.time) return;
        health.set(key, h);
        c.revision.enqueue(key);
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
        quiet = all.every((ctl) => ctl.idle) ? quiet + 1 : 0;
      }
    },
  };
}
