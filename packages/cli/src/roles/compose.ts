import { createApi, guardFetch } from '@kedge/api';
import { createAutoscaler } from '@kedge/autoscaler';
import { connInfoOf, createAdminApp, createGateway, sniCallback } from '@kedge/gateway';
import { createRunner, type Runner } from '@kedge/runner';
import {
  advertisedUrl,
  systemClock,
  type Clock,
  type ComponentHeartbeat,
  type ListenAddress,
  type Logger,
} from '@kedge/core';
import { isLoopback, serveFetch, type Served } from '../serve.js';
import { loadOrCreateTlsIdentity } from '../tls.js';
import type { Backends } from './backends.js';
import { ClusterView } from './cluster-view.js';
import { GatewayDirectory } from './gateway-directory.js';
import { countRestart, startComponentHeartbeat } from './heartbeat.js';

export type RoleName = ComponentHeartbeat['role'];
export const ROLES: readonly RoleName[] = ['api', 'gateway', 'runner', 'autoscaler'];

/** What each listener binds by default, for `kedge up` and the single-role commands alike. */
export const DEFAULT_PORTS = { gateway: 8080, api: 8090, runner: 8012, admin: 9090 } as const;
/** `https`: the gateway's TLS listener for DomainMappings, only when its port is given (no default). */
export type ListenerName = keyof typeof DEFAULT_PORTS | 'https';

/** How long a stopping gateway lets its in-flight requests finish (Knative drains for 30 s; ours are short). */
export const GATEWAY_DRAIN_MS = 10_000;

export interface ComposeOptions {
  /** The roles this process runs: all four for `kedge up`, one for `kedge <role>`. */
  roles: readonly RoleName[];
  backends: Backends;
  logger: Logger;
  clock?: Clock;
  /** The machine; a runner's id and part of every other role's default id. */
  nodeId: string;
  /** Role instance ids (default `<role>-<nodeId>`, the runner's is the node id). */
  ids?: Partial<Record<RoleName, string>>;
  /** Restart counts and the runner's compiled modules and blobs. */
  dataDir: string;
  host: string;
  /** Listener ports (DEFAULT_PORTS where absent; 0 = any free port). */
  ports?: Partial<Record<ListenerName, number>>;
  /** `--listen HOST:PORT` per listener: overrides host and port (docs/gateway.md, *Listening*). */
  listen?: Partial<Record<ListenerName, ListenAddress>>;
  /**
   * The URL other nodes reach the runner's entry / the gateway at, announced on the bus. Default:
   * the bound address, or the machine's first non-internal IPv4 for a wildcard bind.
   */
  advertise?: Partial<Record<'runner' | 'gateway', string>>;
  /** The cluster's API token: API writes need it, runners serve only gateways that present it. */
  token?: string;
  /** Where the API's TLS certificate lives (kubectl reaches the API over https). */
  tlsDir: string;
  /** runner: most instances this node hosts. */
  capacity?: number;
  /** runner without a gateway in this process: where guests' cluster-local calls go (default: announced ones). */
  gatewayUrl?: string;
  /** autoscaler: how long it waits for peers and nodes to announce themselves before placing. */
  discoveryMs?: number;
}

export interface Composed {
  ids: Record<RoleName, string>;
  /** What this process listens on, by listener name. */
  urls: Partial<Record<ListenerName, string>>;
  /** Graceful: no new requests, in-flight ones finish, the runner drains, then the backends close. */
  stop(): Promise<void>;
}

type Fetch = (req: Request) => Promise<Response>;

/**
 * Starts the given roles in this process, wired to each other where they share it (the gateway
 * dispatches to the local runner in process; the runner's guests call the local gateway in process),
 * with one start order, one readiness and one stop order whatever the mix: `kedge up` and the
 * single-role commands both come through here.
 */
export async function composeRoles(opts: ComposeOptions): Promise<Composed> {
  const has = (role: RoleName) => opts.roles.includes(role);
  const clock = opts.clock ?? systemClock;
  const { bus, store } = opts.backends;
  const ids = roleIds(opts.nodeId, opts.ids);
  const log = (role: RoleName) => opts.logger.child({ role, id: ids[role] });
  const at = (name: keyof typeof DEFAULT_PORTS): ListenAddress =>
    opts.listen?.[name] ?? { host: opts.host, port: opts.ports?.[name] ?? DEFAULT_PORTS[name] };
  // What other machines dial: a wildcard bind is not an address.
  const advertised = (name: 'runner' | 'gateway') => {
    const served = listeners.get(name);
    return served ? advertisedUrl(at(name).host, served.port, opts.advertise?.[name]) : undefined;
  };
  if ((has('runner') || has('gateway')) && !opts.token)
    throw new Error(
      `--token-file: the ${has('runner') ? 'runner' : 'gateway'} role needs the cluster's token ` +
        "(a runner's HTTP entry serves only gateways that present it): " +
        "pass the api role's token file with --token-file, or set KEDGE_TOKEN",
    );
  const token = opts.token ?? '';

  const listeners = new Map<ListenerName, Served>();
  const roleStops: { role: RoleName; stop: () => Promise<void> }[] = [];
  const afterStops: (() => void)[] = [];
  let ready = false;
  let beats: { stop(): void; beat(): void }[] = [];
  const listen = async (
    name: keyof typeof DEFAULT_PORTS,
    flag: string,
    fetch: (req: Request, env: unknown) => Promise<Response> | Response,
    tls?: Parameters<typeof serveFetch>[5],
  ) => {
    const { host, port } = at(name);
    const served = await serveFetch(name, flag, fetch, port, host, tls);
    listeners.set(name, served);
    return served;
  };

  let stopped: Promise<void> | undefined;
  const shutdown = () =>
    (stopped ??= (async () => {
      ready = false;
      // A last beat says NotReady, so `kedge get components` shows a stopping role at once.
      for (const b of beats) b.beat();
      // No new requests; those in flight get the drain period.
      await Promise.all(
        ['gateway', 'https'].map((name) => listeners.get(name as ListenerName)?.close(GATEWAY_DRAIN_MS)),
      );
      for (const name of ['api', 'admin'] as const) await listeners.get(name)?.close();
      // Reverse start order. The runner drains while its HTTP entry still answers the requests that
      // remote gateways have in flight there (it refuses new ones, so they go elsewhere).
      for (const { role, stop } of [...roleStops].reverse()) {
        opts.logger.debug({ role }, 'stopping');
        await stop().catch((err) => opts.logger.error({ err, role }, 'stop failed'));
      }
      await listeners.get('runner')?.close();
      for (const b of beats) b.stop();
      for (const stop of afterStops) stop();
      await opts.backends.close().catch((err) => opts.logger.error({ err }, 'closing the backends failed'));
    })());

  try {
    // The runner's HTTP entry opens first: its address is part of every endpoint it announces.
    let runnerFetch: Fetch | undefined;
    const runnerEntry = has('runner')
      ? await listen('runner', '--runner-port', (req) =>
          runnerFetch ? runnerFetch(req) : Response.json({ error: 'starting' }, { status: 503 }),
        )
      : undefined;
    // Guests' cluster-local calls go to this process's gateway in process when it has one.
    let localGateway: Fetch | undefined;
    const runner = runnerEntry
      ? createRunnerRole(
          opts,
          clock,
          log('runner'),
          ids.runner,
          advertised('runner')!,
          token,
          () => localGateway,
          afterStops,
        )
      : undefined;
    if (runner) runnerFetch = (req) => runner.fetch(req);
    const autoscaler = has('autoscaler')
      ? createAutoscaler({
          store,
          bus,
          clock,
          logger: log('autoscaler'),
          id: ids.autoscaler,
          ...(opts.discoveryMs !== undefined ? { discoveryMs: opts.discoveryMs } : {}),
        })
      : undefined;
    const gateway = has('gateway')
      ? createGateway({
          store,
          bus,
          clock,
          logger: log('gateway'),
          id: ids.gateway,
          // Local-first routing prefers this machine's instances (docs/gateway.md).
          nodeId: opts.nodeId,
          clusterToken: token,
          localDispatchers: runner ? [runner.dispatcher] : [],
        })
      : undefined;
    if (gateway) localGateway = (req) => gateway.fetchInternal(req);
    const api = has('api') ? createApi({ store, bus, clock, logger: log('api') }) : undefined;

    // Listeners of the bus first, so the runner's first heartbeat and endpoints reach them.
    if (autoscaler) await startPart(roleStops, 'autoscaler', autoscaler);
    if (gateway) await startPart(roleStops, 'gateway', gateway);
    if (runner) await startPart(roleStops, 'runner', runner);
    if (api) {
      // The cluster view answers `kedge get components|nodes` from the heartbeats.
      const view = new ClusterView({ bus, clock });
      view.start();
      afterStops.push(() => view.stop());
      await startPart(roleStops, 'api', api);
      // The guard is outermost: the cluster view's paths get the same Host/Origin/token checks.
      const apiHost = at('api').host;
      const guarded = guardFetch(
        { token, hosts: [apiHost], authenticateReads: !isLoopback(apiHost) },
        view.wrap((req) => api.fetch(req)),
      );
      await listen('api', '--api-port', guarded, await loadOrCreateTlsIdentity(opts.tlsDir, [apiHost]));
    }
    if (gateway) {
      await listen('gateway', '--http-port', (req, env) => gateway.fetch(req, connInfoOf(env)));
      // Where the gateway listens, unless told otherwise (`--https-port` gives only the port).
      const httpsAt =
        opts.listen?.https ??
        (opts.ports?.https !== undefined ? { host: at('gateway').host, port: opts.ports.https } : undefined);
      if (httpsAt) {
        // TLS for mapped domains: each connection's certificate is picked by its server name (SNI).
        const handler = (req: Request, env: unknown) => gateway.fetch(req, connInfoOf(env));
        const sni = { SNICallback: sniCallback(gateway) };
        const secure = await serveFetch('gateway', '--https-port', handler, httpsAt.port, httpsAt.host, undefined, sni);
        listeners.set('https', secure);
        gateway.setHttpsPort(secure.port);
      }
      const admin = createAdminApp(gateway);
      await listen('admin', '--admin-port', (req, env) => admin.fetch(req, env));
    }
    ready = true;
    // The autoscaler publishes its own heartbeat (it knows its own readiness); two publishers for
    // one role/id would make `kedge get components` flap.
    beats = opts.roles
      .filter((role) => role !== 'autoscaler')
      .map((role) =>
        startComponentHeartbeat({
          bus,
          clock,
          logger: log(role),
          role,
          id: ids[role],
          nodeId: opts.nodeId,
          restarts: countRestart(opts.dataDir, role, ids[role]),
          ready: () => ready,
          // Runner processes send their guests' service-to-service calls to the gateways they hear of.
          ...(role === 'gateway' ? { url: () => advertised('gateway') } : {}),
        }),
      );
  } catch (err) {
    await shutdown();
    throw err;
  }
  const urls: Partial<Record<ListenerName, string>> = {};
  for (const [name, served] of listeners) urls[name] = served.url;
  return { ids, urls, stop: shutdown };
}

function roleIds(nodeId: string, given: Partial<Record<RoleName, string>> = {}): Record<RoleName, string> {
  const ids = {} as Record<RoleName, string>;
  for (const role of ROLES) ids[role] = given[role] ?? (role === 'runner' ? nodeId : `${role}-${nodeId}`);
  return ids;
}

async function startPart(
  stops: { role: RoleName; stop: () => Promise<void> }[],
  role: RoleName,
  part: { start(): Promise<void>; stop(): Promise<void> },
) {
  await part.start();
  stops.push({ role, stop: () => part.stop() });
}

function createRunnerRole(
  opts: ComposeOptions,
  clock: Clock,
  logger: Logger,
  nodeId: string,
  url: string,
  token: string,
  localGateway: () => Fetch | undefined,
  afterStops: (() => void)[],
): Runner {
  const { bus, store } = opts.backends;
  let gatewayUrl: string | (() => string | undefined) | undefined = opts.gatewayUrl;
  if (!gatewayUrl && !opts.roles.includes('gateway')) {
    // Alone on this node: the gateways announce themselves on the bus, this node's first.
    const gateways = new GatewayDirectory({ bus, clock, nodeId });
    gateways.start();
    afterStops.push(() => gateways.stop());
    gatewayUrl = () => gateways.pick();
  }
  return createRunner({
    store,
    bus,
    clock,
    logger,
    nodeId,
    url,
    dataDir: opts.dataDir,
    // The runner's HTTP entry serves only gateways that present it; guests' cluster-local calls carry it.
    clusterToken: token,
    ...(gatewayUrl
      ? { gatewayUrl }
      : {
          gatewayFetch: (req: Request) =>
            localGateway()?.(req) ?? Promise.resolve(Response.json({ error: 'gateway not started' }, { status: 503 })),
        }),
    ...(opts.capacity !== undefined ? { capacity: opts.capacity } : {}),
  });
}
