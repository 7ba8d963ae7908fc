import { KINDS, type AnyResource, type Kind, type Store } from '@kedge/core';
import { deleteCascading, dependentsOf } from '../cascade.js';
import { controllerOf } from './util.js';

/**
 * Kubernetes' garbage collector, for the one case the REST cascade cannot see: a child created by a
 * reconciler just after its owner was deleted. An object whose controller owner is gone (or was
 * replaced: another uid) is deleted with its own dependents.
 */
export function createOwnerGc(store: Store) {
  return {
    async checkOrphan(kind: Kind, ns: string, name: string): Promise<void> {
      const obj = await store.get(kind, ns, name);
      const ref = obj && controllerOf(obj);
      if (!obj || !ref || !(ref.kind in KINDS)) return;
      const owner = await store.get(ref.kind as Kind, ns, ref.name);
      if (!owner || owner.metadata.uid !== ref.uid) await deleteCascading(store, obj);
    },
    async collectDependents(owner: AnyResource): Promise<void> {
      for (const child of await dependentsOf(store, owner)) await deleteCascading(store, child);
    },
  };
}
