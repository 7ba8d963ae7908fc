// Knative's helloworld as a plain process: listens on $PORT (127.0.0.1), answers "Hello <TARGET>!".
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const target = process.env.TARGET ?? 'World';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`Hello ${target}!\n`);
});
server.listen(port, '127.0.0.1');

// Knative sends SIGTERM and waits: finish what is in flight, then leave.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
