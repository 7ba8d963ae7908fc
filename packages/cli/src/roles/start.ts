import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Clock, ListenAddress, Logger } from '@kedge/core';
import { serverToken } from '../token.js';
import { connectBackends, type Backends } from './backends.js';
import { composeRoles, type ListenerName, type RoleName } from './compose.js';

export { ROLES, type RoleName } from './compose.js';

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
  /** Listener ports (DEFAULT_PORTS where absent; 0 = any free port). */
  ports?: Partial<Record<ListenerName, number>>;
  /** `--listen` / `--admin-listen`: host and port per listener (loopback by default). */
  listen?: Partial<Record<ListenerName, ListenAddress>>;
  /** runner, gateway: the URL other nodes reach it at (`--advertise`). */
  advertise?: string;
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
  urls: Partial<Record<ListenerName, string>>;
  backends: Backends;
  /** The cluster's token as this role knows it (see RoleOptions.token). */
  token?: string;
  stop(): Promise<void>;
}

/** Starts one Kedge role in this process on NATS (`kedge api|gateway|runner|autoscaler --nats …`). */
export async function startRole(opts: RoleOptions): Promise<RunningRole> {
  if (!opts.nats)
    throw new Error(
      '--nats: a NATS URL is required to run a single role (e.g. nats://127.0.0.1:4222), or set KEDGE_NATS_URL',
    );
  const nodeId = opts.nodeId ?? `${hostname()}-${process.pid}`;
  const id = opts.id ?? (opts.role === 'runner' ? nodeId : `${opts.role}-${nodeId}`);
  const dataDir = resolve(opts.dataDir ?? join('.kedge', `${opts.role}-${id}`));
  const logger = opts.logger.child({ role: opts.role, id });
  const token =
    opts.token ??
    (await serverToken({
      ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
      ...(opts.role === 'api' ? { dataDir } : {}),
      create: opts.role === 'api',
    }));
  const backends = await connectBackends({
    nats: opts.nats,
    ...(opts.natsUser !== undefined ? { natsUser: opts.natsUser } : {}),
    ...(opts.natsPassword !== undefined ? { natsPassword: opts.natsPassword } : {}),
    ...(opts.natsToken !== undefined ? { natsToken: opts.natsToken } : {}),
    dataDir,
    name: `kedge-${opts.role}-${id}`,
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  // The certificate sits beside a shared token file, so `kedge config kubeconfig --token-file` finds both.
  const sharedFile = opts.tokenFile ?? process.env.KEDGE_TOKEN_FILE;
  const composed = await composeRoles({
    roles: [opts.role],
    backends,
    logger: opts.logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    nodeId,
    ids: { [opts.role]: id },
    dataDir,
    host: opts.host ?? '127.0.0.1',
    ...(opts.ports ? { ports: opts.ports } : {}),
    ...(opts.listen ? { listen: opts.listen } : {}),
    ...(opts.advertise && (opts.role === 'runner' || opts.role === 'gateway')
      ? { advertise: { [opts.role]: opts.advertise } }
      : {}),
    ...(token ? { token } : {}),
    tlsDir: sharedFile ? dirname(resolve(sharedFile)) : dataDir,
    ...(opts.capacity !== undefined ? { capacity: opts.capacity } : {}),
    ...(opts.gatewayUrl ? { gatewayUrl: opts.gatewayUrl } : {}),
  });
  return {
    role: opts.role,
    id,
    nodeId,
    urls: composed.urls,
    backends,
    ...(token ? { token } : {}),
    stop: () => composed.stop(),
  };
}
