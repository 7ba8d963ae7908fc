import type { Configuration, Revision, Store } from '@kedge/core';
import { deleteCascading } from '../cascade.js';
import { DISABLED, type GcConfig } from '../config/gc.js';
import { ANNOTATION, isControlledBy, LABEL } from './util.js';
import type { ReconcileResult } from './controller.js';

export interface GcDeps {
  store: Store;
  revisionsOf: (ns: string, configuration: string) => Revision[];
  nowMs: () => number;
  config: () => GcConfig;
}

function lastActive(r: Revision): number {
  const t = Date.parse(r.metadata.annotations?.[ANNOTATION.routingStateModified] ?? '');
  return Number.isFinite(t) ? t : Date.parse(r.metadata.creationTimestamp ?? '') || 0;
}

/** When a revision stops being protected by the time rules (Infinity: never). */
function staleAt(cfg: GcConfig, r: Revision): number {
  const { retainSinceCreateTimeMs: create, retainSinceLastActiveTimeMs: active } = cfg;
  if (create === DISABLED && active === DISABLED) return Infinity;
  const born = Date.parse(r.metadata.creationTimestamp ?? '') || 0;
  return Math.max(
    create === DISABLED ? -Infinity : born + create,
    active === DISABLED ? -Infinity : lastActive(r) + active,
  );
}

/**
 * Knative's revision GC (config-gc), per Configuration: never the latest created/ready, a routed
 * revision or one annotated `serving.knative.dev/no-gc: "true"`; keep the
 * `min-non-active-revisions` most recently active; delete the rest once older than both
 * retain-since-create-time and retain-since-last-active-time; and beyond
 * `max-non-active-revisions` delete the least recently active regardless of age.
 * Returns when to look again (the next revision to turn stale).
 */
export function createRevisionGc(deps: GcDeps) {
  const { store } = deps;
  return async function collect(ns: string, name: string): Promise<ReconcileResult | void> {
    const cfg = await store.get<Configuration>('Configuration', ns, name);
    if (!cfg) return;
    const gc = deps.config();
    const { minNonActiveRevisions: min, maxNonActiveRevisions: max } = gc;
    if (max === DISABLED && gc.retainSinceCreateTimeMs === DISABLED && gc.retainSinceLastActiveTimeMs === DISABLED)
      return;
    const all = deps.revisionsOf(ns, name).filter((r) => isControlledBy(r, cfg));
    if (all.length <= min) return;
    const keep = new Set([cfg.status?.latestCreatedRevisionName, cfg.status?.latestReadyRevisionName]);
    const nonActive = all
      .filter(
        (r) =>
          !keep.has(r.metadata.name) &&
          r.metadata.labels?.[LABEL.routingState] !== 'active' &&
          r.metadata.annotations?.[ANNOTATION.noGc] !== 'true',
      )
      .sort((a, b) => lastActive(b) - lastActive(a));
    const now = deps.nowMs();
    let remaining = nonActive.length;
    const deleted = new Set<string>();
    let next = Infinity;
    for (const r of nonActive.slice(min)) {
      const at = staleAt(gc, r);
      if (at <= now) {
        await deleteCascading(store, r);
        deleted.add(r.metadata.name);
        remaining--;
      } else next = Math.min(next, at);
    }
    if (max !== DISABLED && remaining > max) {
      for (let i = nonActive.length - 1; i >= 0 && remaining > max; i--) {
        const r = nonActive[i]!;
        if (deleted.has(r.metadata.name)) continue;
        await deleteCascading(store, r);
        remaining--;
      }
    }
    return Number.isFinite(next) ? { requeueAfterMs: next - now } : undefined;
  };
}
