import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, subjects, type Bus, type Clock, type Logger, type Store, type StopInstanceRequest } from '@kedge/core';
import type { LiveConfig } from '../config/live.js';
import { createResourceHandler, type Target } from '../rest/resources.js';
import { ApiError, notFound } from '../rest/status.js';
import { InstanceTable } from './table.js';

export interface PodsDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  config: LiveConfig;
  watches?: Set<() => void>;
}

/** How long a delete waits for the runner to take the stop request. */
const STOP_TIMEOUT_MS = 5_000;

/**
 * The Pods view: every running instance as a read-only `v1` Pod. The live instance table is kept
 * in a private SQLite store of its own (a temporary file, gone when the API stops), not in the
 * cluster's Store: instances come and go by the second, their truth is the runners' reports, and
 * the private store gives list, watch (with resume), selectors and tables the same code as every
 * other kind without writing to the shared Store on each cold start.
 */
export function createPodsView(deps: PodsDeps) {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-pods-'));
  const pods = new SqliteStore(dir, { clock: deps.clock });
  const table = new InstanceTable({ store: deps.store, pods, bus: deps.bus, clock: deps.clock, logger: deps.logger });
  const read = createResourceHandler({ ...deps, store: pods });

  /** Deleting a pod stops its instance (the autoscaler starts another if the revision still needs it). */
  async function remove(t: Target): Promise<Response> {
    const pod = await pods.get('Pod' as never, t.namespace!, t.name!);
    const entry = table.get(t.name!);
    if (!pod || !entry) throw notFound(t.info, t.name!);
    const req: StopInstanceRequest = { namespace: entry.namespace, revision: entry.revision, instanceId: entry.instanceId };
    try {
      await deps.bus.request(subjects.runnerStop(entry.nodeId), req, { timeoutMs: STOP_TIMEOUT_MS });
    } catch (err) {
      throw new ApiError('ServiceUnavailable', `node ${entry.nodeId} did not take the stop of ${t.name}: ${(err as Error).message}`);
    }
    table.markDeleting(t.name!);
    return new Response(JSON.stringify({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date(deps.clock.now()).toISOString() } }), {
      headers: { 'content-type': 'application/json' },
    });
  }

  return {
    start: () => table.start(),
    idle: () => table.idle(),
    async stop(): Promise<void> {
      await table.stop();
      await pods.close();
      rmSync(dir, { recursive: true, force: true });
    },
    handle(req: Request, t: Target): Promise<Response> {
      if (t.subresource) throw new ApiError('NotFound', `unknown subresource "${t.subresource}"`);
      if (req.method === 'GET') return read(req, t);
      if (req.method === 'DELETE' && t.name !== undefined && t.namespace !== undefined) return remove(t);
      throw new ApiError('MethodNotAllowed', 'pods are the running instances, read-only: only get, list, watch and delete');
    },
  };
}

export type PodsView = ReturnType<typeof createPodsView>;
