import { type Cancellation, markCompleteResponse, type Revision, type RuntimeKind } from '@kedge/core';
import type { InstanceUsage } from './usage.js';

/** Phase timings of one instance start, in ms (they end up in StartInstanceReply.timings). */
export type Timings = Record<string, number>;

/** One running copy of a revision, behind its queue. */
export interface RuntimeInstance {
  /**
   * Requests the instance serves at once (0 = no limit): the revision's containerConcurrency, which
   * the queue gates on and the endpoints publish (a WebAssembly replica honours it with a guest pool).
   */
  readonly concurrency: number;
  /** Serves one request; `cancel` fires when the queue's deadline for it passed or its client left. */
  handle(req: Request, cancel: Cancellation): Promise<Response>;
  /** Called once the queue drained: nothing is in flight any more. */
  stop(): Promise<void>;
  /** CPU time and memory so far, for the HPA class (reported with the queue's stats). */
  usage?(): InstanceUsage | undefined;
  /**
   * Settles with why, when the instance ended on its own (its process or container exited, killed
   * for its memory limit): the runner takes it out of the endpoints and the autoscaler replaces it.
   */
  readonly ended?: Promise<string>;
}

export interface Runtime {
  /** The revisions it runs: those whose runtimeKind (core) is this. */
  readonly kind: RuntimeKind;
  /** Knative's image pull: get the revision ready to start fast. Rejects with a user-facing error. */
  prepare(rev: Revision): Promise<void>;
  start(rev: Revision, instanceId: string, timings: Timings): Promise<RuntimeInstance>;
  /** The revision is gone: let go of anything kept for it. */
  release?(rev: Revision): void;
  close(): Promise<void>;
}

/** Why a revision cannot run; `reason` is the CamelCase word a Ready=False condition carries. */
export class RevisionLoadError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'RevisionLoadError';
  }
}

/** The instance's environment as Knative gives it to a container: revision env + K_* names. */
export function revisionEnv(rev: Revision): [string, string][] {
  const container = rev.spec.containers[0];
  const env: [string, string][] = [];
  for (const e of container?.env ?? []) if (e.value !== undefined) env.push([e.name, e.value]);
  const labels = rev.metadata.labels ?? {};
  const k: [string, string][] = [
    ['K_SERVICE', labels['serving.knative.dev/service'] ?? ''],
    ['K_CONFIGURATION', labels['serving.knative.dev/configuration'] ?? ''],
    ['K_REVISION', rev.metadata.name],
  ];
  const names = new Set(k.map(([n]) => n));
  return [...env.filter(([n]) => !names.has(n)), ...k.filter(([, v]) => v !== '')];
}

/**
 * Headers meant for the runner, not for the app (Knative strips its routing headers too). The
 * runtimes leave them out where they copy the request anyway, so no second Request is built.
 */
export const INTERNAL_HEADERS: ReadonlySet<string> = new Set(['kedge-instance', 'kedge-revision', 'kedge-proxied']);

/** The headers without the internal ones (the same object when there are none). */
export function appHeaders(headers: Headers): Headers {
  let found = false;
  for (const name of INTERNAL_HEADERS) if (headers.has(name)) found = true;
  if (!found) return headers;
  const out = new Headers(headers);
  for (const name of INTERNAL_HEADERS) out.delete(name);
  return out;
}

export function jsonError(
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): Response {
  return markCompleteResponse(
    new Response(JSON.stringify({ error, message, ...extra }), {
      status,
      headers: { 'content-type': 'application/json' },
    }),
  );
}
