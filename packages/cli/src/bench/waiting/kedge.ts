import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '../../client.js';
import { startChild, type Child } from '../child.js';
import { kedgeUpArgs, targetOfService, waitServiceReady, type BenchTarget } from '../kedge.js';
import type { WaitingContext } from './context.js';

/**
 * A fresh kedge up for the waiting rows and another for service-to-service: a node a row left
 * wedged (guests that block their worker) must not turn the next row's figures into its aftermath.
 */
export interface WaitingKedge {
  client: Client;
  gateway: string;
  targets: Record<string, BenchTarget>;
  child: Child;
}

/** `kedge up` with examples/<service> applied for each service; undefined (and named) if it did not serve them. */
export async function startWaitingKedge(
  w: WaitingContext,
  what: string,
  services: string[],
): Promise<WaitingKedge | undefined> {
  if (!services.length) return undefined;
  const { root } = w.opts;
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'kedge-bench-waiting-'));
    w.dataDirs.push(dataDir);
    const manifests = services.flatMap((s) => ['--apply', `examples/${s}/service.yaml`]);
    const { args, http, api } = await kedgeUpArgs(join(root, 'packages/cli/dist/bin.js'), dataDir, manifests);
    const child = await startChild(process.execPath, args, /Ctrl-C stops it/, { timeoutMs: 90_000, cwd: root });
    w.children.push(child);
    // kedge up wrote its API token into the data dir (mode 0600): writes need it.
    const client = createClient(`http://127.0.0.1:${api}`, {
      token: (await readFile(join(dataDir, 'token'), 'utf8')).trim(),
    });
    const targets: Record<string, BenchTarget> = {};
    for (const s of services) {
      await waitServiceReady(client, 'example', s, 120_000);
      targets[s] = await targetOfService(client, 'example', s);
    }
    return { client, gateway: `http://127.0.0.1:${http}`, targets, child };
  } catch (err) {
    w.missing(`${what} (kedge up did not serve ${services.map((s) => `examples/${s}`).join(', ')})`, err);
    return undefined;
  }
}

export async function stopWaitingKedge(w: WaitingContext, k: WaitingKedge | undefined): Promise<void> {
  if (!k) return;
  await k.child.stop();
  w.children.splice(w.children.indexOf(k.child), 1);
}
