import { getCondition, type AnyResource, type Condition, type KindInfo } from '@kedge/core';

/** kubectl asks for server-side tables (`Accept: …;as=Table;…`) to print Knative's columns. */
export function wantsTable(req: Request): boolean {
  return /as=Table/.test(req.headers.get('accept') ?? '');
}

type Cell = string | number;
interface Column {
  name: string;
  type: 'string' | 'integer';
  cell: (o: AnyResource) => Cell;
}

const status = (o: AnyResource) => (o as { status?: Record<string, unknown> }).status ?? {};
const ready = (o: AnyResource): Condition | undefined => getCondition(status(o).conditions as Condition[] | undefined, 'Ready');
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

const READY: Column = { name: 'Ready', type: 'string', cell: (o) => ready(o)?.status ?? 'Unknown' };
const REASON: Column = { name: 'Reason', type: 'string', cell: (o) => ready(o)?.reason ?? '' };
const URL_COL: Column = { name: 'URL', type: 'string', cell: (o) => str(status(o).url) };
const LATEST: Column[] = [
  { name: 'LatestCreated', type: 'string', cell: (o) => str(status(o).latestCreatedRevisionName) },
  { name: 'LatestReady', type: 'string', cell: (o) => str(status(o).latestReadyRevisionName) },
];

const COLUMNS: Record<string, Column[]> = {
  Service: [URL_COL, ...LATEST, READY, REASON],
  Configuration: [...LATEST, READY, REASON],
  Revision: [
    { name: 'Config Name', type: 'string', cell: (o) => str(o.metadata.labels?.['serving.knative.dev/configuration']) },
    { name: 'Generation', type: 'string', cell: (o) => str(o.metadata.labels?.['serving.knative.dev/configurationGeneration']) },
    READY,
    REASON,
    { name: 'Actual Replicas', type: 'integer', cell: (o) => Number(status(o).actualReplicas ?? 0) },
    { name: 'Desired Replicas', type: 'integer', cell: (o) => Number(status(o).desiredReplicas ?? 0) },
  ],
  Route: [URL_COL, READY, REASON],
  PodAutoscaler: [
    { name: 'DesiredScale', type: 'integer', cell: (o) => Number(status(o).desiredScale ?? 0) },
    { name: 'ActualScale', type: 'integer', cell: (o) => Number(status(o).actualScale ?? 0) },
    READY,
    REASON,
  ],
  ServerlessService: [
    { name: 'Mode', type: 'string', cell: (o) => str((o as { spec?: { mode?: string } }).spec?.mode) },
    READY,
    REASON,
  ],
  ConfigMap: [{ name: 'Data', type: 'integer', cell: (o) => Object.keys((o as { data?: object }).data ?? {}).length }],
};

/** A meta.k8s.io/v1 Table; each row carries the object's metadata so `-A` and `--show-labels` work. */
export function tableFor(info: KindInfo, items: AnyResource[], resourceVersion: string, includeObject: string | null) {
  const cols = COLUMNS[info.kind] ?? [];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      ...cols.map((c) => ({ name: c.name, type: c.type, format: '', description: '', priority: 0 })),
    ],
    rows: items.map((o) => ({
      cells: [o.metadata.name, ...cols.map((c) => c.cell(o))],
      ...(includeObject === 'None'
        ? {}
        : {
            object:
              includeObject === 'Object'
                ? o
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
          }),
    })),
  };
}
