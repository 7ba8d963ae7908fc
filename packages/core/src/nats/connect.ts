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
export function natsAuthFromEnv(env: NodeJS.ProcessEnv = process.env): {
  user?: string;
  pass?: string;
  token?: string;
} {
  const out: { user?: string; pass?: string; token?: string } = {};
  if (env.KEDGE_NATS_USER) out.user = env.KEDGE_NATS_USER;
  if (env.KEDGE_NATS_PASSWORD) out.pass = env.KEDGE_NATS_PASSWORD;
  if (env.KEDGE_NATS_TOKEN) out.token = env.KEDGE_NATS_TOKEN;
  return out;
}

/**
 * Credentials written in server URLs, as the NATS CLI and Go client read them:
 * `nats://<token>@host:port` or `nats://<user>:<password>@host:port`. The client library ignores
 * them, so they are taken out here and passed as options; the URLs keep host and port only.
 */
export function credentialsFromUrls(urls: string[]): {
  servers: string[];
  auth: { user?: string; pass?: string; token?: string };
} {
  const auth: { user?: string; pass?: string; token?: string } = {};
  const servers = urls.map((raw) => {
    const at = raw.lastIndexOf('@');
    if (at < 0) return raw;
    const scheme = raw.indexOf('://');
    const start = scheme >= 0 ? scheme + 3 : 0;
    const cred = raw.slice(start, at);
    const colon = cred.indexOf(':');
    if (colon >= 0) {
      auth.user = decodeURIComponent(cred.slice(0, colon));
      auth.pass = decodeURIComponent(cred.slice(colon + 1));
    } else auth.token = decodeURIComponent(cred);
    return raw.slice(0, start) + raw.slice(at + 1);
  });
  return { servers, auth };
}

/** A server list safe to print: credentials in URLs replaced by `***`. */
export function redactNatsUrls(servers: string): string {
  return servers.replace(/(:\/\/)[^@/,]*@/g, '$1***@');
}

/**
 * Connects with the settings every role shares: reconnect forever (a role outlives a nats-server
 * restart) with a short wait so routing and scaling resume quickly, and logs connection changes.
 */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  const log = opts.logger ?? silentLogger;
  const listed = Array.isArray(opts.servers)
    ? opts.servers
    : opts.servers
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  if (listed.length === 0) throw new Error('nats.servers: at least one NATS URL is required');
  const { servers, auth } = credentialsFromUrls(listed);
  // Explicit options win over credentials written in the URL.
  const explicit = opts.token !== undefined || opts.user !== undefined || opts.pass !== undefined;
  const user = explicit ? opts.user : auth.user;
  const pass = explicit ? opts.pass : auth.pass;
  const token = explicit ? opts.token : auth.token;
  if (token && (user || pass)) throw new Error('nats: use either user/password or a token, not both');
  const nc = await connect({
    servers,
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(token !== undefined ? { token } : {}),
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
