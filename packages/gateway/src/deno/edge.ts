import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  KEDGE_VERSION,
  advertisedUrl,
  openNatsBackends,
  subjects,
  systemClock,
  type ComponentHeartbeat,
  type ListenAddress,
  type Logger,
} from '@kedge/core';
import { createAdminApp, createGatewayApp } from '../app.js';
import { createGateway } from '../gateway.js';
import type { EdgeGatewayFlags } from './flags.js';

/** A listener the runtime opened: Deno.serve here, anything that serves a fetch handler in general. */
export interface EdgeListener {
  url: string;
  port: number;
  close(): Promise<void>;
}
export type EdgeServe = (
  fetch: (req: Request, env: unknown) => Response | Promise<Response>,
  at: ListenAddress,
  name: string,
) => Promise<EdgeListener>;

export interface EdgeGateway {
  id: string;
  nodeId: string;
  urls: { gateway: string; admin: string };
  stop(): Promise<void>;
}

const HEARTBEAT_MS = 1_000;

/** The cluster's token: KEDGE_TOKEN, else the token file; a gateway without it cannot reach runners. */
function clusterToken(flags: EdgeGatewayFlags, env: Record<string, string | undefined>): string {
  const fromEnv = env.KEDGE_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  if (flags.tokenFile) {
    let text: string;
    try {
      text = readFileSync(flags.tokenFile, 'utf8');
    } catch (err) {
      throw new Error(`--token-file: cannot read ${flags.tokenFile}: ${(err as Error).message}`);
    }
    if (text.trim()) return text.trim();
    throw new Error(`--token-file: ${flags.tokenFile} is empty`);
  }
  throw new Error(
    "--token-file: the gateway role needs the cluster's token (a runner's HTTP entry serves only gateways that present it): " +
      "pass the api role's token file with --token-file, or set KEDGE_TOKEN",
  );
}

/**
 * `kedge gateway` for edge nodes: the same createGateway + Hono app, joined to the cluster over
 * NATS exactly like the Node role (routes and revisions from the NATS store's watches; endpoints,
 * SKS decisions, pokes and activator stats on the NATS bus). The connection reconnects forever;
 * while it is down the gateway keeps routing from the tables it holds (docs/reliability.md).
 */
export async function startEdgeGateway(
  flags: EdgeGatewayFlags,
  deps: { serve: EdgeServe; env: Record<string, string | undefined>; hostname: string; pid: number; logger: Logger },
): Promise<EdgeGateway> {
  const clock = systemClock;
  const token = clusterToken(flags, deps.env);
  const nodeId = flags.nodeId ?? `${deps.hostname}-${deps.pid}`;
  const id = flags.id ?? `gateway-${nodeId}`;
  const dataDir = resolve(flags.dataDir ?? join('.kedge', `gateway-${id}`));
  const logger = deps.logger.child({ role: 'gateway', id });
  const { bus, store, close } = await openNatsBackends(
    {
      servers: flags.nats,
      ...(flags.natsUser !== undefined ? { user: flags.natsUser } : {}),
      ...(flags.natsPassword !== undefined ? { pass: flags.natsPassword } : {}),
      ...(flags.natsToken !== undefined ? { token: flags.natsToken } : {}),
      name: `kedge-gateway-${id}`,
      logger: logger.child({ role: 'nats' }),
    },
    { cacheDir: join(dataDir, 'blob-cache'), clock },
  );
  const stops: (() => Promise<void> | void)[] = [close];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await Promise.resolve(stop()).catch((err) => logger.error({ err }, 'stop failed'));
  };
  try {
    const gateway = createGateway({ store, bus, clock, logger, id, nodeId, clusterToken: token });
    await gateway.start();
    stops.push(() => gateway.stop());
    const app = createGatewayApp(gateway);
    const served = await deps.serve((req, env) => app.fetch(req, env), flags.listen, 'gateway');
    stops.push(() => served.close());
    const admin = createAdminApp(gateway);
    const adminServed = await deps.serve((req, env) => admin.fetch(req, env), flags.adminListen, 'admin');
    stops.push(() => adminServed.close());
    const url = advertisedUrl(flags.listen.host, served.port, flags.advertise);
    let ready = true;
    const startedAt = clock.now();
    const beat = () => {
      const msg: ComponentHeartbeat = {
        role: 'gateway',
        id,
        nodeId,
        ready,
        restarts: 0,
        startedAt,
        version: KEDGE_VERSION,
        time: clock.now(),
        url,
      };
      try {
        bus.publish(subjects.componentHeartbeat, msg);
      } catch (err) {
        logger.debug({ err }, 'component heartbeat not sent');
      }
    };
    beat();
    const timer = clock.setInterval(beat, HEARTBEAT_MS);
    stops.push(() => {
      ready = false;
      beat();
      clock.clearInterval(timer);
    });
    let stopped: Promise<void> | undefined;
    return { id, nodeId, urls: { gateway: served.url, admin: adminServed.url }, stop: () => (stopped ??= stopAll()) };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
