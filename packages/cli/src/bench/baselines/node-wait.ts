import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';

/**
 * The bare Node `http` server a waiting guest is compared with: every request waits `waitMs` with
 * setTimeout, then answers. One thread interleaves any number of waits, so its throughput is close
 * to the ideal (connections / wait). `node dist/bench/baselines/node-wait.js [port] [waitMs]`.
 */
export function startNodeWait(port = 0, waitMs = 100): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`Slept for ${waitMs} milliseconds.\n`);
    }, waitMs);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : port });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { port } = await startNodeWait(Number(process.argv[2] ?? 0), Number(process.argv[3] ?? 100));
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
}
