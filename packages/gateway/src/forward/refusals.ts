import type { Endpoint } from '@kedge/core';
import { NeverReachedError } from './transport.js';

/**
 * A runner refused a service-to-service call for want of a free slot (503 `NoFreeSlot`): gateways
 * that share an instance each count only their own requests, and a nested call waiting in the
 * instance's queue may wait on slots its own callers hold. It waits in the activator instead.
 */
export class NoFreeSlotError extends Error {}

/**
 * A runner answers 503 `{"error":"InstanceNotFound"}` when the instance is not (any more) on the
 * node: the request reached no instance, so it may go to another one. `NoFreeSlot` (a nested call
 * refused by a full instance) is tried again when the request has no body to resend. Other 503s
 * pass on as is.
 */
export async function instanceMissing(ep: Endpoint, res: Response, resendable: boolean): Promise<Response> {
  if (!res.headers.get('content-type')?.includes('json')) return res;
  const text = await res.text();
  let error: unknown;
  try {
    error = (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    // not the runner's error shape
  }
  if (error === 'InstanceNotFound') throw new NeverReachedError(ep.instanceId, new Error(text));
  if (error === 'NoFreeSlot' && resendable) throw new NoFreeSlotError(text);
  return new Response(text, { status: res.status, headers: res.headers });
}
