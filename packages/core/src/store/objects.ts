import { randomUUID } from 'node:crypto';
import type { AnyResource } from '../resources/types.js';
import { specChanged } from './store.js';

/** What every Store does to an object on create: identity, birth time, first generation. */
export function stampCreate<T extends AnyResource>(obj: T, nowIso: string): T {
  const copy = structuredClone(obj);
  copy.metadata = {
    ...copy.metadata,
    uid: copy.metadata.uid ?? randomUUID(),
    creationTimestamp: copy.metadata.creationTimestamp ?? nowIso,
    generation: 1,
  };
  return copy;
}

/** On update: identity and birth time stay, generation moves only when the desired state moved. */
export function stampUpdate<T extends AnyResource>(prev: AnyResource, next: T): T {
  const copy = structuredClone(next);
  const generation = (prev.metadata.generation ?? 1) + (specChanged(prev, next) ? 1 : 0);
  copy.metadata = {
    ...copy.metadata,
    uid: prev.metadata.uid,
    creationTimestamp: prev.metadata.creationTimestamp,
    generation,
  };
  return copy;
}
