import { KIND_DEFINITIONS, KINDS } from '@kedge/core';
const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const READ_VERBS = ['get', 'list', 'watch'];

/** Legacy discovery (APIGroupList / APIResourceList): what `kubectl api-resources` and short names need. */
export function apiGroupList() {
  // A group may serve several versions (serving.knative.dev: v1, and v1beta1 for DomainMapping);
  // the first listed is preferred.
  const groups = new Map<string, string[]>();
  for (const k of Object.values(KINDS)) {
    if (!k.group) continue;
    const versions = groups.get(k.group) ?? [];
    if (!versions.includes(k.version)) versions.push(k.version);
    groups.set(k.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

export function apiVersions() {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
}

export function apiResourceList(groupVersion: string) {
  const defs = KIND_DEFINITIONS.filter((d) => d.info.apiVersion === groupVersion);
  if (!defs.length) return undefined;
  const resources = [];
  for (const d of defs) {
    const k = d.info;
    const serving = k.group === 'serving.knative.dev';
    resources.push({
      name: k.plural,
      singularName: k.singular,
      namespaced: true,
      kind: k.kind,
      verbs: d.writable ? ALL_VERBS : d.deletable ? [...READ_VERBS, 'delete'] : READ_VERBS,
      shortNames: k.shortNames,
      ...(serving ? { categories: ['all', 'knative', 'serving'] } : {}),
    });
    for (const sub of d.subresources ?? [])
      resources.push({ name: `${k.plural}/${sub}`, singularName: '', namespaced: true, kind: k.kind, verbs: ['get'] });
    if (d.statusSubresource)
      resources.push({
        name: `${k.plural}/status`,
        singularName: '',
        namespaced: true,
        kind: k.kind,
        verbs: ['get', 'patch', 'update'],
      });
  }
  if (groupVersion === 'v1')
    resources.push({
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['get', 'list'],
      shortNames: ['ns'],
    });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}
