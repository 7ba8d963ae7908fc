import type { ObjectMeta, OwnerReference } from '../types.js';
import { deepEqual } from '../diff.js';
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  labelValueErrors,
  nameIsDns1035Label,
  qualifiedNameErrors,
} from '../names.js';
import { at, type Errs, isObj, MSG, type Obj } from './errors.js';

export const SERVICE_LABEL = 'serving.knative.dev/service';
export const CONFIGURATION_LABEL = 'serving.knative.dev/configuration';
export const ROUTE_LABEL = 'serving.knative.dev/route';
export const REVISION_LABEL = 'serving.knative.dev/revision';
export const CONFIGURATION_GENERATION_LABEL = 'serving.knative.dev/configurationGeneration';
export const CONFIGURATION_UID_LABEL = 'serving.knative.dev/configurationUID';
export const SERVICE_UID_LABEL = 'serving.knative.dev/serviceUID';
export const ROUTING_STATE_LABEL = 'serving.knative.dev/routingState';
export const CREATOR_ANNOTATION = 'serving.knative.dev/creator';
export const LAST_MODIFIER_ANNOTATION = 'serving.knative.dev/lastModifier';

/** An object's metadata, or nothing where it has none (each check then reports what is missing). */
export function metaOf(o: Obj): Partial<ObjectMeta> {
  return (isObj(o.metadata) ? o.metadata : {}) as Partial<ObjectMeta>;
}

/**
 * Kubernetes' ValidateObjectMeta with NameIsDNSSubdomain, as ConfigMaps and Secrets are named: a
 * name or a generateName, the name a DNS-1123 subdomain, then the labels' and annotations' syntax.
 */
export function validateSubdomainObjectMeta(meta: Partial<ObjectMeta>, errs: Errs): void {
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!name && !meta.generateName) errs.add('metadata.name', 'name or generateName is required');
  else if (name) {
    const msgs = dns1123SubdomainErrors(name);
    if (msgs.length) errs.invalid('metadata.name', `not a DNS 1123 subdomain: [${msgs.join(' ')}]`);
  }
  validateMetaSyntax(meta, 'metadata', errs);
}

/** Knative's apis.ValidateObjectMetadata: a DNS-1035 name or generateName, at least one of them. */
export function validateNames(meta: Partial<ObjectMeta>, path: string, errs: Errs): void {
  const name = meta.name ?? '';
  const generateName = meta.generateName ?? '';
  if (typeof generateName !== 'string') errs.invalid(at(path, 'generateName'), generateName);
  else if (generateName) {
    const msgs = nameIsDns1035Label(generateName, true);
    if (msgs.length) errs.invalid(at(path, 'generateName'), `not a DNS 1035 label prefix: [${msgs.join(' ')}]`);
  }
  if (typeof name !== 'string') errs.invalid(at(path, 'name'), name);
  else if (name) {
    const msgs = nameIsDns1035Label(name, false);
    if (msgs.length) errs.invalid(at(path, 'name'), `not a DNS 1035 label: [${msgs.join(' ')}]`);
  }
  if (!name && !generateName) errs.add(at(path, 'name'), 'name or generateName is required');
}

/** What Kubernetes' apiserver checks on every object: namespace, label and annotation syntax. */
export function validateMetaSyntax(meta: Partial<ObjectMeta>, path: string, errs: Errs): void {
  if (meta.namespace !== undefined && meta.namespace !== '') {
    const msgs = typeof meta.namespace === 'string' ? dns1123LabelErrors(meta.namespace) : ['must be a string'];
    if (msgs.length) errs.invalid(at(path, 'namespace'), meta.namespace, msgs.join('; '));
  }
  for (const field of ['labels', 'annotations'] as const) {
    const m = meta[field];
    if (m === undefined || m === null) continue;
    if (!isObj(m)) {
      errs.invalid(at(path, field), m, 'must be a map of strings');
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      const keyMsgs = qualifiedNameErrors(k);
      if (keyMsgs.length) errs.add(at(path, field), `${MSG.keyName(k)}: ${keyMsgs.join('; ')}`);
      if (typeof v !== 'string') errs.invalid(at(at(path, field), k), v, 'must be a string');
      else if (field === 'labels') {
        const valMsgs = labelValueErrors(v);
        if (valMsgs.length) errs.invalid(at(at(path, field), k), v, valMsgs.join('; '));
      }
    }
  }
}

function hasOwner(meta: Partial<ObjectMeta>, kind: string, name: string): boolean {
  return (meta.ownerReferences ?? []).some((r: OwnerReference) => r?.kind === kind && r?.name === name);
}

/**
 * `serving.knative.dev/service` (on Configuration, Route) and `…/configuration` (on Revision)
 * claim an owner; the claim must be backed by an owner reference.
 */
export function validateOwnerLabel(
  meta: Partial<ObjectMeta>,
  label: string,
  ownerKind: string,
  path: string,
  errs: Errs,
): void {
  const v = meta.labels?.[label];
  if (v === undefined) return;
  if (!hasOwner(meta, ownerKind, v)) errs.missing(at(at(path, 'labels'), label));
}

export const VISIBILITY_LABEL_KEY = 'networking.knative.dev/visibility';

/** The visibility label has exactly one meaningful value. */
export function validateVisibilityLabel(meta: Partial<ObjectMeta>, path: string, errs: Errs): void {
  const v = meta.labels?.[VISIBILITY_LABEL_KEY];
  if (v !== undefined && v !== 'cluster-local') errs.invalid(at(at(path, 'labels'), VISIBILITY_LABEL_KEY), v);
}

/**
 * Knative's ValidateCreatorAndModifier, on an update from `old` to `o`: creator never changes;
 * lastModifier only moves when the spec does.
 */
export function validateCreatorAndModifier(old: Obj, o: Obj, errs: Errs): void {
  const oldAnns = metaOf(old).annotations;
  const newAnns = metaOf(o).annotations;
  const path = 'metadata.annotations';
  if (!oldAnns || !newAnns) return;
  if (oldAnns[CREATOR_ANNOTATION] !== newAnns[CREATOR_ANNOTATION])
    errs.add(at(path, CREATOR_ANNOTATION), 'annotation value is immutable');
  if (deepEqual(old.spec, o.spec) && oldAnns[LAST_MODIFIER_ANNOTATION] !== newAnns[LAST_MODIFIER_ANNOTATION])
    errs.invalid(at(path, LAST_MODIFIER_ANNOTATION), newAnns[LAST_MODIFIER_ANNOTATION] ?? '');
}
