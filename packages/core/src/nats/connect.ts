import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';

/** How a Kedge role reaches NATS. Auth is user/password or token (docs/nats.md). */
export interface NatsConnectOptions {
  /** One URL, or a comma-separated list, or an array (`nats://127.0.0.1:4222`). */
  servers: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** Shown by the server's monitoring (`connz`): role and id, e.g. `kedge-gateway-gw1`. */
  name?: string;
  logger?: Logger;
  /** Keep retrying the first connect too, so a role may start before nats-server (default false). */
  waitOnFirstConnect?: boolean;
}

/** Auth from the environment, for roles started without flags. */
export function natsAuthFromEnv(env: NodeJS.ProcessEnv = process.env): { user?: string; pass?: string; token?: string } {
  const out: { user?: string; pass?: string; token?: string } = {};
  if (env.KEDGE_NATS_USER) out.user = env.KEDGE_NATS_USER;
  if (env.KEDGE_NATS_PASSWORD) out.pass = env.KEDGE_NATS_PASSWORD;
  if (env.KEDGE_NATS_TOKEN) out.token = env.KEDGE_NATS_TOKEN;
  return out;
}

/**
 * Connects with the settings every role shares: reconnect forever (a role outlives a nats-server
 * restart) with a short wait so routing and scaling resume quickly, and logs connection changes.
 */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  const log = opts.logger ?? silentLogger;
  const servers = Array.isArray(opts.servers)
    ? opts.servers
    : opts.servers.split(',').map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) throw new Error('nats.servers: at least one NATS URL is required');
  if (opts.token && (opts.user || opts.pass)) throw new Error('nats: use either user/password or a token, not both');
  const nc = await connect({
    servers,
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.pass !== undefined ? { pass: opts.pass } : {}),
    ...(opts.token !== undefined ? { token: opts.token } : {}),
    ...(opts.name ? { name: opts.name } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: opts.waitOnFirstConnect ?? false,
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') log.warn({ server: s.server }, 'nats disconnected');
      else if (s.type === 'reconnect') log.info({ server: s.server }, 'nats reconnected');
      else if (s.type === 'error') log.error({ err: s.error }, 'nats error');
    }
  })().catch(() => undefined);
  return nc;
}
