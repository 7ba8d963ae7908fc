import { any, top } from '../validation/fields.js';
import type { AnyResource } from '../types.js';
import { defineKind, kindInfo, str, type PrinterColumn } from './definition.js';

const status = (o: AnyResource) =>
  ((o as { status?: Record<string, unknown> }).status ?? {}) as Record<string, unknown>;
const containers = (o: AnyResource) =>
  (status(o).containerStatuses ?? []) as { ready?: boolean; restartCount?: number }[];

/** Kubernetes' short ages (HumanDuration): 45s, 12m, 3h, 5d. */
export function shortAge(timestamp: unknown, now = Date.now()): string {
  const t = Date.parse(str(timestamp));
  if (!Number.isFinite(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** kubectl's pod columns: READY, STATUS (Terminating once deleted), RESTARTS, AGE; NODE with -o wide. */
const columns: PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    cell: (o) => `${containers(o).filter((c) => c.ready).length}/${containers(o).length}`,
  },
  {
    name: 'Status',
    type: 'string',
    cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : str(status(o).phase)),
  },
  { name: 'Restarts', type: 'integer', cell: (o) => containers(o).reduce((n, c) => n + (c.restartCount ?? 0), 0) },
  { name: 'Age', type: 'string', cell: (o) => shortAge(o.metadata.creationTimestamp) },
  {
    name: 'Node',
    type: 'string',
    cell: (o) => str((o as { spec?: { nodeName?: string } }).spec?.nodeName),
    priority: 1,
  },
];

/**
 * Kubernetes' Pod, as a view: one per running instance, served by the API from the runners' reports
 * (packages/api/src/pods), never stored. Read-only, except that deleting one stops its instance.
 */
export const podKind = defineKind({
  info: kindInfo('Pod', 'pods', '', 'v1', ['po']),
  writable: false,
  deletable: true,
  subresources: ['log'],
  statusSubresource: false,
  fields: top(any),
  validate: () => undefined,
  columns,
  owns: [],
});
