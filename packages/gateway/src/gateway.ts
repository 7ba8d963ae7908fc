import {
  CLUSTER_TOKEN_HEADER,
  clusterTokenMatches,
  HOPS_HEADER,
  NETWORK_CONFIG,
  NETWORK_CONFIG_MAP,
  parseNetworkConfig,
  RequestTimeout,
  resourceKey,
  subjects,
  SYSTEM_NAMESPACE,
  type Bus,
  type Clock,
  type ConfigMap,
  type DecisionMessage,
  type DomainMapping,
  type Endpoint,
  type EndpointsMessage,
  type InstanceDispatcher,
  type Logger,
  type NodeHeartbeat,
  type Revision,
  type Route,
  type Secret,
  type Store,
  type Subscription,
  type TimerHandle,
} from '@kedge/core';
import {
  Activator,
  REPORT_INTERVAL_MS,
  type ActivatorOptions,
  type Lease,
  type RevisionState,
} from './activator/activator.js';
import { EndpointsRegistry } from './activator/endpoints.js';
import { ThrottlerError } from './activator/throttler.js';
import { ProxiedCall } from './forward/call.js';
import { upstreamRequestHeaders } from './forward/headers.js';
import { respond } from './forward/response.js';
import { FetchTransport } from './forward/fetch-transport.js';
import { NeverReachedError, type Transport, type UpstreamRequest } from './forward/transport.js';
import { UndiciTransport } from './forward/undici-transport.js';
import { GatewayMetrics } from './metrics.js';
import { KnownRevisions } from './routing/revisions.js';
import { DomainTable } from './routing/domains.js';
import { pickTarget, RouteTable, type RevisionRef, type RouteEntry } from './routing/table.js';
import { plainHttpAnswer } from './tls/http-protocol.js';
import { TlsSecrets, type TlsMaterial } from './tls/secrets.js';
import { ServerlessServiceStatusWriter } from './sks.js';
import { GatewayStatsPublisher } from './stats-publisher.js';

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

/** Local dispatchers signal "this instance is not here (any more)" with one of these error codes. */
/** The request on its way out, plus what the in-process path needs to avoid copying it. */
interface Upstream extends UpstreamRequest {
  original: Request;
  /** Whether a cancellation signal exists already (the local path does not create one). */
  hasSignal(): boolean;
}

const MAX_ATTEMPTS = 3;

/**
 * A runner refused a service-to-service call for want of a free slot (503 `NoFreeSlot`): gateways
 * that share an instance each count only their own requests, and a nested call waiting in the
 * instance's queue may wait on slots its own callers hold. It waits in the activator instead.
 */
class NoFreeSlotError extends Error {}

function serverTiming(held: NonNullable<Lease['held']>): string {
  const parts = [`activator;dur=${held.ms.toFixed(2)}`];
  if (held.pokeMs !== undefined) parts.push(`poke;dur=${held.pokeMs.toFixed(2)}`);
  return parts.join(', ');
}

function json(status: number, body: Record<string, unknown>, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...extra } });
}

function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { store, bus, clock, logger, id } = deps;
  const log = logger.child({ component: 'gateway', gateway: id });
  const table = new RouteTable();
  const domains = new DomainTable();
  const tlsSecrets = new TlsSecrets();
  let network = NETWORK_CONFIG;
  let httpsPort: number | undefined;
  const locals = new Map<string, InstanceDispatcher>((deps.localDispatchers ?? []).map((d) => [d.nodeId, d]));
  const clusterToken = deps.clusterToken || undefined;
  const transportOpts = clusterToken ? { clusterToken } : {};
  const transport: Transport =
    deps.transport ?? (isDeno() ? new FetchTransport(transportOpts) : new UndiciTransport(transportOpts));
  const nodeId = deps.nodeId ?? deps.localDispatchers?.[0]?.nodeId;
  let activator: Activator;
  const metrics = new GatewayMetrics(
    id,
    function* () {
      for (const s of activator.all()) yield [s.namespace, s.revision, s.throttler.held];
    },
    function* () {
      for (const s of activator.all()) yield [s.namespace, s.revision, s.forwardedLocal, s.forwardedRemote];
    },
  );
  const statsPublisher = new GatewayStatsPublisher({
    bus,
    logger: log,
    gatewayId: id,
    series: () => metrics.requestSeries.all(),
    now: () => clock.now(),
  });
  activator = new Activator(
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
  const known = new KnownRevisions({
    exists: async (ns, name) => (await store.get('Revision', ns, name)) !== undefined,
    logger: log,
  });
  const sks =
    deps.writeServerlessServiceStatus === false
      ? undefined
      : new ServerlessServiceStatusWriter({ store, clock, logger: log });
  const resync = () => bus.publish(subjects.endpointsResync, { gatewayId: id, time: clock.now() });
  const endpoints = new EndpointsRegistry(
    clock,
    (key, eps) => {
      activator.setEndpoints(key, eps);
      sks?.observe(key, eps.length);
    },
    (nodeId) => {
      log.info({ nodeId }, 'runner node is back; asking runners to resync endpoints');
      resync();
    },
    () => bus.connected(),
  );

  const subs: Subscription[] = [];
  const unwatch: (() => void)[] = [];
  const timers: TimerHandle[] = [];
  let started = false;

  function record(key: string, namespace: string, revision: string, code: number, startMs: number): void {
    metrics.request(key, namespace, revision, code, (performance.now() - startMs) / 1000);
  }

  /**
   * A runner answers 503 `{"error":"InstanceNotFound"}` when the instance is not (any more) on the
   * node: the request reached no instance, so it may go to another one. `NoFreeSlot` (a nested call
   * refused by a full instance) is tried again when the request has no body to resend. Other 503s
   * pass on as is.
   */
  async function instanceMissing(ep: Endpoint, res: Response, resendable: boolean): Promise<Response> {
    if (!res.headers.get('content-type')?.includes('json')) return res;
    const text = await res.text();
    let error: unknown;
    try {
      error = (JSON.parse(text) as { error?: unknown }).error;
    } catch {
      // not the runner's error shape
    }
    if (error === 'InstanceNotFound') throw new NeverReachedError(ep.instanceId, new Error(text));
    if (error === 'NoFreeSlot' && resendable) throw new NoFreeSlotError(text);
    return new Response(text, { status: res.status, headers: res.headers });
  }

  function sendOnce(ep: Endpoint, up: Upstream, proxied: boolean): Promise<Response> {
    const local = locals.get(ep.nodeId);
    if (!local) return transport.send(ep, up, proxied);
    let request = up.original;
    if (request.headers !== up.headers) {
      const init: RequestInit & { duplex?: 'half' } = { method: up.method, headers: up.headers, signal: up.signal };
      if (up.body) {
        init.body = up.body;
        init.duplex = 'half';
      }
      request = new Request(up.url, init);
    }
    return local.dispatch(
      { namespace: ep.namespace, revision: ep.revision, instanceId: ep.instanceId },
      request,
      up.hasSignal() ? { fromActivator: proxied, signal: up.signal } : { fromActivator: proxied },
    );
  }

  /** Inside the cluster: in-process callers, or a request presenting the cluster token (removed upstream). */
  function fromInside(req: Request, internal: boolean): boolean {
    if (internal) return true;
    const presented = req.headers.get(CLUSTER_TOKEN_HEADER);
    return presented !== null && clusterTokenMatches(presented, clusterToken);
  }

  async function handle(req: Request, info: ConnInfo | undefined, internal: boolean): Promise<Response> {
    const startMs = performance.now();
    const probe = req.headers.get('k-network-probe');
    if (probe === 'activator') return new Response('activator');
    const host = req.headers.get('host') ?? new URL(req.url).host;
    let entry = table.lookup(host);
    if (!entry) {
      const mapped = mappedDomain(host, req, info);
      if (mapped instanceof Response) {
        record('', '', '', mapped.status, startMs);
        return mapped;
      }
      entry = mapped;
    }
    // A cluster-local host does not exist for the outside: the same 404 as an unknown one.
    if (!entry || (entry.clusterLocal && !fromInside(req, internal))) {
      record('', '', '', 404, startMs);
      return json(404, { error: 'no route for this host', host });
    }
    const ref = pickTarget(entry);
    if (!ref) {
      record(`${entry.namespace}/`, entry.namespace, '', 503, startMs);
      return json(503, { error: 'route has no traffic targets', host, route: entry.route, namespace: entry.namespace });
    }
    if (known.isGone(ref.key) || (entry.revisionMissing && (await known.confirmGone(ref))))
      return revisionGone(ref, startMs);
    const s = activator.state(ref.namespace, ref.revision, ref.key);
    if (s.failure) {
      record(s.key, s.namespace, s.revision, 503, startMs);
      return json(503, {
        error: 'revision failed',
        namespace: s.namespace,
        revision: s.revision,
        reason: s.failure.reason,
        message: s.failure.message,
      });
    }
    // Only cluster-internal calls may say how many service-to-service hops came before.
    const foreignHops = req.headers.has(HOPS_HEADER) && !fromInside(req, internal);
    return proxy(req, info, s, startMs, foreignHops);
  }

  /** A DomainMapping's domain: its Route's routing, or the answer plain HTTP gets under http-protocol. */
  function mappedDomain(host: string, req: Request, info: ConnInfo | undefined): RouteEntry | Response | undefined {
    const d = domains.lookup(host);
    if (!d) return undefined;
    const refused = plainHttpAnswer(d, req, info?.secure === true, network.httpProtocol, httpsPort);
    return refused ?? table.routeEntry(d.namespace, d.route);
  }

  /**
   * The Route still names a revision that was deleted (its last good traffic): nothing will ever
   * serve it, so 503 now with Knative's wording rather than holding the request for the hold timeout.
   */
  function revisionGone(ref: RevisionRef, startMs: number): Response {
    record(ref.key, ref.namespace, ref.revision, 503, startMs);
    return json(503, {
      error: 'revision not found',
      namespace: ref.namespace,
      revision: ref.revision,
      reason: 'RevisionMissing',
      message: `Error getting active endpoint: revisions.serving.knative.dev "${ref.revision}" not found`,
    });
  }

  /** The activator's steps: wait for a slot on an instance, forward, pass the response on. */
  async function proxy(
    req: Request,
    info: ConnInfo | undefined,
    s: RevisionState,
    startMs: number,
    stripHops = false,
  ): Promise<Response> {
    const call = new ProxiedCall(req, clock, s);
    let answer: { res: Response; held: Lease['held'] };
    try {
      answer = await forward(upstreamOf(req, info, call, stripHops), s, call);
    } catch (err) {
      call.failed(err);
      return failure(err, s, startMs, req.signal.aborted);
    }
    call.responseStarted();
    record(s.key, s.namespace, s.revision, answer.res.status, startMs);
    if (answer.held?.cold) {
      statsPublisher.coldStart(s.key, s.namespace, s.revision, {
        time: clock.now(),
        holdMs: answer.held.ms,
        ...(answer.held.pokeMs !== undefined ? { pokeToReadyMs: answer.held.pokeMs } : {}),
        totalMs: performance.now() - startMs,
        status: answer.res.status,
      });
    }
    return respond(answer.res, answer.held ? serverTiming(answer.held) : undefined, info, call);
  }

  /**
   * Throttles and sends; an instance that turns out to be gone is left for another (MAX_ATTEMPTS),
   * and a call refused for want of a slot waits in the throttler again (no attempt used up).
   */
  async function forward(
    up: Upstream,
    s: RevisionState,
    call: ProxiedCall,
  ): Promise<{ res: Response; held: Lease['held'] }> {
    let held: Lease['held'];
    for (let attempt = 1; ; attempt++) {
      const lease =
        activator.tryAcquire(s) ??
        (await Promise.race([activator.acquire(s, s.timeoutSeconds * 1000, call.signal()), call.timedOut]));
      call.holding(lease);
      held ??= lease.held;
      try {
        const ep = lease.backend.endpoint;
        const pending = sendOnce(ep, up, lease.proxied);
        call.sending({ pending, lease });
        let res = await Promise.race([pending, call.timedOut]);
        if (res.status === 503) res = await Promise.race([instanceMissing(ep, res, up.body === null), call.timedOut]);
        call.sending(undefined);
        return { res, held };
      } catch (err) {
        call.sending(undefined);
        if (err instanceof NoFreeSlotError && lease.proxied && !call.timeout && !up.original.signal.aborted) {
          attempt--;
          call.holding(undefined);
          lease.release(true);
          continue;
        }
        if (
          !(err instanceof NeverReachedError) ||
          attempt >= MAX_ATTEMPTS ||
          call.timeout ||
          up.original.signal.aborted
        )
          throw err;
        log.debug({ err, revision: s.key, attempt }, 'instance unreachable, trying another');
        call.holding(undefined);
        lease.release();
        s.throttler.remove(lease.backend.endpoint.instanceId);
      }
    }
  }

  function upstreamOf(req: Request, info: ConnInfo | undefined, call: ProxiedCall, stripHops: boolean): Upstream {
    const method = req.method;
    const headers = upstreamRequestHeaders(req, info?.remoteAddress, req.url.startsWith('https:') ? 'https' : 'http');
    if (stripHops) headers.delete(HOPS_HEADER);
    return {
      method,
      url: req.url,
      headers,
      // Touching .body on a GET would make @hono/node-server build a full Request for nothing.
      body: method === 'GET' || method === 'HEAD' ? null : req.body,
      get signal() {
        return call.signal();
      },
      original: req,
      hasSignal: () => call.hasSignal(),
    };
  }

  function failure(err: unknown, s: RevisionState, startMs: number, clientGone: boolean): Response {
    const base = { namespace: s.namespace, revision: s.revision };
    let status: number;
    let body: Record<string, unknown>;
    if (err instanceof RequestTimeout) {
      status = 504;
      const reason = err.field === 'responseStartTimeoutSeconds' ? 'ResponseStartTimeout' : 'Timeout';
      body = { error: 'request timeout', ...base, reason, timeoutSeconds: err.seconds };
    } else if (err instanceof ThrottlerError) {
      status = err.reason === 'Aborted' ? 499 : 503;
      body = { error: err.message, ...base, reason: err.reason };
    } else if (clientGone) {
      // The client left (nginx's 499): the upstream error is the consequence, not a fault.
      status = 499;
      body = { error: 'client closed request', ...base };
      log.debug({ err, revision: s.key }, 'client left before the response');
    } else {
      status = 502;
      body = { error: 'upstream error', ...base, message: err instanceof Error ? err.message : String(err) };
      log.warn({ err, revision: s.key }, 'forwarding failed');
    }
    record(s.key, s.namespace, s.revision, status, startMs);
    return json(status, body);
  }

  return {
    fetch: (req, info) => handle(req, info, false),
    fetchInternal: (req, info) => handle(req, info, true),
    metrics: () => metrics.text(),
    tlsMaterial: (servername) => {
      const d = domains.lookup(servername);
      return d?.secretName ? tlsSecrets.get(d.namespace, d.secretName) : undefined;
    },
    setHttpsPort: (port) => {
      httpsPort = port;
    },
    inspect: () => ({
      hosts: table.hosts(),
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
    }),
    async start() {
      if (started) return;
      started = true;
      subs.push(
        bus.subscribe<EndpointsMessage>(subjects.endpointsAll, (m) => endpoints.apply(m.data)),
        bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => endpoints.heartbeat(m.data)),
        bus.subscribe<DecisionMessage>(subjects.decisionAll, (m) => activator.setDecision(m.data)),
      );
      unwatch.push(
        store.watch({ kind: 'Revision' }, (ev) => {
          const rev = ev.object as Revision;
          const key = resourceKey(rev.metadata.namespace, rev.metadata.name);
          if (ev.type === 'DELETED') {
            known.deleted(key);
            activator.deleteRevision(rev.metadata.namespace, rev.metadata.name);
          } else {
            known.added(key);
            activator.setRevision(rev);
          }
        }),
        store.watch({ kind: 'Route' }, (ev) => {
          if (ev.type === 'DELETED') table.remove(ev.object as Route);
          else table.upsert(ev.object as Route);
        }),
        store.watch({ kind: 'DomainMapping' }, (ev) => {
          const dm = ev.object as unknown as DomainMapping;
          if (ev.type === 'DELETED') domains.remove(dm);
          else domains.upsert(dm);
        }),
        store.watch({ kind: 'Secret' }, (ev) => tlsSecrets.observe(ev.type, ev.object as unknown as Secret)),
        store.watch({ kind: 'ConfigMap', namespace: SYSTEM_NAMESPACE }, (ev) => {
          if (ev.object.metadata.name !== NETWORK_CONFIG_MAP) return;
          try {
            network = ev.type === 'DELETED' ? NETWORK_CONFIG : parseNetworkConfig((ev.object as ConfigMap).data);
          } catch (err) {
            log.warn({ err: (err as Error).message }, 'config-network is invalid; keeping the previous http-protocol');
          }
        }),
      );
      if (sks) await sks.start();
      timers.push(
        clock.setInterval(() => activator.report(), REPORT_INTERVAL_MS),
        clock.setInterval(() => endpoints.expire(), 500),
        clock.setInterval(() => statsPublisher.flush(), REPORT_INTERVAL_MS),
      );
      // Runners re-announce their endpoints when a gateway appears, so a late gateway starts complete.
      resync();
      log.info({ nodeId, localNodes: [...locals.keys()] }, 'gateway started');
    },
    async stop() {
      if (!started) return;
      started = false;
      for (const t of timers.splice(0)) clock.clearInterval(t);
      for (const s of subs.splice(0)) s.unsubscribe();
      for (const u of unwatch.splice(0)) u();
      await sks?.stop();
      await transport.close();
    },
  };
}
