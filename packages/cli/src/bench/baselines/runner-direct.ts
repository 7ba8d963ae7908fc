import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { INSTANCE_HEADER } from '@kedge/core';
import { startLoneRunner } from '@kedge/runner';
import { serveFetch } from '../../serve.js';
import { runBaseline } from './main.js';

/**
 * "The instance called directly": a runner alone (no gateway, no autoscaler, no API) hosting one
 * instance of the component, its HTTP entry served on 127.0.0.1. The difference between this and
 * the same request through `kedge up`'s gateway is what routing + activator + forwarding cost.
 * Requests without a Kedge-Instance header get the one instance, so wrk/hey can be pointed at it too.
 *
 *   node dist/bench/baselines/runner-direct.js COMPONENT.wasm [port]
 */
export async function startRunnerDirect(component: string, port = 0) {
  const dir = await mkdtemp(join(tmpdir(), 'kedge-bench-runner-'));
  let runnerFetch: (req: Request) => Promise<Response> = async () => new Response('starting', { status: 503 });
  const instanceId = 'bench-direct-1';
  const served = await serveFetch(
    'runner-direct',
    'port',
    (req) => {
      if (req.headers.has(INSTANCE_HEADER)) return runnerFetch(req);
      const headers = new Headers(req.headers);
      headers.set(INSTANCE_HEADER, instanceId);
      return runnerFetch(new Request(req, { headers }));
    },
    port,
  );
  const lone = await startLoneRunner({
    component: new Uint8Array(await readFile(component)),
    imageName: basename(component),
    target: 'World',
    dir,
    url: served.url,
  });
  runnerFetch = (req) => lone.runner.fetch(req);
  const reply = await lone.startInstance(instanceId, { timeoutMs: 60_000 });
  if (!reply.ok) throw new Error(`runner-direct: instance did not start: ${reply.error}`);
  return {
    url: served.url,
    instanceId,
    startTimings: reply.timings ?? {},
    async stop() {
      await served.close();
      await lone.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

await runBaseline(
  import.meta.url,
  'runner-direct.js COMPONENT.wasm [port]',
  (component, [port]) => startRunnerDirect(component, Number(port ?? 0)),
  (r) => `${r.url} instance ${r.instanceId} ${JSON.stringify(r.startTimings)}`,
);
