import type { AnyResource, Kind } from '@kedge/core';
import { controllerOf } from './util.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Keys (`ns/name`) of the objects a controller reconciles, for one Store event. */
export type KeysFor = (type: EventType, o: AnyResource) => string[];

/**
 * One controller, declared: what it reconciles and which Store events enqueue which keys
 * (controller-runtime's For / Owns / Watches). The reconcilers' index drives every registration
 * from one Store watch, so adding a kind's reconciler is adding one registration to its list.
 */
export interface ControllerRegistration {
  name: string;
  /** The kind it reconciles: its own events enqueue the object's key. */
  for: Kind;
  reconcile: (ns: string, name: string) => Promise<unknown>;
  /** Events of other kinds (or extra handling of its own) that enqueue keys. */
  watches?: Partial<Record<Kind, KeysFor>>;
  /** ConfigMaps (in knative-serving) whose change re-enqueues every object of its kind seen so far. */
  resyncOn?: string[];
}

export const keyOf = (o: AnyResource): string => `${o.metadata.namespace}/${o.metadata.name}`;

/** Enqueue the controlling owner when it is of `kind` (controller-runtime's Owns). */
export const ownerOfKind =
  (kind: string): KeysFor =>
  (_type, o) => {
    const owner = controllerOf(o);
    return owner?.kind === kind ? [`${o.metadata.namespace}/${owner.name}`] : [];
  };

/** Enqueue the object named by a label (a Revision's Configuration). */
export const byLabel =
  (label: string): KeysFor =>
  (_type, o) => {
    const v = o.metadata.labels?.[label];
    return v ? [`${o.metadata.namespace}/${v}`] : [];
  };
