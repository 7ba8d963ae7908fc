/** The kinds Kedge stores, with the group/version and plural Kubernetes clients expect. */
export interface KindInfo {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  group: string;
  version: string;
  apiVersion: string;
  namespaced: boolean;
}

function kind(kindName: string, plural: string, group: string, version: string, shortNames: string[]): KindInfo {
  return {
    kind: kindName,
    plural,
    singular: kindName.toLowerCase(),
    shortNames,
    group,
    version,
    apiVersion: group ? `${group}/${version}` : version,
    namespaced: true,
  };
}

export const SERVING_GROUP = 'serving.knative.dev';
export const AUTOSCALING_GROUP = 'autoscaling.internal.knative.dev';
export const NETWORKING_GROUP = 'networking.internal.knative.dev';

export const KINDS = {
  Service: kind('Service', 'services', SERVING_GROUP, 'v1', ['ksvc', 'ksvcs']),
  Configuration: kind('Configuration', 'configurations', SERVING_GROUP, 'v1', ['config', 'cfg']),
  Revision: kind('Revision', 'revisions', SERVING_GROUP, 'v1', ['rev']),
  Route: kind('Route', 'routes', SERVING_GROUP, 'v1', ['rt']),
  PodAutoscaler: kind('PodAutoscaler', 'podautoscalers', AUTOSCALING_GROUP, 'v1alpha1', ['kpa', 'pa']),
  ServerlessService: kind('ServerlessService', 'serverlessservices', NETWORKING_GROUP, 'v1alpha1', ['sks']),
  ConfigMap: kind('ConfigMap', 'configmaps', '', 'v1', ['cm']),
} as const;

export type Kind = keyof typeof KINDS;

export const KIND_NAMES = Object.keys(KINDS) as Kind[];

/** Finds a kind by its name, plural, singular or short name (what `kedge get X` accepts). */
export function lookupKind(word: string): KindInfo | undefined {
  const w = word.toLowerCase();
  return Object.values(KINDS).find(
    (k) => k.kind.toLowerCase() === w || k.plural === w || k.singular === w || (k.shortNames as readonly string[]).includes(w),
  );
}

/** The namespace holding Knative's ConfigMaps (config-domain, config-autoscaler, …). */
export const SYSTEM_NAMESPACE = 'knative-serving';

export function resourceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
