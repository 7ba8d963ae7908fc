import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestRequestOf, listenLoopback, runBaseline } from './main.js';
import { ComponentCache, InThreadGuest } from '@kedge/runner';

/**
 * The ceiling of any way of hosting the guest: node:http calls one guest instance on its own thread
 * and writes the answer. No isolation (an endless loop would stop the server, so Kedge cannot serve
 * this way), no hop, no gateway, no queue. What separates this from bare Node http is the guest and
 * its host alone.
 *
 *   node dist/bench/baselines/in-thread.js COMPONENT.wasm [port]
 */
export async function startInThread(component: string, port = 0) {
  const dir = await mkdtemp(join(tmpdir(), 'kedge-bench-in-thread-'));
  const compiled = await new ComponentCache(join(dir, 'cache')).compile(
    `sha256:${'0'.repeat(64)}`,
    async () => new Uint8Array(await readFile(component)),
  );
  const guest = InThreadGuest.create(compiled, [['TARGET', 'World']]);
  const server = createServer((req, res) => {
    try {
      const r = guest.call(guestRequestOf(req));
      res.writeHead(r.status, r.headers.flat());
      res.end(r.body);
    } catch (err) {
      res.writeHead(502);
      res.end((err as Error).message);
    }
  });
  return listenLoopback(server, port, () => rm(dir, { recursive: true, force: true }));
}

await runBaseline(import.meta.url, 'in-thread.js COMPONENT.wasm [port]', (component, [port]) =>
  startInThread(component, Number(port ?? 0)),
);
