import type { AnyResource } from './types.js';

/** Knative's config-defaults ConfigMap, parsed. Filled in by the API issue. */
export interface DefaultsConfig {
  revisionTimeoutSeconds: number;
  maxRevisionTimeoutSeconds: number;
  containerConcurrency: number;
  containerConcurrencyMaxLimit: number;
}

export const DEFAULTS_CONFIG: DefaultsConfig = {
  revisionTimeoutSeconds: 300,
  maxRevisionTimeoutSeconds: 600,
  containerConcurrency: 0,
  containerConcurrencyMaxLimit: 1000,
};

/** Knative's SetDefaults: returns a defaulted copy. */
export function applyDefaults<T extends AnyResource>(obj: T, _config: DefaultsConfig = DEFAULTS_CONFIG): T {
  return structuredClone(obj);
}
