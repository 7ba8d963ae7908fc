import {
  ACTIVATOR_HEADER,
  CLUSTER_TOKEN_HEADER,
  clusterTokenMatches,
  INSTANCE_HEADER,
  type DispatchOptions,
  type DispatchTarget,
  type InstanceDispatcher,
  type Logger,
} from '@kedge/core';
import { jsonError } from '../runtimes/runtime.js';
import type { Instances } from './instance.js';

export interface EntryDeps {
  nodeId: string;
  logger: Logger;
  instances: Instances;
  /** The cluster's shared secret; unset, the HTTP entry is open (tests and benchmarks only). */
  clusterToken?: string | undefined;
}

/** Where requests reach the node's instances: in-process (a co-located gateway) or over HTTP. */
export interface Entry {
  dispatch: InstanceDispatcher['dispatch'];
  /** HTTP entry: `Kedge-Instance` selects the instance, `Kedge-Proxied` marks activator traffic. */
  fetch(req: Request): Promise<Response>;
}

export function createEntry(deps: EntryDeps): Entry {
  const { nodeId, instances } = deps;

  async function dispatch(target: DispatchTarget, request: Request, opts: DispatchOptions = {}): Promise<Response> {
    const inst = instances.get(target.instanceId);
    if (!inst?.queue || inst.namespace !== target.namespace || inst.revision !== target.revision)
      return jsonError(
        503,
        'InstanceNotFound',
        `instance ${target.instanceId} of ${target.namespace}/${target.revision} is not running on node ${nodeId}`,
      );
    try {
      return await inst.queue.serve(
        request,
        !!opts.fromActivator,
        (r, signal) => inst.runtime!.handle(r, signal),
        opts.signal,
      );
    } catch (err) {
      deps.logger.error({ err, instance: inst.id }, 'request failed in the runner');
      return jsonError(502, 'RunnerError', `the runner could not serve the request: ${(err as Error).message}`);
    }
  }

  async function fetch(incoming: Request): Promise<Response> {
    const denied = refused(incoming, deps.clusterToken);
    if (denied) return denied;
    const req = withoutToken(incoming);
    const id = req.headers.get(INSTANCE_HEADER);
    if (!id)
      return jsonError(
        400,
        'MissingInstance',
        `header ${INSTANCE_HEADER}: required (the instance to serve this request)`,
      );
    const inst = instances.get(id);
    if (!inst) return jsonError(503, 'InstanceNotFound', `instance ${id} is not running on node ${nodeId}`);
    const proxied = req.headers.get(ACTIVATOR_HEADER);
    return dispatch({ namespace: inst.namespace, revision: inst.revision, instanceId: id }, req, {
      fromActivator: proxied !== null && proxied !== 'false',
      signal: req.signal,
    });
  }

  return { dispatch, fetch };
}

/** The entry answers the cluster's gateways only; the secret itself never reaches a guest. */
function refused(req: Request, clusterToken: string | undefined): Response | undefined {
  if (!clusterToken) return undefined;
  const presented = req.headers.get(CLUSTER_TOKEN_HEADER);
  if (presented === null)
    return jsonError(
      401,
      'Unauthorized',
      `header ${CLUSTER_TOKEN_HEADER}: required (the runner serves the cluster's gateways only)`,
    );
  if (!clusterTokenMatches(presented, clusterToken))
    return jsonError(403, 'Forbidden', `header ${CLUSTER_TOKEN_HEADER}: not this cluster's token`);
  return undefined;
}

/** The request without the cluster token (a Request from a server may have immutable headers). */
function withoutToken(req: Request): Request {
  if (!req.headers.has(CLUSTER_TOKEN_HEADER)) return req;
  try {
    req.headers.delete(CLUSTER_TOKEN_HEADER);
    return req;
  } catch {
    const headers = new Headers(req.headers);
    headers.delete(CLUSTER_TOKEN_HEADER);
    const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, signal: req.signal };
    if (req.body) {
      init.body = req.body;
      init.duplex = 'half';
    }
    return new Request(req.url, init);
  }
}
