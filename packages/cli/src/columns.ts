import { getCondition, type AnyResource, type Condition } from '@kedge/core';

type Row = (string | number | undefined)[];

function ready(conds: Condition[] | undefined): [string, string] {
  const c = getCondition(conds, 'Ready');
  return [c?.status ?? 'Unknown', c && c.status !== 'True' ? c.reason ?? '' : ''];
}

const st = (o: AnyResource) => ((o as { status?: Record<string, unknown> }).status ?? {}) as Record<string, any>;
const sp = (o: AnyResource) => ((o as { spec?: Record<string, unknown> }).spec ?? {}) as Record<string, any>;

/** The columns `kubectl get` prints for each Knative kind (Knative's additionalPrinterColumns). */
export const COLUMNS: Record<string, { headers: string[]; row: (o: AnyResource) => Row }> = {
  Service: {
    headers: ['NAME', 'URL', 'LATESTCREATED', 'LATESTREADY', 'READY', 'REASON'],
    row: (o) => [o.metadata.name, st(o).url, st(o).latestCreatedRevisionName, st(o).latestReadyRevisionName, ...ready(st(o).conditions)],
  },
  Configuration: {
    headers: ['NAME', 'LATESTCREATED', 'LATESTREADY', 'READY', 'REASON'],
    row: (o) => [o.metadata.name, st(o).latestCreatedRevisionName, st(o).latestReadyRevisionName, ...ready(st(o).conditions)],
  },
  Revision: {
    headers: ['NAME', 'CONFIG NAME', 'GENERATION', 'READY', 'REASON', 'ACTUAL REPLICAS', 'DESIRED REPLICAS'],
    row: (o) => [
      o.metadata.name,
      o.metadata.labels?.['serving.knative.dev/configuration'],
      o.metadata.labels?.['serving.knative.dev/configurationGeneration'],
      ...ready(st(o).conditions),
      st(o).actualReplicas,
      st(o).desiredReplicas,
    ],
  },
  Route: {
    headers: ['NAME', 'URL', 'READY', 'REASON'],
    row: (o) => [o.metadata.name, st(o).url, ...ready(st(o).conditions)],
  },
  PodAutoscaler: {
    headers: ['NAME', 'DESIREDSCALE', 'ACTUALSCALE', 'READY', 'REASON'],
    row: (o) => [o.metadata.name, st(o).desiredScale, st(o).actualScale, ...ready(st(o).conditions)],
  },
  ServerlessService: {
    headers: ['NAME', 'MODE', 'ACTIVATORS', 'READY', 'REASON'],
    row: (o) => [o.metadata.name, sp(o).mode, sp(o).numActivators, ...ready(st(o).conditions)],
  },
  ConfigMap: {
    headers: ['NAME', 'DATA'],
    row: (o) => [o.metadata.name, Object.keys((o as { data?: object }).data ?? {}).length],
  },
};
