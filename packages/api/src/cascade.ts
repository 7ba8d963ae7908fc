import { kindDefinition, type AnyResource, type Kind, type Store } from '@kedge/core';

/** Objects in the owner's namespace whose ownerReferences name it by uid. */
export async function dependentsOf(store: Store, owner: AnyResource): Promise<AnyResource[]> {
  const uid = owner.metadata.uid;
  if (!uid) return [];
  const out: AnyResource[] = [];
  // Only the kinds the owner's kind can own are listed (a namespace may hold thousands of objects).
  for (const kind of (kindDefinition(owner.kind)?.owns ?? []) as Kind[]) {
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
