import type { IncomingMessage, Server } from 'node:http';
import { pathToFileURL } from 'node:url';

/**
 * The command-line face of a baseline server (`node dist/bench/baselines/NAME.js COMPONENT.wasm
 * [port] …`): starts it when `moduleUrl` is the script being run, prints `listening on URL …` for the
 * suite, and stops it cleanly on SIGTERM/SIGINT.
 */
export async function runBaseline<S extends { url: string; stop(): Promise<void> }>(
  moduleUrl: string,
  usage: string,
  start: (component: string, args: string[]) => Promise<S>,
  describe: (started: S) => string = (s) => s.url,
): Promise<void> {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  const component = process.argv[2];
  if (!component) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  const s = await start(component, process.argv.slice(3));
  process.stdout.write(`listening on ${describe(s)}\n`);
  const stop = () => void s.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Listens on 127.0.0.1 with keep-alive for load tests; `stop` drops every connection, closes, then runs `cleanup`. */
export async function listenLoopback(
  server: Server,
  port: number,
  cleanup: () => Promise<void>,
): Promise<{ url: string; stop(): Promise<void> }> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await cleanup();
    },
  };
}

const EMPTY = new Uint8Array(0);

/** A bodiless request as a guest takes it (what the runner's worker protocol carries). */
export function guestRequestOf(req: IncomingMessage) {
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
  return {
    method: req.method ?? 'GET',
    pathWithQuery: req.url ?? '/',
    scheme: 'http' as const,
    authority: req.headers.host ?? '',
    headers,
    body: EMPTY,
    bodyMore: false,
  };
}
