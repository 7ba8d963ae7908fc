import {
  BusError,
  subjects,
  type AdminScaleReply,
  type AdminScaleRequest,
  type Bus,
  type Logger,
  type Revision,
  type Store,
} from '@kedge/core';
import { isNamespaceName, isObjectName } from '../rest/admit.js';
import { ApiError, badRequest, statusResponse } from '../rest/status.js';

/**
 * Admin verbs that are not Knative API objects. One so far:
 *
 *   POST /apis/kedge.dev/v1/namespaces/{ns}/revisions/{name}/scale   {"to": 0}
 *
 * forces the revision to zero instances now, bypassing the scale-to-zero grace period, by asking the
 * autoscaler over the bus (subjects.adminScale). It answers once the runners confirmed every stop, so the
 * next request meets the revision cold: `kedge revision scale NAME --to 0` and `kedge bench cold-start` use it.
 * Only `to: 0` is supported (a count above zero is what the autoscaler decides, not an operator).
 */
const SCALE_PATH = /^\/apis\/kedge\.dev\/v1\/namespaces\/([^/]+)\/revisions\/([^/]+)\/scale$/;

/** How long to wait for the autoscaler (stopping instances includes draining their in-flight requests). */
const SCALE_TIMEOUT_MS = 60_000;

export interface AdminDeps {
  store: Store;
  bus: Bus;
  logger: Logger;
}

/** Returns a handler that answers the admin paths and `undefined` for every other request. */
export function createAdminRoutes(deps: AdminDeps): (req: Request) => Promise<Response> | undefined {
  return (req) => {
    const m = SCALE_PATH.exec(new URL(req.url).pathname);
    if (!m) return undefined;
    return scale(deps, req, urlName(m[1]!), urlName(m[2]!)).catch((err: unknown) =>
      statusResponse(
        err instanceof ApiError ? err : new ApiError('InternalError', `internal error: ${(err as Error).message}`),
      ),
    );
  };
}

/** A path segment as a name, or undefined when it does not decode (checked in scale, so it answers 400). */
function urlName(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

async function scale(
  deps: AdminDeps,
  req: Request,
  namespace: string | undefined,
  name: string | undefined,
): Promise<Response> {
  if (namespace === undefined || !isNamespaceName(namespace))
    throw badRequest(`invalid namespace "${namespace ?? ''}": must be a DNS-1123 label`, [
      { field: 'metadata.namespace', message: 'must be a DNS-1123 label' },
    ]);
  if (name === undefined || !isObjectName(name))
    throw badRequest(`invalid name "${name ?? ''}": must be a DNS-1123 subdomain`, [
      { field: 'metadata.name', message: 'must be a DNS-1123 subdomain' },
    ]);
  if (req.method !== 'POST')
    throw new ApiError('MethodNotAllowed', `${req.method} is not allowed on revisions/scale (use POST {"to": 0})`);
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw badRequest('the body is not JSON: send {"to": 0}', [{ field: 'body', message: 'not JSON' }]);
  }
  const to = (body as { to?: unknown } | null)?.to;
  if (to !== 0)
    throw badRequest(`to: only 0 is supported (got ${JSON.stringify(to)}); above zero the autoscaler decides`, [
      { field: 'to', message: 'only 0 is supported' },
    ]);
  const rev = await deps.store.get<Revision>('Revision', namespace, name);
  if (!rev)
    throw new ApiError('NotFound', `revisions.serving.knative.dev "${name}" not found in namespace ${namespace}`);
  const request: AdminScaleRequest = { to };
  let reply: AdminScaleReply;
  try {
    reply = await deps.bus.request<AdminScaleReply>(subjects.adminScale(namespace, name), request, {
      timeoutMs: SCALE_TIMEOUT_MS,
    });
  } catch (err) {
    if (err instanceof BusError && err.code === 'NoResponders')
      return unavailable('no autoscaler is running to scale the revision');
    if (err instanceof BusError && err.code === 'Timeout')
      return unavailable(`the autoscaler did not answer within ${SCALE_TIMEOUT_MS / 1000} s`);
    throw err;
  }
  if (!reply.ok)
    throw new ApiError('Conflict', `scale ${namespace}/${name} to 0: ${reply.error ?? 'refused by the autoscaler'}`);
  deps.logger.info(
    { revision: `${namespace}/${name}`, stopped: reply.stopped },
    'revision scaled to zero by the admin verb',
  );
  return Response.json({ ok: true, namespace, revision: name, to, stopped: reply.stopped ?? 0 });
}

function unavailable(message: string): Response {
  return Response.json(
    {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: 'ServiceUnavailable',
      code: 503,
    },
    { status: 503 },
  );
}
