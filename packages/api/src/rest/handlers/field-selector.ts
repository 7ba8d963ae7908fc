import type { AnyResource } from '@kedge/core';
import { badRequest } from '../status.js';

/**
 * Fields a fieldSelector may name: every kind's name and namespace, the ones kubectl describe asks
 * Events by, and a Pod's node and phase.
 */
const SELECTABLE_FIELDS = new Set([
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.name',
  'involvedObject.namespace',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'type',
  'source',
  'spec.nodeName',
  'status.phase',
]);

/** `?fieldSelector=a=b,c!=d` as a predicate; no selector matches everything. */
export function fieldSelector(q: string | undefined): (o: AnyResource) => boolean {
  if (!q) return () => true;
  const terms = q
    .split(',')
    .filter(Boolean)
    .map((t) => {
      const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(t);
      if (!m) throw badRequest(`invalid field selector "${t}"`);
      const field = m[1]!.trim();
      if (!SELECTABLE_FIELDS.has(field))
        throw badRequest(`field selector "${field}" is not supported (only ${[...SELECTABLE_FIELDS].join(', ')})`);
      return { field, neg: m[2] === '!=', value: m[3]!.trim() };
    });
  return (o) =>
    terms.every((t) => {
      // A field the object does not have reads as "", as the apiserver's field sets do.
      let v: unknown = o;
      for (const part of t.field.split('.'))
        v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
      const text = v === undefined || v === null ? '' : String(v);
      return t.neg ? text !== t.value : text === t.value;
    });
}
