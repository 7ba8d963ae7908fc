import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createApi, guardFetch } from '@kedge/api';
import { createAutoscaler } from '@kedge/autoscaler';
import { connInfoOf, createAdminApp, createGateway } from '@kedge/gateway';
import { createRunner } from '@kedge/runner';
import { StoreError, SYSTEM_NAMESPACE, systemClock, type Bus, type Clock, type ConfigMap, type Logger, type Store } from '@kedge/core';
import type { Backends } from './roles/backends.js';
import { startComponents } from './roles/components.js';
import { isLoopback, serveFetch, type Served } from './serve.js';
import { loadOrCreateTlsIdentity } from './tls.js';

/** How long a stopping gateway lets its in-flight requests finish (Knative drains for 30 s; ours are short). */
const GATEWAY_DRAIN_MS = 10_000;

export interface EmbeddedOptions {
  dataDir: string;
  httpPort: number;
  apiPort: number;
  runnerPort: number;
  adminPort: number;
  host?: string;
  logger: Logger;
  clock?: Clock;
  /** The in-process bus + SQLite, or NATS (`connectBackends`); closed by stop(). */
  backends: Backends;
  nodeId?: string;
  /** Knative ConfigMaps (config-domain, config-autoscaler, …) stored before the roles start. */
  configMaps?: ConfigMap[];
  /** Keys merged into the stored config-features (the rest of that map is kept), e.g. from a flag. */
  features?: Record<string, string>;
  /**
   * The cluster's API token (see token.ts): API writes need it. Every role in this process can
   * read it here, e.g. to authenticate the runner's HTTP entry.
   */
  token: string;
  /** Where the API's TLS certificate lives (default dataDir): kubectl reaches the API over https with it. */
  tlsDir?: string;
}

export interface Embedded {
  gatewayUrl: string;
  apiUrl: string;
  runnerUrl: string;
  adminUrl: string;
  store: Store;
  bus: Bus;
  /** The token API writes need (the one passed in). */
  token: string;
  stop(): Promise<void>;
}

/** Every role in one process: the quickstart and the edge-node shape (design: "Two ways to run"). */
export async function startEmbedded(opts: EmbeddedOptions): Promise<Embedded> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger;
  const dataDir = resolve(opts.dataDir);
  const host = opts.host ?? '127.0.0.1';
  const { bus, store } = opts.backends;
  const closeBackends = () => opts.backends.close();
  const nodeId = opts.nodeId ?? `${hostname()}-${process.pid}`;
  const served: Served[] = [];
  const stops: (() => Promise<void>)[] = [];
  const named = (role: string, stop: () => Promise<void>) => async () => {
    logger.debug({ role }, 'stopping');
    await stop();
    logger.debug({ role }, 'stopped');
  };

  try {
    for (const cm of opts.configMaps ?? []) await upsert(store, cm);
    if (opts.features) await mergeData(store, 'config-features', opts.features);
    // The runner's HTTP entry is opened first: its address is part of every endpoint it announces.
    let runnerFetch: ((req: Request) => Promise<Response>) | undefined;
    const runnerServed = await serveFetch('runner', '--runner-port', (req) => runnerFetch!(req), opts.runnerPort, host);
    served.push(runnerServed);
    // Service-to-service calls from guests go through this process's gateway (created just below).
    let gatewayFetch: ((req: Request) => Promise<Response>) | undefined;
    const runner = createRunner({
      store,
      bus,
      clock,
      logger: logger.child({ role: 'runner' }),
      nodeId,
      url: runnerServed.url,
      dataDir,
      // The cluster's token: the runner's HTTP entry serves only gateways that present it (this
      // process's own gateway calls the runner in process and needs no HTTP at all).
      clusterToken: opts.token,
      gatewayFetch: (req) =>
        gatewayFetch ? gatewayFetch(req) : Promise.resolve(new Response('{"error":"gateway not started"}', { status: 503 })),
    });
    runnerFetch = (req) => runner.fetch(req);
    const autoscaler = createAutoscaler({
      store,
      bus,
      clock,
      logger: logger.child({ role: 'autoscaler' }),
      id: `autoscaler-${nodeId}`,
      // Alone on an in-process bus: nobody else can announce anything, so the first request is not held.
      ...(opts.backends.mode === 'embedded' ? { discoveryMs: 0 } : {}),
    });
    const api = createApi({ store, bus, clock, logger: logger.child({ role: 'api' }) });
    const gateway = createGateway({
      store,
      bus,
      clock,
      logger: logger.child({ role: 'gateway' }),
      id: `gateway-${nodeId}`,
      localDispatchers: [runner.dispatcher],
      clusterToken: opts.token,
    });
    // Listeners first, so the runner's first heartbeat and endpoints reach them.
    // Guests' calls come from inside the cluster: cluster-local services answer them.
    gatewayFetch = (req) => gateway.fetchInternal(req);
    await autoscaler.start();
    stops.push(named('autoscaler', () => autoscaler.stop()));
    await gateway.start();
    stops.push(named('gateway', () => gateway.stop()));
    await runner.start();
    stops.push(named('runner', () => runner.stop()));
    await api.start();
    stops.push(named('api', () => api.stop()));

    let ready = false;
    // Announced so runner processes joining this cluster over NATS can send their guests' calls here.
    let gatewayUrl: string | undefined;
    const components = startComponents({
      bus,
      clock,
      logger,
      nodeId,
      dataDir,
      roles: [
        { role: 'api', id: `api-${nodeId}` },
        { role: 'gateway', id: `gateway-${nodeId}`, url: () => gatewayUrl },
        { role: 'runner', id: nodeId },
        { role: 'autoscaler', id: `autoscaler-${nodeId}` },
      ],
      ready: () => ready,
    });
    stops.push(async () => components.stop());
    // The guard is outermost: the cluster view's paths get the same Host/Origin/token checks.
    const guarded = guardFetch({ token: opts.token, hosts: [host], authenticateReads: !isLoopback(host) }, components.wrapApi((req) => api.fetch(req)));
    const apiServed = await serveFetch('api', '--api-port', guarded, opts.apiPort, host, await loadOrCreateTlsIdentity(opts.tlsDir ?? dataDir, [host]));
    served.push(apiServed);
    const gatewayServed = await serveFetch('gateway', '--http-port', (req, env) => gateway.fetch(req, connInfoOf(env)), opts.httpPort, host);
    served.push(gatewayServed);
    gatewayUrl = gatewayServed.url;
    const admin = createAdminApp(gateway);
    const adminServed = await serveFetch('admin', '--admin-port', (req, env) => admin.fetch(req, env), opts.adminPort, host);
    served.push(adminServed);
    ready = true;

    let stopped: Promise<void> | undefined;
    return {
      gatewayUrl: gatewayServed.url,
      apiUrl: apiServed.url,
      runnerUrl: runnerServed.url,
      adminUrl: adminServed.url,
      store,
      bus,
      token: opts.token,
      stop: () =>
        (stopped ??= (async () => {
          // Gateway first (no new requests), then the rest in reverse start order; the runner drains.
          await gatewayServed.close(GATEWAY_DRAIN_MS);
          for (const stop of [...stops].reverse()) await stop().catch((err) => logger.error({ err }, 'stop failed'));
          for (const s of served) {
            logger.debug({ url: s.url }, 'closing listener');
            await s.close();
          }
          await closeBackends();
        })()),
    };
  } catch (err) {
    for (const stop of [...stops].reverse()) await stop().catch(() => undefined);
    for (const s of served) await s.close().catch(() => undefined);
    await closeBackends().catch(() => undefined);
    throw err;
  }
}

async function mergeData(store: Store, name: string, data: Record<string, string>): Promise<void> {
  const old = await store.get<ConfigMap>('ConfigMap', SYSTEM_NAMESPACE, name);
  if (old) await store.update({ ...old, data: { ...old.data, ...data } });
  else await upsert(store, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: SYSTEM_NAMESPACE }, data });
}

async function upsert(store: Store, cm: ConfigMap): Promise<void> {
  try {
    await store.create(cm);
  } catch (err) {
    if (!(err instanceof StoreError && err.code === 'AlreadyExists')) throw err;
    const { resourceVersion: _drop, ...metadata } = cm.metadata;
    await store.update({ ...cm, metadata });
  }
}
