import {
  AUTOSCALER_VALIDATION_CONFIG,
  DEFAULTS_CONFIG,
  DEPLOYMENT_CONFIG,
  DOMAIN_CONFIG,
  FEATURES_CONFIG,
  parseAutoscalerValidationConfig,
  parseDefaultsConfig,
  parseDeploymentConfig,
  parseDomainConfig,
  parseFeaturesConfig,
  SYSTEM_NAMESPACE,
  type AutoscalerValidationConfig,
  type ConfigMap,
  type DefaultsConfig,
  type DeploymentConfig,
  type DomainConfig,
  type FeaturesConfig,
  type Logger,
  type Store,
} from '@kedge/core';
import { GC_DEFAULTS, parseGcConfig, type GcConfig } from './gc.js';

export interface ApiConfig {
  domain: DomainConfig;
  defaults: DefaultsConfig;
  features: FeaturesConfig;
  gc: GcConfig;
  /** The config-autoscaler keys annotation validation checks against (max-scale-limit, …). */
  autoscaler: AutoscalerValidationConfig;
  /** config-deployment: registries-skipping-tag-resolving. */
  deployment: DeploymentConfig;
}

type Parsers = {
  [K in keyof ApiConfig]: [string, (data: Record<string, string> | undefined) => ApiConfig[K], ApiConfig[K]];
};

const PARSERS: Parsers = {
  domain: ['config-domain', parseDomainConfig, DOMAIN_CONFIG],
  defaults: ['config-defaults', parseDefaultsConfig, DEFAULTS_CONFIG],
  features: ['config-features', parseFeaturesConfig, FEATURES_CONFIG],
  gc: ['config-gc', parseGcConfig, GC_DEFAULTS],
  autoscaler: ['config-autoscaler', parseAutoscalerValidationConfig, AUTOSCALER_VALIDATION_CONFIG],
  deployment: ['config-deployment', parseDeploymentConfig, DEPLOYMENT_CONFIG],
};

/**
 * Knative's config-* ConfigMaps as the API sees them right now. Follows the Store, so applying
 * a ConfigMap changes domains, defaults, features and GC without a restart. A map that does not
 * parse (stored before validation existed) keeps the previous settings and is logged.
 */
export class LiveConfig {
  current: ApiConfig = {
    domain: DOMAIN_CONFIG,
    defaults: DEFAULTS_CONFIG,
    features: FEATURES_CONFIG,
    gc: GC_DEFAULTS,
    autoscaler: AUTOSCALER_VALIDATION_CONFIG,
    deployment: DEPLOYMENT_CONFIG,
  };
  private unwatch?: () => void;
  private readonly listeners = new Set<(name: string) => void>();

  constructor(
    private readonly store: Store,
    private readonly log?: Logger,
  ) {}

  start(): void {
    this.unwatch = this.store.watch({ kind: 'ConfigMap', namespace: SYSTEM_NAMESPACE }, (ev) => {
      const cm = ev.object as ConfigMap;
      this.apply(cm.metadata.name, ev.type === 'DELETED' ? undefined : (cm.data ?? {}));
    });
  }

  stop(): void {
    this.unwatch?.();
  }

  onChange(fn: (name: string) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private apply(name: string, data: Record<string, string> | undefined): void {
    const entry = (Object.entries(PARSERS) as [keyof ApiConfig, Parsers[keyof ApiConfig]][]).find(
      ([, p]) => p[0] === name,
    );
    if (!entry) return;
    const [field, [, parse, fallback]] = entry;
    try {
      this.current = { ...this.current, [field]: data === undefined ? fallback : parse(data) };
    } catch (err) {
      this.log?.warn({ configMap: name, err: (err as Error).message }, 'ignoring a ConfigMap that does not parse');
      return;
    }
    for (const fn of this.listeners) fn(name);
  }
}
