import { parse as parseYaml } from 'yaml';
import { labelSelectorMatcher } from '@kedge/core';

/** One entry of Knative's config-domain: a domain, optionally only for Routes whose labels match. */
export interface DomainEntry {
  domain: string;
  selector: Record<string, string>;
}

export const DEFAULT_DOMAIN = 'example.com';
export const CLUSTER_LOCAL_DOMAIN = 'svc.cluster.local';
export const VISIBILITY_LABEL = 'networking.knative.dev/visibility';

/**
 * Parses config-domain `data`: each key is a domain, each value empty or YAML `selector: {k: v}`.
 * Without any usable key Kedge uses example.com (Knative's shipped default).
 */
export function parseDomainConfig(data: Record<string, string> | undefined): DomainEntry[] {
  const entries: DomainEntry[] = [];
  for (const [domain, value] of Object.entries(data ?? {})) {
    if (domain.startsWith('_')) continue;
    let selector: Record<string, string> = {};
    try {
      const parsed = value?.trim() ? (parseYaml(value) as { selector?: Record<string, unknown> } | null) : null;
      for (const [k, v] of Object.entries(parsed?.selector ?? {})) selector[k] = String(v);
    } catch {
      selector = {};
    }
    entries.push({ domain, selector });
  }
  return entries.length ? entries : [{ domain: DEFAULT_DOMAIN, selector: {} }];
}

/**
 * Knative's rule: the entry with the most specific selector matching the Route's labels wins
 * (ties: lexicographically smallest domain); with no match the cluster-local domain is used;
 * `networking.knative.dev/visibility: cluster-local` always means cluster-local.
 */
export function domainFor(entries: DomainEntry[], labels: Record<string, string> | undefined): string {
  if (labels?.[VISIBILITY_LABEL] === 'cluster-local') return CLUSTER_LOCAL_DOMAIN;
  let best: DomainEntry | undefined;
  for (const e of entries) {
    const sel = Object.entries(e.selector).map(([k, v]) => `${k}=${v}`).join(',');
    if (!labelSelectorMatcher(sel)(labels)) continue;
    const n = Object.keys(e.selector).length;
    const bn = best ? Object.keys(best.selector).length : -1;
    if (!best || n > bn || (n === bn && e.domain < best.domain)) best = e;
  }
  return best ? best.domain : CLUSTER_LOCAL_DOMAIN;
}
