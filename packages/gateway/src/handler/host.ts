import { CLUSTER_TOKEN_HEADER, clusterTokenMatches, HOPS_HEADER } from '@kedge/core';
import type { Activator } from '../activator/activator.js';
import type { ConnInfo } from '../gateway.js';
import type { DomainTable } from '../routing/domains.js';
import type { KnownRevisions } from '../routing/revisions.js';
import { pickTarget, type RouteEntry, type RouteTable } from '../routing/table.js';
import type { StatsReporter } from '../stats-reporter.js';
import type { HttpProtocolPolicy } from '../tls/http-protocol.js';
import { noRoute, noTrafficTargets, revisionFailed, revisionGone } from './answers.js';
import type { ProxyHandler } from './proxy.js';

/**
 * The ingress half of the gateway: Host → Route (or a DomainMapping's domain) → a revision by the
 * traffic split, answering itself when there is nothing to send the request to; the rest goes to
 * the activator's handler.
 */
export class HostHandler {
  constructor(
    private readonly deps: {
      routes: RouteTable;
      domains: DomainTable;
      httpProtocol: HttpProtocolPolicy;
      known: KnownRevisions;
      activator: Activator;
      proxy: ProxyHandler;
      stats: StatsReporter;
      clusterToken: string | undefined;
    },
  ) {}

  /** `internal`: from inside the cluster by construction (an in-process caller). */
  async handle(req: Request, info: ConnInfo | undefined, internal: boolean): Promise<Response> {
    const startMs = performance.now();
    const probe = req.headers.get('k-network-probe');
    if (probe === 'activator') return new Response('activator');
    const { stats, activator } = this.deps;
    const host = req.headers.get('host') ?? new URL(req.url).host;
    let entry = this.deps.routes.lookup(host);
    if (!entry) {
      const mapped = this.mappedDomain(host, req, info);
      if (mapped instanceof Response) {
        stats.answered('', '', '', mapped.status, startMs);
        return mapped;
      }
      entry = mapped;
    }
    // A cluster-local host does not exist for the outside: the same 404 as an unknown one.
    if (!entry || (entry.clusterLocal && !this.fromInside(req, internal))) {
      stats.answered('', '', '', 404, startMs);
      return noRoute(host);
    }
    const ref = pickTarget(entry);
    if (!ref) {
      stats.answered(`${entry.namespace}/`, entry.namespace, '', 503, startMs);
      return noTrafficTargets(host, entry);
    }
    const { known } = this.deps;
    // The Route still names a revision that was deleted (its last good traffic): nothing will ever
    // serve it, so 503 now rather than holding the request for the hold timeout.
    if (known.isGone(ref.key) || (entry.revisionMissing && (await known.confirmGone(ref)))) {
      stats.answered(ref.key, ref.namespace, ref.revision, 503, startMs);
      return revisionGone(ref);
    }
    const s = activator.state(ref.namespace, ref.revision, ref.key);
    if (s.failure) {
      stats.answered(s.key, s.namespace, s.revision, 503, startMs);
      return revisionFailed(s, s.failure);
    }
    // Only cluster-internal calls may say how many service-to-service hops came before.
    const foreignHops = req.headers.has(HOPS_HEADER) && !this.fromInside(req, internal);
    return this.deps.proxy.proxy(req, info, s, startMs, foreignHops);
  }

  /** A DomainMapping's domain: its Route's routing, or the answer plain HTTP gets under http-protocol. */
  private mappedDomain(host: string, req: Request, info: ConnInfo | undefined): RouteEntry | Response | undefined {
    const d = this.deps.domains.lookup(host);
    if (!d) return undefined;
    return (
      this.deps.httpProtocol.answer(d, req, info?.secure === true) ?? this.deps.routes.routeEntry(d.namespace, d.route)
    );
  }

  /** Inside the cluster: in-process callers, or a request presenting the cluster token (removed upstream). */
  private fromInside(req: Request, internal: boolean): boolean {
    if (internal) return true;
    const presented = req.headers.get(CLUSTER_TOKEN_HEADER);
    return presented !== null && clusterTokenMatches(presented, this.deps.clusterToken);
  }
}
