import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@kedge/core';
import { guestRequestOf, listenLoopback, runBaseline } from './main.js';
import { ComponentCache, WorkerPool } from '@kedge/runner';

/**
 * The floor of any design that keeps guests off the thread serving HTTP (which the runner must, so an
 * endless loop can be ended): node:http hands each request straight to the runner's guest workers and
 * writes what comes back. No gateway, no queue, no Request/Response objects, no timeouts. Whatever the
 * gateway → runner path costs beyond this is Kedge's own; the distance from this to bare Node http is the
 * thread hop and the guest.
 *
 *   node dist/bench/baselines/worker-floor.js COMPONENT.wasm [port] [instances]
 */
export async function startWorkerFloor(component: string, port = 0, instances = 8) {
  const dir = await mkdtemp(join(tmpdir(), 'kedge-bench-floor-'));
  const compiled = await new ComponentCache(join(dir, 'cache')).compile(
    `sha256:${'0'.repeat(64)}`,
    async () => new Uint8Array(await readFile(component)),
  );
  const pool = new WorkerPool({ workers: 2, spares: 0, logger: silentLogger });
  const ids = Array.from({ length: instances }, (_, i) => `floor-${i}`);
  for (const instanceId of ids)
    await pool.instantiate(
      { instanceId, revision: 'bench/floor', env: [['TARGET', 'World']], logLimit: 1024, outbound: 'none' },
      compiled,
    );
  let next = 0;
  const server = createServer((req, res) => {
    pool.request(ids[next++ % ids.length]!, guestRequestOf(req)).then(
      (g) => {
        res.writeHead(g.status, g.headers.flat());
        res.end(g.body instanceof Uint8Array ? g.body : undefined);
      },
      (err: Error) => {
        res.writeHead(502);
        res.end(err.message);
      },
    );
  });
  return listenLoopback(server, port, async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });
}

await runBaseline(
  import.meta.url,
  'worker-floor.js COMPONENT.wasm [port] [instances]',
  (component, [port, instances]) => startWorkerFloor(component, Number(port ?? 0), Number(instances ?? 8)),
);
