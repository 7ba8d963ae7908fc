import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SqliteStore,
  subjects,
  type Bus,
  type Clock,
  type Logger,
  type LogsRequest,
  type Store,
  type StopInstanceRequest,
} from '@kedge/core';
import type { LiveConfig } from '../config/live.js';
import { createResourceHandler, type Target } from '../rest/resources.js';
import { logsBody } from '../logs/stream.js';
import { ApiError, badRequest, notFound } from '../rest/status.js';
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
    const req: StopInstanceRequest = {
      namespace: entry.namespace,
      revision: entry.revision,
      instanceId: entry.instanceId,
    };
    try {
      await deps.bus.request(subjects.runnerStop(entry.nodeId), req, { timeoutMs: STOP_TIMEOUT_MS });
    } catch (err) {
      throw new ApiError(
        'ServiceUnavailable',
        `node ${entry.nodeId} did not take the stop of ${t.name}: ${(err as Error).message}`,
      );
    }
    table.markDeleting(t.name!);
    return new Response(
      JSON.stringify({
        ...pod,
        metadata: { ...pod.metadata, deletionTimestamp: new Date(deps.clock.now()).toISOString() },
      }),
      {
        headers: { 'content-type': 'application/json' },
      },
    );
  }

  /** Query parameters kubectl logs sends: follow, tailLines, sinceSeconds / sinceTime, timestamps. */
  function logOptions(q: URLSearchParams): {
    follow: boolean;
    timestamps: boolean;
    tailLines?: number;
    since?: number;
  } {
    const num = (name: string): number | undefined => {
      const v = q.get(name);
      if (v === null) return undefined;
      if (!/^\d+$/.test(v))
        throw badRequest(`${name}: must be a whole number, got "${v}"`, [
          { field: name, message: 'must be a whole number' },
        ]);
      return Number(v);
    };
    const tailLines = num('tailLines');
    const sinceSeconds = num('sinceSeconds');
    const sinceTime = q.get('sinceTime');
    let since: number | undefined;
    if (sinceSeconds !== undefined) since = deps.clock.now() - sinceSeconds * 1000;
    else if (sinceTime !== null) {
      since = Date.parse(sinceTime);
      if (!Number.isFinite(since))
        throw badRequest(`sinceTime: not an RFC 3339 time: "${sinceTime}"`, [
          { field: 'sinceTime', message: 'must be RFC 3339' },
        ]);
    }
    return {
      follow: q.get('follow') === 'true',
      timestamps: q.get('timestamps') === 'true',
      ...(tailLines !== undefined ? { tailLines } : {}),
      ...(since !== undefined ? { since } : {}),
    };
  }

  async function streamLogs(
    req: Request,
    request: LogsRequest,
    prefix: boolean,
    missing: () => ApiError,
  ): Promise<Response> {
    const o = logOptions(new URL(req.url).searchParams);
    const abort = new AbortController();
    const stop = () => abort.abort();
    deps.watches?.add(stop);
    req.signal?.addEventListener('abort', stop, { once: true });
    const body = await logsBody({
      bus: deps.bus,
      clock: deps.clock,
      nodes: () => table.liveNodes(),
      request: {
        ...request,
        ...(o.tailLines !== undefined ? { tailLines: o.tailLines } : {}),
        ...(o.since !== undefined ? { since: o.since } : {}),
      },
      follow: o.follow,
      timestamps: o.timestamps,
      prefix,
      signal: abort.signal,
    });
    if (!body) {
      deps.watches?.delete(stop);
      throw missing();
    }
    const done = new TransformStream<Uint8Array, Uint8Array>({ flush: () => void deps.watches?.delete(stop) });
    return new Response(body.pipeThrough(done), { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }

  /** `kubectl logs POD`: what the instance wrote, from the node that ran it (kept a while after it stops). */
  function podLog(req: Request, namespace: string, name: string): Promise<Response> {
    return streamLogs(
      req,
      { namespace, instanceId: name },
      false,
      () => new ApiError('NotFound', `pods "${name}" not found`),
    );
  }

  return {
    /** `kedge logs SERVICE`: every instance of the service, each line prefixed with its pod. */
    serviceLogs(req: Request, namespace: string, service: string): Promise<Response> {
      return streamLogs(
        req,
        { namespace, service },
        true,
        () => new ApiError('NotFound', `services "${service}" not found`),
      );
    },
    start: () => table.start(),
    idle: () => table.idle(),
    async stop(): Promise<void> {
      await table.stop();
      await pods.close();
      rmSync(dir, { recursive: true, force: true });
    },
    handle(req: Request, t: Target): Promise<Response> {
      if (t.subresource === 'log' && req.method === 'GET' && t.namespace && t.name)
        return podLog(req, t.namespace, t.name);
      if (t.subresource) throw new ApiError('NotFound', `unknown subresource "${t.subresource}"`);
      if (req.method === 'GET') return read(req, t);
      if (req.method === 'DELETE' && t.name !== undefined && t.namespace !== undefined) return remove(t);
      throw new ApiError(
        'MethodNotAllowed',
        'pods are the running instances, read-only: only get, list, watch and delete',
      );
    },
  };
}

export type PodsView = ReturnType<typeof createPodsView>;
