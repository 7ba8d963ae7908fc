import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { listenLoopback } from './main.js';

/**
 * The bare Node `http` server a waiting guest is compared with: every request waits `waitMs` with
 * setTimeout, then answers. One thread interleaves any number of waits, so its throughput is close
 * to the ideal (connections / wait). `node dist/bench/baselines/node-wait.js [port] [waitMs]`.
 */
export function startNodeWait(port = 0, waitMs = 100): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`Slept for ${waitMs} milliseconds.\n`);
    }, waitMs);
  });
  return listenLoopback(server, port, async () => undefined);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await startNodeWait(Number(process.argv[2] ?? 0), Number(process.argv[3] ?? 100));
  process.stdout.write(`listening on ${url}\n`);
}
