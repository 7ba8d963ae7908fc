/**
 * The door between a gateway and a runner in the same process (embedded mode): the runner
 * implements it, `kedge up` hands it to the gateway, and the gateway skips HTTP for local instances.
 * Remote runners expose the same semantics over HTTP.
 */
export interface DispatchTarget {
  namespace: string;
  revision: string;
  instanceId: string;
}

export interface DispatchOptions {
  /** The activator forwarded this request (the queue marks it so the autoscaler does not count it twice). */
  fromActivator?: boolean;
  signal?: AbortSignal;
}

export interface InstanceDispatcher {
  readonly nodeId: string;
  dispatch(target: DispatchTarget, request: Request, opts?: DispatchOptions): Promise<Response>;
}

/** Header a forwarded request carries so the runner's HTTP entry knows which instance to use. */
export const INSTANCE_HEADER = 'kedge-instance';
export const REVISION_HEADER = 'kedge-revision';
export const ACTIVATOR_HEADER = 'kedge-proxied';
/**
 * Service-to-service hops a request has made (A calls B calls C…), set by the runner on a guest's
 * cluster-local calls. Only calls from inside the cluster may carry it: a public gateway removes a
 * client's, which could otherwise start a request near the limit or claim a count the runner trusts.
 */
export const HOPS_HEADER = 'kedge-hops';

/**
 * Marks a Response whose body is already entirely in memory (a buffer or string, nothing left to
 * produce). A gateway can then free the instance's slot at once and hand the Response to its HTTP
 * server untouched, instead of wrapping the body to find its end. A symbol on the object, so it
 * survives any number of hands and needs no shared state.
 */
export const COMPLETE_RESPONSE = Symbol.for('kedge.response.complete');

export function markCompleteResponse<R extends Response>(res: R): R {
  (res as unknown as Record<symbol, boolean>)[COMPLETE_RESPONSE] = true;
  return res;
}

export function isCompleteResponse(res: Response): boolean {
  return (res as unknown as Record<symbol, boolean | undefined>)[COMPLETE_RESPONSE] === true;
}
