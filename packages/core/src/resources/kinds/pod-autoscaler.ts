import { AUTOSCALING_ANNOTATIONS, KPA_CLASS } from '../validation/annotations.js';
import { any, top } from '../validation/fields.js';
import { validateInternal } from '../validation/kinds.js';
import { AUTOSCALING_GROUP, COLUMN, defineKind, kindInfo } from './definition.js';

const CLASS_ANNOTATION = AUTOSCALING_ANNOTATIONS.class[0];

/** Knative's PodAutoscaler (`kpa`): written by Kedge, read-only through the API. */
export const podAutoscalerKind = defineKind({
  info: kindInfo('PodAutoscaler', 'podautoscalers', AUTOSCALING_GROUP, 'v1alpha1', ['kpa', 'pa']),
  writable: false,
  statusSubresource: true,
  fields: top(any),
  validate: validateInternal,
  columns: [
    // Knative's PA defaults a missing class annotation to the KPA (PodAutoscaler.SetDefaults).
    { name: 'Class', type: 'string', cell: (o) => o.metadata.annotations?.[CLASS_ANNOTATION] ?? KPA_CLASS },
    COLUMN.status('DesiredScale', 'desiredScale', 'integer'),
    COLUMN.status('ActualScale', 'actualScale', 'integer'),
    COLUMN.ready,
    COLUMN.reason,
  ],
  owns: ['ServerlessService'],
});
