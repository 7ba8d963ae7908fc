import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNatsServer, type NatsServer } from '@kedge/core/testing';
import { createClient, type Client } from '../client.js';
import { collectLocalImages, readManifests, uploadLocalImages } from '../manifests.js';
import { startChild, type Child } from './child.js';
import { targetOfService, waitServiceReady, type BenchTarget } from './kedge.js';

export interface Distributed {
  gatewayUrl: string;
  apiUrl: string;
  /** The API token the roles share (writes need it). */
  token: string;
  /** Where other processes join the same cluster (the edge gateway bench). */
  natsUrl: string;
  tokenFile: string;
  dataDir: string;
  /** The Node gateway's process, for its CPU time. */
  gatewayPid: number;
  /** How a reader starts the same thing by hand. */
  setup: string;
  stop(): Promise<void>;
}

/**
 * Kedge's distributed shape on one machine: a nats-server and each role in its own process
 * (`kedge api|autoscaler|runner|gateway --nats …`), so the gateway reaches the runner over HTTP and
 * every decision travels over NATS. Used for the suite's cold start through a gateway whose runner is
 * another process.
 */
export async function startDistributed(cli: string, cwd: string): Promise<Distributed> {
  const children: Child[] = [];
  let nats: NatsServer | undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'kedge-bench-dist-'));
  const stop = async () => {
    for (const c of children.reverse()) await c.stop();
    await nats?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    nats = await startNatsServer();
    const [api, http, admin, runner] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const role = async (name: string, extra: string[]) => {
      const c = await startChild(
        process.execPath,
        [
          cli,
          name,
          '--nats',
          nats!.url,
          '--data-dir',
          join(dataDir, name),
          '--token-file',
          join(dataDir, 'token'),
          '--log-level',
          'warn',
          ...extra,
        ],
        new RegExp(`kedge ${name} ready`),
        { cwd, timeoutMs: 60_000 },
      );
      children.push(c);
      return c;
    };
    await role('api', ['--api-port', String(api)]);
    await role('autoscaler', []);
    await role('runner', ['--runner-port', String(runner)]);
    const gateway = await role('gateway', ['--http-port', String(http), '--admin-port', String(admin)]);
    return {
      natsUrl: nats.url,
      tokenFile: join(dataDir, 'token'),
      dataDir,
      gatewayPid: gateway.pid,
      gatewayUrl: `http://127.0.0.1:${http}`,
      apiUrl: `http://127.0.0.1:${api}`,
      // The api role wrote it on start (mode 0600).
      token: (await readFile(join(dataDir, 'token'), 'utf8')).trim(),
      setup:
        // The roles' default ports are kedge up's, so the bench command needs no --api/--gateway.
        'nats-server -js -sd $(mktemp -d) -a 127.0.0.1 -p 4222 & for r in api autoscaler runner gateway; do kedge $r --nats nats://127.0.0.1:4222 & done; ' +
        'kedge apply -f examples/helloworld/service.yaml',
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The hello service's manifest applied to the cluster (its local images uploaded); its revision once Ready. */
export async function applyHello(
  dist: Distributed,
  manifest: string,
): Promise<{ client: Client; target: BenchTarget }> {
  const client = createClient(dist.apiUrl, { token: dist.token });
  const docs = await readManifests(manifest);
  await uploadLocalImages(await collectLocalImages(docs), client.uploadBlob);
  for (const d of docs) await client.create(d.object);
  const svc = await waitServiceReady(client, 'example', 'helloworld', 60_000);
  return { client, target: await targetOfService(client, svc.metadata.namespace, svc.metadata.name) };
}
