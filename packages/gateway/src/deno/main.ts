/**
 * `kedge gateway` on Deno — the edge node's gateway, also what `npm run build:edge` compiles into
 * one binary. Same flags as `kedge gateway`; joins the cluster over NATS (docs/gateway.md, *Edge*).
 *
 *   deno run -A --node-modules-dir=manual dist/deno/main.js --nats nats://10.0.0.1:4222 \
 *     --token-file /etc/kedge/token --node-id edge-1 --listen 0.0.0.0:8080
 */
import { hostname } from 'node:os';
import { createLogger } from '@kedge/core';
import { startEdgeGateway, type EdgeServe } from './edge.js';
import { EDGE_GATEWAY_USAGE, parseEdgeGatewayFlags } from './flags.js';

interface DenoServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
}
interface DenoNS {
  args: string[];
  pid: number;
  serve(
    opts: {
      port: number;
      hostname: string;
      onListen?: (addr: { port: number; hostname: string }) => void;
      onError?: (err: unknown) => Response;
    },
    handler: (req: Request, info: unknown) => Response | Promise<Response>,
  ): DenoServer;
  addSignalListener(sig: string, fn: () => void): void;
  exit(code: number): never;
  env: { toObject(): Record<string, string> };
}
const Deno = (globalThis as unknown as { Deno: DenoNS }).Deno;

const serve: EdgeServe = (fetch, at, name) =>
  new Promise((resolve, reject) => {
    let server: DenoServer;
    try {
      server = Deno.serve(
        {
          port: at.port,
          hostname: at.host,
          onListen: (a) => {
            const h = a.hostname.includes(':') ? `[${a.hostname}]` : a.hostname;
            resolve({ url: `http://${h}:${a.port}`, port: a.port, close: () => server.shutdown() });
          },
        },
        fetch,
      );
    } catch (err) {
      const e = err as Error & { code?: string };
      const flag = name === 'admin' ? '--admin-listen' : '--listen';
      reject(
        new Error(
          e.name === 'AddrInUse' || e.code === 'EADDRINUSE'
            ? `${name}: ${at.host}:${at.port} is already in use (choose another with ${flag})`
            : `${name}: cannot listen on ${at.host}:${at.port}: ${e.message}`,
        ),
      );
    }
  });

async function main(): Promise<void> {
  const env = Deno.env.toObject();
  const flags = parseEdgeGatewayFlags(Deno.args, env);
  if (flags.help) {
    console.log(EDGE_GATEWAY_USAGE);
    return;
  }
  const logger = createLogger({ level: flags.logLevel, name: 'kedge-gateway' });
  const gw = await startEdgeGateway(flags, { serve, env, hostname: hostname(), pid: Deno.pid, logger });
  let stopping = false;
  const stop = async () => {
    if (stopping) Deno.exit(1);
    stopping = true;
    await gw.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener('SIGTERM', () => void stop());
  Deno.addSignalListener('SIGINT', () => void stop());
  // The same ready line as `kedge gateway`: scripts and tests wait for it.
  console.log(
    `kedge gateway ready id=${gw.id} node=${gw.nodeId} gateway=${gw.urls.gateway} admin=${gw.urls.admin} runtime=deno`,
  );
}

main().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  Deno.exit(1);
});
