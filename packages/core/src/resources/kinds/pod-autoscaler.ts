import { any, top } from '../validation/fields.js';
import { validateInternal } from '../validation/kinds.js';
import { AUTOSCALING_GROUP, COLUMN, defineKind, kindInfo } from './definition.js';

/** Knative's PodAutoscaler (`kpa`): written by Kedge, read-only through the API. */
export const podAutoscalerKind = defineKind({
  info: kindInfo('PodAutoscaler', 'podautoscalers', AUTOSCALING_GROUP, 'v1alpha1', ['kpa', 'pa']),
  writable: false,
  statusSubresource: true,
  fields: top(any),
  validate: validateInternal,
  columns: [
    COLUMN.status('DesiredScale', 'desiredScale', 'integer'),
    COLUMN.status('ActualScale', 'actualScale', 'integer'),
    COLUMN.ready,
    COLUMN.reason,
  ],
  owns: ['ServerlessService'],
});
