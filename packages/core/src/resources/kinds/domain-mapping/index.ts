import { setUserInfo } from '../../defaulting.js';
import { isObj } from '../../validation/errors.js';
import { leaves, obj, top } from '../../validation/fields.js';
import { COLUMN, defineKind, kindInfo, SERVING_GROUP } from '../definition.js';
import { validateDomainMapping } from './validation.js';

export * from './types.js';

/**
 * Knative's DomainMapping (serving.knative.dev/v1beta1): maps the domain that is its name to an
 * Addressable (a Service or Route) of its namespace; the gateway serves the target's traffic there,
 * over TLS with `spec.tls.secretName`'s certificate.
 */
export const domainMappingKind = defineKind({
  info: kindInfo('DomainMapping', 'domainmappings', SERVING_GROUP, 'v1beta1', ['dm']),
  writable: true,
  statusSubresource: true,
  inCategoryAll: true,
  fields: top(
    obj({
      ref: obj(leaves('apiVersion', 'kind', 'name', 'namespace', 'group', 'address')),
      tls: obj(leaves('secretName')),
    }),
  ),
  // KReference.SetDefaults: an empty ref namespace is the mapping's own (domainmapping_defaults.go).
  setDefaults(o, { old, user }) {
    const spec = isObj(o.spec) ? o.spec : undefined;
    const meta = isObj(o.metadata) ? o.metadata : {};
    if (spec && isObj(spec.ref) && (spec.ref.namespace === undefined || spec.ref.namespace === ''))
      spec.ref.namespace = meta.namespace;
    setUserInfo(o, { old, user });
  },
  validate: validateDomainMapping,
  columns: [COLUMN.url, COLUMN.ready, COLUMN.reason],
  owns: [],
});
