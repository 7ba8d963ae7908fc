import { any, top } from '../validation/fields.js';
import { validateInternal } from '../validation/kinds.js';
import { COLUMN, defineKind, kindInfo, NETWORKING_GROUP, str } from './definition.js';

const spec = (o: unknown) => (o as { spec?: { mode?: string; numActivators?: number } }).spec ?? {};

/** Knative's ServerlessService (`sks`): Proxy (activator in path) or Serve; written by Kedge. */
export const serverlessServiceKind = defineKind({
  info: kindInfo('ServerlessService', 'serverlessservices', NETWORKING_GROUP, 'v1alpha1', ['sks']),
  writable: false,
  statusSubresource: true,
  fields: top(any),
  validate: validateInternal,
  columns: [
    { name: 'Mode', type: 'string', cell: (o) => str(spec(o).mode) },
    { name: 'Activators', type: 'string', cell: (o) => str(spec(o).numActivators) },
    COLUMN.ready,
    COLUMN.reason,
  ],
  owns: [],
});
