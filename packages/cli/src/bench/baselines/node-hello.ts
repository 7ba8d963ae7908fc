import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';

/**
 * The bare Node `http` hello server every Kedge figure is compared with: the same body the hello
 * component returns, no framework, keep-alive on. Run as a child process so it does not share an
 * event loop with the load generator: `node dist/bench/baselines/node-hello.js [port]`.
 */
export function startNodeHello(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Hello World!\n');
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
  const { port } = await startNodeHello(Number(process.argv[2] ?? 0));
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
}
