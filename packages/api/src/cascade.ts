import { KIND_NAMES, type AnyResource, type Kind, type Store } from '@kedge/core';

/**
 * Which kinds each owner kind can own, so finding dependents lists only those (a namespace may
 * hold thousands of objects). Anything else may own any kind.
 */
const CHILD_KINDS: Partial<Record<string, Kind[]>> = {
  Service: ['Configuration', 'Route'],
  Configuration: ['Revision'],
  Revision: ['PodAutoscaler', 'ServerlessService'],
  PodAutoscaler: ['ServerlessService'],
  Route: [],
  ServerlessService: [],
  ConfigMap: [],
};
const ANY_CHILD = KIND_NAMES.filter((k) => k !== 'ConfigMap');

/** Objects in the owner's namespace whose ownerReferences name it by uid. */
export async function dependentsOf(store: Store, owner: AnyResource): Promise<AnyResource[]> {
  const uid = owner.metadata.uid;
  if (!uid) return [];
  const out: AnyResource[] = [];
  for (const kind of CHILD_KINDS[owner.kind] ?? ANY_CHILD) {
    const { items } = await store.list(kind, { namespace: owner.metadata.namespace });
    for (const o of items) if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) out.push(o);
  }
  return out;
}

/**
 * Kubernetes' background cascading deletion, done at once: the owner goes first (so its reconciler
 * stops recreating children), then every dependent, depth first. Returns what was deleted.
 */
export async function deleteCascading(store: Store, owner: AnyResource): Promise<AnyResource[]> {
  const gone: AnyResource[] = [];
  const deleted = await store.delete(owner.kind as Kind, owner.metadata.namespace, owner.metadata.name);
  if (deleted) gone.push(deleted);
  for (const child of await dependentsOf(store, owner)) gone.push(...(await deleteCascading(store, child)));
  return gone;
}
