import { validateConfigMap } from '../validation/configmap.js';
import { leaves, metadata, obj } from '../validation/fields.js';
import { defineKind, kindInfo } from './definition.js';

/** Kubernetes' ConfigMap; Knative's config-* maps live in namespace knative-serving. */
export const configMapKind = defineKind({
  info: kindInfo('ConfigMap', 'configmaps', '', 'v1', ['cm']),
  writable: true,
  statusSubresource: false,
  strategicMergePatch: true,
  fields: obj({ ...leaves('apiVersion', 'kind', 'data', 'binaryData', 'immutable'), metadata }),
  validate: (o, errs) => validateConfigMap(o, errs),
  columns: [{ name: 'Data', type: 'integer', cell: (o) => Object.keys((o as { data?: object }).data ?? {}).length }],
  owns: [],
  openApiProperties: { data: { type: 'object', additionalProperties: { type: 'string' } } },
});
