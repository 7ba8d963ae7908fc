import { DEFAULTS_CONFIG, SYSTEM_NAMESPACE, type ConfigMap, type DefaultsConfig, type Store } from '@kedge/core';
import { parseDomainConfig, type DomainEntry } from './domain.js';
import { parseGcConfig, type GcConfig } from './gc.js';

export interface ApiConfig {
  domain: DomainEntry[];
  defaults: DefaultsConfig;
  gc: GcConfig;
}

const INT_KEYS: [string, keyof DefaultsConfig][] = [
  ['revision-timeout-seconds', 'revisionTimeoutSeconds'],
  ['max-revision-timeout-seconds', 'maxRevisionTimeoutSeconds'],
  ['container-concurrency', 'containerConcurrency'],
  ['container-concurrency-max-limit', 'containerConcurrencyMaxLimit'],
];

/** config-defaults: integer keys over DEFAULTS_CONFIG; unparseable values keep the default. */
export function parseDefaults(data: Record<string, string> | undefined): DefaultsConfig {
  const out = { ...DEFAULTS_CONFIG };
  for (const [key, field] of INT_KEYS) {
    const v = data?.[key];
    if (v === undefined) continue;
    const n = Number(v);
    if (Number.isInteger(n)) (out as Record<string, unknown>)[field] = n;
  }
  return out;
}

/**
 * Knative's config-* ConfigMaps as the API sees them right now. Follows the Store, so applying
 * a ConfigMap changes domains, defaults and GC without a restart.
 */
export class LiveConfig {
  current: ApiConfig = { domain: parseDomainConfig(undefined), defaults: parseDefaults(undefined), gc: parseGcConfig(undefined) };
  private unwatch?: () => void;
  private readonly listeners = new Set<(name: string) => void>();

  constructor(private readonly store: Store) {}

  start(): void {
    this.unwatch = this.store.watch({ kind: 'ConfigMap', namespace: SYSTEM_NAMESPACE }, (ev) => {
      const cm = ev.object as ConfigMap;
      this.apply(cm.metadata.name, ev.type === 'DELETED' ? undefined : cm.data ?? {});
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
    switch (name) {
      case 'config-domain':
        this.current = { ...this.current, domain: parseDomainConfig(data) };
        break;
      case 'config-defaults':
        this.current = { ...this.current, defaults: parseDefaults(data) };
        break;
      case 'config-gc':
        this.current = { ...this.current, gc: parseGcConfig(data) };
        break;
      default:
        return;
    }
    for (const fn of this.listeners) fn(name);
  }
}
