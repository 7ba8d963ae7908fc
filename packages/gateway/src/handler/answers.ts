import { RequestTimeout, type Logger } from '@kedge/core';
import type { RevisionState } from '../activator/activator.js';
import { ThrottlerError } from '../activator/throttler.js';
import type { RevisionRef, RouteEntry } from '../routing/table.js';

/** The gateway's own answers: HTTP errors are JSON naming what is missing or what failed. */
export function json(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function noRoute(host: string): Response {
  return json(404, { error: 'no route for this host', host });
}

export function noTrafficTargets(host: string, entry: RouteEntry): Response {
  return json(503, { error: 'route has no traffic targets', host, route: entry.route, namespace: entry.namespace });
}

export function revisionFailed(s: RevisionState, failure: NonNullable<RevisionState['failure']>): Response {
  return json(503, {
    error: 'revision failed',
    namespace: s.namespace,
    revision: s.revision,
    reason: failure.reason,
    message: failure.message,
  });
}

/** Knative's wording for a Route naming a deleted revision. */
export function revisionGone(ref: RevisionRef): Response {
  return json(503, {
    error: 'revision not found',
    namespace: ref.namespace,
    revision: ref.revision,
    reason: 'RevisionMissing',
    message: `Error getting active endpoint: revisions.serving.knative.dev "${ref.revision}" not found`,
  });
}

/** A proxied request that got no response: a deadline, the throttler, the client leaving, or the upstream. */
export function proxyFailure(err: unknown, s: RevisionState, clientGone: boolean, log: Logger): Response {
  const base = { namespace: s.namespace, revision: s.revision };
  if (err instanceof RequestTimeout) {
    const reason = err.field === 'responseStartTimeoutSeconds' ? 'ResponseStartTimeout' : 'Timeout';
    return json(504, { error: 'request timeout', ...base, reason, timeoutSeconds: err.seconds });
  }
  if (err instanceof ThrottlerError)
    return json(err.reason === 'Aborted' ? 499 : 503, { error: err.message, ...base, reason: err.reason });
  if (clientGone) {
    // The client left (nginx's 499): the upstream error is the consequence, not a fault.
    log.debug({ err, revision: s.key }, 'client left before the response');
    return json(499, { error: 'client closed request', ...base });
  }
  log.warn({ err, revision: s.key }, 'forwarding failed');
  return json(502, { error: 'upstream error', ...base, message: err instanceof Error ? err.message : String(err) });
}
