import type { AnyResource, Revision, Route } from '@kedge/core';
import { LABEL } from './util.js';

/**
 * Knative's listers: the objects the reconcilers list, kept current from the same watch that drives
 * them, so "revisions of configuration X" costs a map lookup instead of a Store scan of the namespace.
 * The object being reconciled is still read from the Store (its resourceVersion is the CAS token).
 */
export class ObjectCache {
  private readonly revisions = new Map<string, Map<string, Revision>>();
  private readonly routes = new Map<string, Map<string, Route>>();

  observe(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: AnyResource): void {
    if (o.kind === 'Revision') {
      const cfg = o.metadata.labels?.[LABEL.configuration];
      // A revision's configuration label never changes; index under it.
      this.put(
        this.revisions,
        `${o.metadata.namespace}/${cfg ?? ''}`,
        o.metadata.name,
        type === 'DELETED' ? undefined : (o as Revision),
      );
    } else if (o.kind === 'Route') {
      this.put(this.routes, o.metadata.namespace, o.metadata.name, type === 'DELETED' ? undefined : (o as Route));
    }
  }

  revisionsOf(ns: string, configuration: string): Revision[] {
    return [...(this.revisions.get(`${ns}/${configuration}`)?.values() ?? [])];
  }

  routesIn(ns: string): Route[] {
    return [...(this.routes.get(ns)?.values() ?? [])];
  }

  private put<T>(index: Map<string, Map<string, T>>, bucket: string, name: string, value: T | undefined): void {
    let m = index.get(bucket);
    if (value === undefined) {
      m?.delete(name);
      if (m && m.size === 0) index.delete(bucket);
      return;
    }
    if (!m) index.set(bucket, (m = new Map()));
    m.set(name, value);
  }
}
