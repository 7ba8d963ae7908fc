import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createApi, guardFetch } from '@kedge/api';
import { createAutoscaler } from '@kedge/autoscaler';
import { connInfoOf, createAdminApp, createGateway } from '@kedge/gateway';
import { createRunner } from '@kedge/runner';
import { systemClock, type Clock, type ComponentHeartbeat, type Logger } from '@kedge/core';
import { isLoopback, serveFetch, type Served } from '../serve.js';
import { loadOrCreateTlsIdentity } from '../tls.js';
import { serverToken } from '../token.js';
import { connectBackends, type Backends } from './backends.js';
import { ClusterView } from './cluster-view.js';
import { GatewayDirectory } from './gateway-directory.js';
import { countRestart, startComponentHeartbeat } from './heartbeat.js';

export type RoleName = ComponentHeartbeat['role'];
export const ROLES: readonly RoleName[] = ['api', 'gateway', 'runner', 'autoscaler'];

export interface RoleOptions {
  role: RoleName;
  /** NATS URL(s); required: separate role processes meet only on NATS. */
  nats: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  /**
   * The cluster's API token, shared by every role (`KEDGE_TOKEN` or `--token-file`). When absent,
   * the api role makes one in `<dataDir>/token`; other roles run without it.
   */
  token?: string;
  /** File holding the token (created by the api role when missing). */
  tokenFile?: string;
  /** This role instance's id (default `<hostname>-<pid>`); keep it stable to count restarts. */
  id?: string;
  /** The machine this role runs on; a runner's node id (default `<hostname>-<pid>`). */
  nodeId?: string;
  /** Default `.kedge/<role>-<id>`: restart count, blob cache, the runner's compiled modules. */
  dataDir?: string;
  host?: string;
  /** gateway: request port (default 8080). */
  httpPort?: number;
  /** gateway: Prometheus /metrics port (default 9090). */
  adminPort?: number;
  /** api: REST port (default 8090). */
  apiPort?: number;
  /** runner: HTTP entry for remote gateways (default 8012). */
  runnerPort?: number;
  /** runner: most instances this node hosts. */
  capacity?: number;
  /**
   * runner: the gateway its guests' service-to-service calls go to. Default: one the runner learns
   * of from the gateways' heartbeats, on its own node first.
   */
  gatewayUrl?: string;
  logger: Logger;
  clock?: Clock;
}

export interface RunningRole {
  role: RoleName;
  id: string;
  nodeId: string;
  /** What it listens on, by name (gateway, admin, api, runner). */
  urls: Record<string, string>;
  backends: Backends;
  /** The cluster's token as this role knows it (see RoleOptions.token). */
  token?: string;
  stop(): Promise<void>;
}

/** Starts one Kedge role in this process on NATS (`kedge api|gateway|runner|autoscaler --nats …`). */
export async function startRole(opts: RoleOptions): Promise<RunningRole> {
  if (!opts.nats) throw new Error('--nats: a NATS URL is required to run a single role (e.g. nats://127.0.0.1:4222), or set KEDGE_NATS_URL');
  const clock = opts.clock ?? systemClock;
  const nodeId = opts.nodeId ?? `${hostname()}-${process.pid}`;
  const id = opts.id ?? (opts.role === 'runner' ? nodeId : `${opts.role}-${nodeId}`);
  const dataDir = resolve(opts.dataDir ?? join('.kedge', `${opts.role}-${id}`));
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger.child({ role: opts.role, id });
  const restarts = countRestart(dataDir, opts.role, id);
  const token =
    opts.token ??
    (await serverToken({
      ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
      ...(opts.role === 'api' ? { dataDir } : {}),
      create: opts.role === 'api',
    }));
  // Runners serve only gateways that present the cluster's token, so both need it (docs/nats.md).
  if ((opts.role === 'runner' || opts.role === 'gateway') && !token)
    throw new Error(
      `--token-file: the ${opts.role} role needs the cluster's token (a runner's HTTP entry serves only gateways that present it): ` +
        "pass the api role's token file with --token-file, or set KEDGE_TOKEN",
    );

  const backends = await connectBackends({
    nats: opts.nats,
    ...(opts.natsUser !== undefined ? { natsUser: opts.natsUser } : {}),
    ...(opts.natsPassword !== undefined ? { natsPassword: opts.natsPassword } : {}),
    ...(opts.natsToken !== undefined ? { natsToken: opts.natsToken } : {}),
    dataDir,
    name: `kedge-${opts.role}-${id}`,
    logger,
    clock,
  });
  const { bus, store } = backends;
  const served: Served[] = [];
  const stops: (() => Promise<void> | void)[] = [];
  const urls: Record<string, string> = {};
  let ready = false;
  let heartbeat: { stop(): void; beat(): void } | undefined;

  const shutdown = async () => {
    ready = false;
    // A last beat says NotReady, so `kedge get components` shows a stopping role at once.
    heartbeat?.beat();
    heartbeat?.stop();
    // Listeners first (no new work), then the role (a runner drains), then the connection.
    for (const s of served) await s.close().catch((err) => logger.error({ err }, 'close failed'));
    for (const stop of [...stops].reverse()) await Promise.resolve(stop()).catch((err) => logger.error({ err }, 'stop failed'));
    await backends.close().catch((err) => logger.error({ err }, 'closing NATS failed'));
  };

  try {
    switch (opts.role) {
      case 'api': {
        const api = createApi({ store, bus, clock, logger });
        const view = new ClusterView({ bus, clock });
        view.start();
        stops.push(() => view.stop());
        await api.start();
        stops.push(() => api.stop());
        const guarded = guardFetch({ token: token!, hosts: [host], authenticateReads: !isLoopback(host) }, view.wrap((req) => api.fetch(req)));
        // The certificate sits beside a shared token file, so `kedge config kubeconfig --token-file` finds both.
        const sharedFile = opts.tokenFile ?? process.env.KEDGE_TOKEN_FILE;
        const tls = await loadOrCreateTlsIdentity(sharedFile ? dirname(resolve(sharedFile)) : dataDir, [host]);
        const s = await serveFetch('api', '--api-port', guarded, opts.apiPort ?? 8090, host, tls);
        served.push(s);
        urls.api = s.url;
        break;
      }
      case 'gateway': {
        const gateway = createGateway({ store, bus, clock, logger, id, clusterToken: token! });
        await gateway.start();
        stops.push(() => gateway.stop());
        const s = await serveFetch('gateway', '--http-port', (req, env) => gateway.fetch(req, connInfoOf(env)), opts.httpPort ?? 8080, host);
        served.push(s);
        urls.gateway = s.url;
        const adminApp = createAdminApp(gateway);
        const admin = await serveFetch('admin', '--admin-port', (req, env) => adminApp.fetch(req, env), opts.adminPort ?? 9090, host);
        served.push(admin);
        urls.admin = admin.url;
        break;
      }
      case 'runner': {
        // The HTTP entry opens first: its address is part of every endpoint the runner announces.
        let runnerFetch: ((req: Request) => Promise<Response>) | undefined;
        const s = await serveFetch(
          'runner',
          '--runner-port',
          (req) => (runnerFetch ? runnerFetch(req) : new Response('{"error":"starting"}', { status: 503 })),
          opts.runnerPort ?? 8012,
          host,
        );
        served.push(s);
        urls.runner = s.url;
        let gatewayUrl: string | (() => string | undefined);
        if (opts.gatewayUrl) gatewayUrl = opts.gatewayUrl;
        else {
          const gateways = new GatewayDirectory({ bus, clock, nodeId });
          gateways.start();
          stops.push(() => gateways.stop());
          gatewayUrl = () => gateways.pick();
        }
        const runner = createRunner({
          store,
          bus,
          clock,
          logger,
          nodeId,
          url: s.url,
          dataDir,
          // Guests' cluster-local calls carry it: the gateway serves cluster-local services to them.
          clusterToken: token!,
          gatewayUrl,
          ...(opts.capacity !== undefined ? { capacity: opts.capacity } : {}),
        });
        runnerFetch = (req) => runner.fetch(req);
        await runner.start();
        stops.push(() => runner.stop());
        break;
      }
      case 'autoscaler': {
        const autoscaler = createAutoscaler({ store, bus, clock, logger, id });
        await autoscaler.start();
        stops.push(() => autoscaler.stop());
        break;
      }
      default:
        throw new Error(`role: unknown role "${String(opts.role)}" (api, gateway, runner, autoscaler)`);
    }
    ready = true;
    // The autoscaler publishes its own ComponentHeartbeat (it knows its own readiness); two
    // publishers for one role/id would make `kedge get components` flap.
    if (opts.role !== 'autoscaler')
      heartbeat = startComponentHeartbeat({
        bus,
        clock,
        logger,
        role: opts.role,
        id,
        nodeId,
        restarts,
        ready: () => ready,
        // Runners send their guests' service-to-service calls to the gateways they hear of.
        ...(opts.role === 'gateway' ? { url: () => urls.gateway } : {}),
      });
  } catch (err) {
    await shutdown();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return { role: opts.role, id, nodeId, urls, backends, ...(token ? { token } : {}), stop: () => (stopped ??= shutdown()) };
}
