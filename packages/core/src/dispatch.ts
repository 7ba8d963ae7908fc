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
