import { any, top } from '../validation/fields.js';
import type { AnyResource } from '../types.js';
import { defineKind, kindInfo, str } from './definition.js';
import { shortAge } from './pod.js';

type EventFields = {
  lastTimestamp?: string;
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
};
const ev = (o: AnyResource) => o as unknown as EventFields;

/**
 * Kubernetes' `v1` Event: what the autoscaler, the runners and the API report (scale decisions,
 * cold starts, failures, readiness), recorded by the API (packages/api/src/events) and read-only.
 */
export const eventKind = defineKind({
  info: kindInfo('Event', 'events', '', 'v1', ['ev']),
  writable: false,
  statusSubresource: false,
  fields: top(any),
  validate: () => undefined,
  // kubectl get events: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE.
  columns: [
    { name: 'Last Seen', type: 'string', cell: (o) => shortAge(ev(o).lastTimestamp) },
    { name: 'Type', type: 'string', cell: (o) => str(ev(o).type) },
    { name: 'Reason', type: 'string', cell: (o) => str(ev(o).reason) },
    {
      name: 'Object',
      type: 'string',
      cell: (o) => `${str(ev(o).involvedObject?.kind).toLowerCase()}/${str(ev(o).involvedObject?.name)}`,
    },
    { name: 'Message', type: 'string', cell: (o) => str(ev(o).message) },
  ],
  owns: [],
});
