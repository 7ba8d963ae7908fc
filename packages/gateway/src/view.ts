import type { Activator } from './activator/activator.js';
import type { DomainTable } from './routing/domains.js';
import type { RouteTable } from './routing/table.js';

export interface GatewayView {
  hosts: string[];
  /** Domains of DomainMappings being served. */
  domains: string[];
  revisions: {
    key: string;
    mode: 'Proxy' | 'Serve';
    endpoints: number;
    /** Of those, on this gateway's node. */
    localEndpoints: number;
    held: number;
    inFlight: number;
    failed?: string;
  }[];
}

export function gatewayView(routes: RouteTable, domains: DomainTable, activator: Activator): GatewayView {
  return {
    hosts: routes.hosts(),
    domains: domains.domains(),
    revisions: [...activator.all()].map((s) => ({
      key: s.key,
      mode: s.mode,
      endpoints: s.throttler.size,
      localEndpoints: s.throttler.localSize,
      held: s.throttler.held,
      inFlight: s.throttler.list().reduce((n, b) => n + b.inFlight, 0),
      ...(s.failure ? { failed: s.failure.reason } : {}),
    })),
  };
}
