import { defaultRevisionSpec, isStoredMinusDefaults } from '../defaulting.js';
import { isObj } from '../validation/errors.js';
import { revisionSpec, top } from '../validation/fields.js';
import { validateRevision } from '../validation/kinds.js';
import { CONFIGURATION_GENERATION_LABEL, CONFIGURATION_LABEL } from '../validation/metadata.js';
import { COLUMN, defineKind, kindInfo, SERVING_GROUP, str } from './definition.js';

/** Knative's Revision: an immutable snapshot of a Configuration's template. */
export const revisionKind = defineKind({
  info: kindInfo('Revision', 'revisions', SERVING_GROUP, 'v1', ['rev']),
  writable: true,
  statusSubresource: true,
  inCategoryAll: true,
  fields: top(revisionSpec),
  setDefaults(o, { old, name, config }) {
    // The spec is immutable once stored; defaults drifting with config must not "change" it.
    if (isObj(o.spec) && !old) defaultRevisionSpec(o.spec, config, name);
    // A client re-sending the spec as first written (without the defaults) is not changing it.
    else if (old && isStoredMinusDefaults(o.spec, old.spec, (x) => defaultRevisionSpec(x, config, name)))
      o.spec = structuredClone(old.spec);
  },
  validate: validateRevision,
  columns: [
    { name: 'Config Name', type: 'string', cell: (o) => str(o.metadata.labels?.[CONFIGURATION_LABEL]) },
    { name: 'Generation', type: 'string', cell: (o) => str(o.metadata.labels?.[CONFIGURATION_GENERATION_LABEL]) },
    COLUMN.ready,
    COLUMN.reason,
    COLUMN.status('Actual Replicas', 'actualReplicas', 'integer'),
    COLUMN.status('Desired Replicas', 'desiredReplicas', 'integer'),
  ],
  owns: ['PodAutoscaler', 'ServerlessService'],
});
