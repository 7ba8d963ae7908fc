import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  StoreError,
  SYSTEM_NAMESPACE,
  type Bus,
  type Clock,
  type ConfigMap,
  type ListenAddress,
  type Logger,
  type Store,
} from '@kedge/core';
import type { Backends } from './roles/backends.js';
import { ROLES, composeRoles, type ListenerName } from './roles/compose.js';

export interface EmbeddedOptions {
  dataDir: string;
  /** Listener ports (the roles' defaults where absent; 0 = any free port). */
  ports?: Partial<Record<ListenerName, number>>;
  /** `kedge up --listen/--api-listen/--runner-listen/--admin-listen`: host and port per listener. */
  listen?: Partial<Record<ListenerName, ListenAddress>>;
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
  /** The cluster's API token (see token.ts): API writes need it, the runner's HTTP entry too. */
  token: string;
  /** Where the API's TLS certificate lives (default dataDir): kubectl reaches the API over https with it. */
  tlsDir?: string;
}

export interface Embedded {
  gatewayUrl: string;
  /** The gateway's HTTPS listener (DomainMappings with TLS), when `ports.https` was given. */
  gatewayHttpsUrl?: string;
  apiUrl: string;
  runnerUrl: string;
  adminUrl: string;
  store: Store;
  bus: Bus;
  /** The token API writes need (the one passed in). */
  token: string;
  stop(): Promise<void>;
}

/** Every role in one process: the quickstart and the edge-node shape (docs/architecture.md, "Two ways to run"). */
export async function startEmbedded(opts: EmbeddedOptions): Promise<Embedded> {
  const dataDir = resolve(opts.dataDir);
  const { bus, store } = opts.backends;
  try {
    for (const cm of opts.configMaps ?? []) await upsert(store, cm);
    if (opts.features) await mergeData(store, 'config-features', opts.features);
  } catch (err) {
    await opts.backends.close().catch(() => undefined);
    throw err;
  }
  const composed = await composeRoles({
    roles: ROLES,
    backends: opts.backends,
    logger: opts.logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    nodeId: opts.nodeId ?? `${hostname()}-${process.pid}`,
    dataDir,
    host: opts.host ?? '127.0.0.1',
    ...(opts.ports ? { ports: opts.ports } : {}),
    ...(opts.listen ? { listen: opts.listen } : {}),
    token: opts.token,
    tlsDir: opts.tlsDir ?? dataDir,
    // Alone on an in-process bus: nobody else can announce anything, so the first request is not held.
    ...(opts.backends.mode === 'embedded' ? { discoveryMs: 0 } : {}),
  });
  const { urls } = composed;
  return {
    gatewayUrl: urls.gateway!,
    ...(urls.https ? { gatewayHttpsUrl: urls.https } : {}),
    apiUrl: urls.api!,
    runnerUrl: urls.runner!,
    adminUrl: urls.admin!,
    store,
    bus,
    token: opts.token,
    stop: () => composed.stop(),
  };
}

async function mergeData(store: Store, name: string, data: Record<string, string>): Promise<void> {
  const old = await store.get<ConfigMap>('ConfigMap', SYSTEM_NAMESPACE, name);
  if (old) await store.update({ ...old, data: { ...old.data, ...data } });
  else
    await upsert(store, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: SYSTEM_NAMESPACE }, data });
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
