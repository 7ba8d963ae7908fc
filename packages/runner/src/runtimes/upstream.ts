import type { Cancellation } from '@kedge/core';
import { appHeaders, jsonError } from './runtime.js';

/**
 * Forwards a request to an instance listening on `base` (a process or a container's published
 * port); `what` names the instance in the errors ("process", "container").
 */
export async function forward(base: string, req: Request, cancel: Cancellation, what: string): Promise<Response> {
  const signal = cancel.signal();
  const url = new URL(req.url);
  try {
    return await fetch(base + url.pathname + url.search, {
      method: req.method,
      headers: appHeaders(req.headers),
      body: req.body,
      signal,
      redirect: 'manual',
      ...(req.body ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    return jsonError(502, 'UpstreamError', `the instance's ${what} did not answer: ${(err as Error).message}`);
  }
}
