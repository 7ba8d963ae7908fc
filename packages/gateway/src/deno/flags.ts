import { parseListen, type ListenAddress } from '@kedge/core';

/** What `kedge gateway` takes, parsed for the Deno entry and the compiled binary (same flags, same meaning). */
export interface EdgeGatewayFlags {
  nats: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  tokenFile?: string;
  id?: string;
  nodeId?: string;
  dataDir?: string;
  listen: ListenAddress;
  adminListen: ListenAddress;
  advertise?: string;
  logLevel: string;
  help: boolean;
}

export const EDGE_GATEWAY_USAGE = `Usage: kedge-gateway --nats <url> [options]   (the flags of \`kedge gateway\`)

  --nats <url>                NATS server URL(s), comma-separated (env KEDGE_NATS_URL)
  --nats-user <user>          NATS user (env KEDGE_NATS_USER)
  --nats-password <password>  NATS password (env KEDGE_NATS_PASSWORD)
  --nats-token <token>        NATS token (env KEDGE_NATS_TOKEN)
  --token-file <file>         the cluster's token (env KEDGE_TOKEN or KEDGE_TOKEN_FILE)
  --id <id>                   this gateway's id (default gateway-<node id>)
  --node-id <id>              the machine it runs on: instances of runners with this node id are preferred
  --data-dir <dir>            local state (default .kedge/gateway-<id>)
  --http-port <port>          request port (default 8080; 0 = any free port)
  --admin-port <port>         Prometheus /metrics port (default 9090; 0 = any free port)
  --listen <host:port>        request address, e.g. 0.0.0.0:8080 (overrides --http-port; default 127.0.0.1)
  --admin-listen <host:port>  /metrics address (overrides --admin-port; default 127.0.0.1)
  --advertise <url>           URL other nodes reach this gateway at
  --log-level <level>         debug, info, warn, error (env KEDGE_LOG_LEVEL)
`;

const VALUED = new Set([
  'nats',
  'nats-user',
  'nats-password',
  'nats-token',
  'token-file',
  'id',
  'node-id',
  'data-dir',
  'http-port',
  'admin-port',
  'listen',
  'admin-listen',
  'advertise',
  'log-level',
]);

function port(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new Error(`${flag}: "${v}" is not a port number (0-65535)`);
  return n;
}

/** Parses argv (`--flag value` or `--flag=value`); unknown flags and missing values are errors naming the flag. */
export function parseEdgeGatewayFlags(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): EdgeGatewayFlags {
  const got = new Map<string, string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !VALUED.has(m[1]!)) throw new Error(`${a}: unknown option (--help lists them)`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]}: a value is required`);
    got.set(m[1]!, value);
  }
  const nats = got.get('nats') ?? env.KEDGE_NATS_URL ?? '';
  if (!nats && !help)
    throw new Error('--nats: a NATS URL is required (e.g. nats://10.0.0.1:4222), or set KEDGE_NATS_URL');
  const listen = got.has('listen')
    ? parseListen('--listen', got.get('listen')!)
    : { host: '127.0.0.1', port: got.has('http-port') ? port('--http-port', got.get('http-port')!) : 8080 };
  const adminListen = got.has('admin-listen')
    ? parseListen('--admin-listen', got.get('admin-listen')!)
    : { host: '127.0.0.1', port: got.has('admin-port') ? port('--admin-port', got.get('admin-port')!) : 9090 };
  const advertise = got.get('advertise');
  if (advertise !== undefined && !/^https?:\/\/[^/]+\/?$/.test(advertise))
    throw new Error(`--advertise: "${advertise}" is not a gateway address like http://10.0.0.5:8080`);
  const flags: EdgeGatewayFlags = {
    nats,
    listen,
    adminListen,
    logLevel: got.get('log-level') ?? env.KEDGE_LOG_LEVEL ?? 'info',
    help,
  };
  const optional = [
    ['natsUser', got.get('nats-user') ?? env.KEDGE_NATS_USER],
    ['natsPassword', got.get('nats-password') ?? env.KEDGE_NATS_PASSWORD],
    ['natsToken', got.get('nats-token') ?? env.KEDGE_NATS_TOKEN],
    ['tokenFile', got.get('token-file') ?? env.KEDGE_TOKEN_FILE],
    ['id', got.get('id')],
    ['nodeId', got.get('node-id')],
    ['dataDir', got.get('data-dir')],
    ['advertise', advertise],
  ] as const;
  for (const [k, v] of optional) if (v !== undefined && v !== '') (flags as unknown as Record<string, string>)[k] = v;
  return flags;
}
