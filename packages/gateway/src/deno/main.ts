/**
 * The gateway on Deno ("bare metal / edge node"): the same createGateway + createGatewayApp as on
 * Node, fed by a JSON feed (file path or URL, re-read every --refresh-ms) instead of SQLite/NATS,
 * forwarding over HTTP to runners' HTTP entries. See docs/gateway.md.
 *
 *   deno run --allow-net --allow-read --allow-env --allow-sys dist/deno/main.js --feed feed.json --port 8080
 */
import { createLogger, MemoryBus, systemClock } from '@kedge/core';
import { createAdminApp, createGatewayApp } from '../app.js';
import { createGateway } from '../gateway.js';
import { MemoryStore } from './memory-store.js';
import { FeedPlayer, parseFeed } from './feed.js';

interface DenoServer {
  shutdown(): Promise<void>;
}
interface DenoNS {
  args: string[];
  readTextFile(path: string): Promise<string>;
  serve(
    opts: { port: number; hostname: string; onListen?: (addr: { port: number; hostname: string }) => void },
    handler: (req: Request, info: unknown) => Response | Promise<Response>,
  ): DenoServer;
  addSignalListener(sig: string, fn: () => void): void;
  exit(code: number): never;
  env: { get(name: string): string | undefined };
}
const Deno = (globalThis as unknown as { Deno: DenoNS }).Deno;

function arg(name: string, fallback?: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

async function readFeed(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`);
    return res.text();
  }
  return Deno.readTextFile(source);
}

async function main(): Promise<void> {
  const source = arg('feed');
  if (!source) throw new Error('--feed: required (path or http(s) URL of the gateway feed JSON)');
  const port = Number(arg('port', '8080'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${arg('port')}`);
  const adminPort = arg('admin-port');
  const refreshMs = Number(arg('refresh-ms', '1000'));
  const hostname = '127.0.0.1';
  const logger = createLogger({ name: 'kedge-gateway-deno' });

  const store = new MemoryStore();
  const bus = new MemoryBus();
  const player = new FeedPlayer(store, bus);
  await player.apply(parseFeed(await readFeed(source), source));
  // Runners' HTTP entries serve only holders of the cluster token (docs/nats.md).
  const clusterToken = Deno.env.get('KEDGE_TOKEN')?.trim() || undefined;
  const gateway = createGateway({
    store,
    bus,
    clock: systemClock,
    logger,
    id: arg('id', 'gateway-deno')!,
    writeServerlessServiceStatus: false,
    ...(clusterToken ? { clusterToken } : {}),
  });
  await gateway.start();

  const timer = setInterval(async () => {
    try {
      await player.apply(parseFeed(await readFeed(source), source));
    } catch (err) {
      // Nodes stop heartbeating with the feed gone; the gateway drops their endpoints after 2 s.
      logger.warn({ err: (err as Error).message }, 'feed not refreshed');
    }
  }, refreshMs);

  const app = createGatewayApp(gateway);
  const servers: DenoServer[] = [];
  await new Promise<void>((resolve) => {
    servers.push(
      Deno.serve({ port, hostname, onListen: (a) => {
        console.log(JSON.stringify({ listening: `http://${a.hostname}:${a.port}`, runtime: 'deno' }));
        resolve();
      } }, (req, info) =>
        app.fetch(req, info),
      ),
    );
  });
  if (adminPort) {
    const admin = createAdminApp(gateway);
    servers.push(Deno.serve({ port: Number(adminPort), hostname }, (req) => admin.fetch(req)));
  }
  const stop = async () => {
    clearInterval(timer);
    for (const s of servers) await s.shutdown();
    await gateway.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener('SIGTERM', () => void stop());
  Deno.addSignalListener('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  Deno.exit(1);
});
