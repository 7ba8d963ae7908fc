import { parse as parseYaml } from 'yaml';
import { FieldError, type FieldProblem } from '../errors.js';
import { dns1123SubdomainErrors } from '../resources/names.js';

/**
 * Knative's `config-domain` ConfigMap: each key is a domain, each value an optional YAML
 * label selector (`selector: {app: prod}`) naming the Routes that get it.
 */
export interface DomainConfig {
  /** domain → labels a Route must carry (empty = matches every Route). */
  domains: Record<string, Record<string, string>>;
}

/**
 * Kedge's domain when config-domain names none. Knative falls back to `svc.cluster.local`;
 * Kedge has no cluster, and `example.com` is what every Knative tutorial shows.
 */
export const DEFAULT_DOMAIN = 'example.com';
export const CLUSTER_LOCAL_DOMAIN = 'svc.cluster.local';
export const VISIBILITY_LABEL = 'networking.knative.dev/visibility';
export const VISIBILITY_CLUSTER_LOCAL = 'cluster-local';

export const DOMAIN_CONFIG: DomainConfig = { domains: { [DEFAULT_DOMAIN]: {} } };

export function parseDomainConfig(data: Record<string, string> | undefined): DomainConfig {
  const domains: Record<string, Record<string, string>> = {};
  const problems: FieldProblem[] = [];
  let hasDefault = false;
  for (const [domain, value] of Object.entries(data ?? {})) {
    if (domain === '_example') continue;
    const nameErrs = dns1123SubdomainErrors(domain);
    if (nameErrs.length > 0) {
      problems.push({ path: domain, message: `invalid key name ${JSON.stringify(domain)}: ${nameErrs.join('; ')}` });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = value && String(value).trim() ? parseYaml(String(value)) : {};
    } catch (err) {
      problems.push({ path: domain, message: `invalid value: ${value}: ${(err as Error).message.split('\n')[0]}` });
      continue;
    }
    const selector = (parsed as { selector?: unknown } | null)?.selector;
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      problems.push({ path: domain, message: `invalid value: ${value}: expected "selector: {label: value}"` });
      continue;
    }
    if (selector !== undefined && selector !== null && (typeof selector !== 'object' || Array.isArray(selector))) {
      problems.push({ path: domain, message: `invalid value: ${value}: selector must be a map of labels` });
      continue;
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries((selector as Record<string, unknown> | null) ?? {})) labels[k] = String(v);
    domains[domain] = labels;
    if (Object.keys(labels).length === 0) hasDefault = true;
  }
  if (problems.length > 0) throw new FieldError(problems);
  if (!hasDefault) domains[DEFAULT_DOMAIN] = {};
  return { domains };
}

type Labelled = { metadata?: { labels?: Record<string, string> } } | Record<string, string> | undefined;

function labelsOf(x: Labelled): Record<string, string> {
  if (!x) return {};
  const meta = (x as { metadata?: unknown }).metadata;
  if (meta && typeof meta === 'object') return (meta as { labels?: Record<string, string> }).labels ?? {};
  return x as Record<string, string>;
}

/**
 * The domain a Route gets: cluster-local visibility wins; otherwise the most specific selector
 * matching the Route's labels, ties going to the lexicographically smallest domain (Knative's
 * LookupDomainForLabels).
 */
export function domainFor(route: Labelled, config: DomainConfig = DOMAIN_CONFIG): string {
  const labels = labelsOf(route);
  if (labels[VISIBILITY_LABEL] === VISIBILITY_CLUSTER_LOCAL) return CLUSTER_LOCAL_DOMAIN;
  let best = '';
  let specificity = -1;
  for (const [domain, selector] of Object.entries(config.domains)) {
    const keys = Object.keys(selector);
    if (!keys.every((k) => labels[k] === selector[k])) continue;
    if (keys.length > specificity || (keys.length === specificity && domain < best)) {
      best = domain;
      specificity = keys.length;
    }
  }
  return best || DEFAULT_DOMAIN;
}

export function isClusterLocal(route: Labelled): boolean {
  return labelsOf(route)[VISIBILITY_LABEL] === VISIBILITY_CLUSTER_LOCAL;
}

/** Knative's default domain-template `{{.Name}}.{{.Namespace}}.{{.Domain}}`. */
export function routeHost(name: string, namespace: string, domain: string): string {
  return `${name}.${namespace}.${domain}`;
}

/** Knative's default tag-template `{{.Tag}}-{{.Name}}`, then the domain template. */
export function tagHost(tag: string, name: string, namespace: string, domain: string): string {
  return routeHost(`${tag}-${name}`, namespace, domain);
}

interface RouteLike {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
}

/** Route `status.url`: `http://{name}.{ns}.{domain}` (Kedge serves plain HTTP). */
export function routeUrl(route: RouteLike, config: DomainConfig = DOMAIN_CONFIG): string {
  return `http://${routeHost(route.metadata.name, route.metadata.namespace, domainFor(route, config))}`;
}

/** URL of a tagged traffic target: `http://{tag}-{name}.{ns}.{domain}`. */
export function tagUrl(tag: string, route: RouteLike, config: DomainConfig = DOMAIN_CONFIG): string {
  return `http://${tagHost(tag, route.metadata.name, route.metadata.namespace, domainFor(route, config))}`;
}

/** Route `status.address.url`: the cluster-internal address Knative always reports. */
export function routeAddressUrl(route: RouteLike): string {
  return `http://${routeHost(route.metadata.name, route.metadata.namespace, CLUSTER_LOCAL_DOMAIN)}`;
}
