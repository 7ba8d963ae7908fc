import { kindDefinition, type AnyResource, type KindInfo } from '@kedge/core';

/** kubectl asks for server-side tables (`Accept: …;as=Table;…`) to print Knative's columns. */
export function wantsTable(req: Request): boolean {
  return /as=Table/.test(req.headers.get('accept') ?? '');
}

/** A meta.k8s.io/v1 Table; each row carries the object's metadata so `-A` and `--show-labels` work. */
export function tableFor(info: KindInfo, items: AnyResource[], resourceVersion: string, includeObject: string | null) {
  const cols = kindDefinition(info.kind)?.columns ?? [];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      ...cols.map((c) => ({ name: c.name, type: c.type, format: '', description: '', priority: c.priority ?? 0 })),
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
