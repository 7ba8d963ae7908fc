import type { Bus, Clock, InstanceDispatcher, Logger, Store } from '@kedge/core';
import { Activator, type ActivatorOptions } from './activator/activator.js';
import { EndpointsWatcher } from './activator/endpoints-watcher.js';
import { defaultTransport, InstanceSender } from './forward/sender.js';
import type { Transport } from './forward/transport.js';
import { HostHandler } from './handler/host.js';
import { ProxyHandler } from './handler/proxy.js';
import { watchResources } from './informers.js';
import { GatewayMetrics } from './metrics.js';
import { DomainTable } from './routing/domains.js';
import { KnownRevisions } from './routing/revisions.js';
import { RouteTable } from './routing/table.js';
import { GatewayStatsPublisher } from './stats-publisher.js';
import { StatsReporter } from './stats-reporter.js';
import { HttpProtocolPolicy } from './tls/http-protocol.js';
import { TlsSecrets, type TlsMaterial } from './tls/secrets.js';
import { gatewayView, type GatewayView } from './view.js';

export type { GatewayView } from './view.js';

export interface GatewayDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  id: string;
  /**
   * The machine this gateway runs on. Ready instances of runners with the same node id are used
   * first, others only when those are saturated or absent; pokes ask for cold starts here.
   * Default: the node of the first local dispatcher, if any.
   */
  nodeId?: string;
  /** Runners in this process: their instances are called directly instead of over HTTP. */
  localDispatchers?: InstanceDispatcher[];
  activator?: ActivatorOptions;
  /** How requests reach remote runners (default: undici pools on Node, fetch on Deno). */
  transport?: Transport;
  /** Write ServerlessService status (readyEndpoints, Ready) from what this gateway sees (default true). */
  writeServerlessServiceStatus?: boolean;
  /**
   * The cluster's shared secret: sent to remote runners (their HTTP entry requires it), and a
   * request presenting it in `kedge-cluster-token` counts as from inside the cluster (it reaches
   * cluster-local hosts). Without it, only fetchInternal() reaches cluster-local hosts.
   */
  clusterToken?: string;
}

export interface ConnInfo {
  remoteAddress?: string;
  /**
   * Registers a callback for when the server has finished sending the response (or the
   * connection closed). With it the gateway hands the instance's Response to the server untouched
   * and keeps the instance's slot until then; without it, it wraps the body to find the end.
   */
  onDone?: (fn: () => void) => void;
  /** The request came over TLS (config-network's http-protocol applies to the others). */
  secure?: boolean;
}

export interface Gateway {
  /** A request from outside the cluster: cluster-local hosts answer 404 unless it carries the cluster token. */
  fetch(req: Request, info?: ConnInfo): Promise<Response>;
  /** A request from inside the cluster (a co-located runner's guest calling another service): every host answers. */
  fetchInternal(req: Request, info?: ConnInfo): Promise<Response>;
  metrics(): Promise<string>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Routing table size and per-revision view, for `kedge` status output and tests. */
  inspect(): GatewayView;
  /** The certificate for a TLS server name (SNI): the Secret of the DomainMapping of that domain. */
  tlsMaterial(servername: string): TlsMaterial | undefined;
  /** Where the HTTPS listener is, for http→https redirects (config-network http-protocol: Redirected). */
  setHttpsPort(port: number | undefined): void;
}

/** The activator and the metrics that read its per-revision state and count its cold starts and holds. */
function instrumentedActivator(
  deps: GatewayDeps,
  log: Logger,
  nodeId: string | undefined,
): { activator: Activator; metrics: GatewayMetrics } {
  const { bus, clock, id } = deps;
  const metrics: GatewayMetrics = new GatewayMetrics(
    id,
    function* () {
      for (const s of activator.all()) yield [s.namespace, s.revision, s.throttler.held];
    },
    function* () {
      for (const s of activator.all()) yield [s.namespace, s.revision, s.forwardedLocal, s.forwardedRemote];
    },
  );
  const activator: Activator = new Activator(
    {
      bus,
      clock,
      logger: log,
      id,
      ...(nodeId !== undefined ? { nodeId } : {}),
      events: {
        coldStart: (s) => metrics.coldStarts.inc({ namespace: s.namespace, revision: s.revision }),
        held: (s, ms) => metrics.held.observe({ namespace: s.namespace, revision: s.revision }, ms / 1000),
      },
    },
    deps.activator,
  );
  return { activator, metrics };
}

/**
 * The gateway: Knative's ingress (Host → Route → revision) and activator in one process. This only
 * composes the parts; each takes what it needs.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const { store, bus, clock, logger, id } = deps;
  const log = logger.child({ component: 'gateway', gateway: id });
  const locals = new Map<string, InstanceDispatcher>((deps.localDispatchers ?? []).map((d) => [d.nodeId, d]));
  const nodeId = deps.nodeId ?? deps.localDispatchers?.[0]?.nodeId;
  const clusterToken = deps.clusterToken || undefined;
  const sender = new InstanceSender(locals, deps.transport ?? defaultTransport(clusterToken));
  const { activator, metrics } = instrumentedActivator(deps, log, nodeId);
  const routes = new RouteTable();
  const domains = new DomainTable();
  const tlsSecrets = new TlsSecrets();
  const httpProtocol = new HttpProtocolPolicy(log);
  const known = new KnownRevisions({
    exists: async (ns, name) => (await store.get('Revision', ns, name)) !== undefined,
    logger: log,
  });
  const publisher = new GatewayStatsPublisher({
    bus,
    logger: log,
    gatewayId: id,
    series: () => metrics.requestSeries.all(),
    now: () => clock.now(),
  });
  const stats = new StatsReporter({ clock, metrics, publisher, activator });
  const endpoints = new EndpointsWatcher({
    bus,
    store,
    clock,
    logger: log,
    gatewayId: id,
    activator,
    writeServerlessServiceStatus: deps.writeServerlessServiceStatus !== false,
  });
  const proxy = new ProxyHandler({ clock, logger: log, activator, sender, stats });
  const hosts = new HostHandler({ routes, domains, httpProtocol, known, activator, proxy, stats, clusterToken });
  let unwatch: (() => void) | undefined;

  return {
    fetch: (req, info) => hosts.handle(req, info, false),
    fetchInternal: (req, info) => hosts.handle(req, info, true),
    metrics: () => metrics.text(),
    tlsMaterial: (servername) => {
      const d = domains.lookup(servername);
      return d?.secretName ? tlsSecrets.get(d.namespace, d.secretName) : undefined;
    },
    setHttpsPort: (port) => {
      httpProtocol.httpsPort = port;
    },
    inspect: () => gatewayView(routes, domains, activator),
    async start() {
      if (unwatch) return;
      unwatch = watchResources(store, { activator, known, routes, domains, tlsSecrets, httpProtocol });
      await endpoints.start();
      stats.start();
      endpoints.resync();
      log.info({ nodeId, localNodes: [...locals.keys()] }, 'gateway started');
    },
    async stop() {
      if (!unwatch) return;
      stats.stop();
      unwatch();
      unwatch = undefined;
      await endpoints.stop();
      await sender.close();
    },
  };
}
