import {
  resourceKey,
  SYSTEM_NAMESPACE,
  type DomainMapping,
  type Revision,
  type Route,
  type Secret,
  type Store,
} from '@kedge/core';
import type { Activator } from './activator/activator.js';
import type { DomainTable } from './routing/domains.js';
import type { KnownRevisions } from './routing/revisions.js';
import type { RouteTable } from './routing/table.js';
import type { HttpProtocolPolicy } from './tls/http-protocol.js';
import type { TlsSecrets } from './tls/secrets.js';

/** What the store's watches keep fresh (Knative's informers and listers for the activator and the ingress). */
export interface Informed {
  activator: Activator;
  known: KnownRevisions;
  routes: RouteTable;
  domains: DomainTable;
  tlsSecrets: TlsSecrets;
  httpProtocol: HttpProtocolPolicy;
}

/** Requests are routed from these in-memory copies, never by a store read; returns the unwatch. */
export function watchResources(store: Store, to: Informed): () => void {
  const unwatch = [
    store.watch({ kind: 'Revision' }, (ev) => {
      const rev = ev.object as Revision;
      const key = resourceKey(rev.metadata.namespace, rev.metadata.name);
      if (ev.type === 'DELETED') {
        to.known.deleted(key);
        to.activator.deleteRevision(rev.metadata.namespace, rev.metadata.name);
      } else {
        to.known.added(key);
        to.activator.setRevision(rev);
      }
    }),
    store.watch({ kind: 'Route' }, (ev) => {
      if (ev.type === 'DELETED') to.routes.remove(ev.object as Route);
      else to.routes.upsert(ev.object as Route);
    }),
    store.watch({ kind: 'DomainMapping' }, (ev) => {
      const dm = ev.object as unknown as DomainMapping;
      if (ev.type === 'DELETED') to.domains.remove(dm);
      else to.domains.upsert(dm);
    }),
    store.watch({ kind: 'Secret' }, (ev) => to.tlsSecrets.observe(ev.type, ev.object as unknown as Secret)),
    store.watch({ kind: 'ConfigMap', namespace: SYSTEM_NAMESPACE }, (ev) => to.httpProtocol.observe(ev)),
  ];
  return () => {
    for (const u of unwatch.splice(0)) u();
  };
}
