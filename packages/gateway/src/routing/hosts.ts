import type { Route } from '@kedge/core';

/** Host names compare case-insensitively and without a port (`Host: a.b.example.com:8080`). */
export function normalizeHost(host: string | null | undefined): string {
  if (!host) return '';
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return normalizeHost(new URL(url).host) || undefined;
  } catch {
    return undefined;
  }
}

/** The route's external host (status.url), or undefined while the route has none. */
export function routeHost(route: Route): string | undefined {
  return hostOf(route.status?.url);
}

/**
 * Host of a tagged target: status.traffic[].url when the API filled it in, else Knative's default
 * tag-template `{tag}-{name}` applied to the route's host (`{tag}-{name}.{ns}.{domain}`).
 */
export function tagHost(route: Route, tag: string, url?: string): string | undefined {
  const fromStatus = hostOf(url);
  if (fromStatus) return fromStatus;
  const host = routeHost(route);
  if (!host) return undefined;
  const { name } = route.metadata;
  return host.startsWith(`${name}.`) ? `${tag}-${host}` : undefined;
}

/** Whether a (normalized) host is a cluster-local name: `*.svc` or `*.svc.cluster.local`. */
export function isClusterLocalHost(host: string): boolean {
  return host.endsWith('.svc') || host.endsWith('.svc.cluster.local');
}

/** Cluster-local names of a route (and of a tag of it): `{name}.{ns}.svc.cluster.local` and `{name}.{ns}.svc`. */
export function clusterLocalHosts(route: Route, tag?: string): string[] {
  const name = tag ? `${tag}-${route.metadata.name}` : route.metadata.name;
  const base = `${name}.${route.metadata.namespace}.svc`.toLowerCase();
  const hosts = [base, `${base}.cluster.local`];
  if (!tag) {
    const addr = hostOf(route.status?.address?.url);
    if (addr && !hosts.includes(addr)) hosts.push(addr);
  }
  return hosts;
}
