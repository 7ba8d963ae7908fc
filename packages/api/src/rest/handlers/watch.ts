import { tableFor, wantsTable } from '../table.js';
import { badRequest } from '../status.js';
import { watchResponse } from '../watch.js';
import type { HandlerContext, Target } from './context.js';
import { fieldSelector } from './field-selector.js';

/** `?watch=true` on a list URL: the list's selectors, streamed as watch events from a resourceVersion on. */
export function createWatch(ctx: HandlerContext) {
  return function watch(req: Request, t: Target, q: URLSearchParams): Response {
    const match = fieldSelector(q.get('fieldSelector') ?? undefined);
    const labelSelector = q.get('labelSelector') ?? undefined;
    const rv = q.get('resourceVersion');
    if (rv && !/^\d+$/.test(rv))
      throw badRequest(`resourceVersion: "${rv}" is not a resourceVersion this API gave out (a number)`);
    const table = wantsTable(req);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    return watchResponse(ctx.store, ctx.clock, {
      kind: t.kind,
      ...(t.namespace ? { namespace: t.namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      match,
      ...(rv ? { resourceVersion: rv } : {}),
      ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutSeconds: timeout } : {}),
      ...(ctx.watches ? { open: ctx.watches } : {}),
      render: (o) => (table ? tableFor(t.info, [o], '', q.get('includeObject')) : o),
    });
  };
}

export function isWatch(q: URLSearchParams): boolean {
  return q.get('watch') === 'true' || q.get('watch') === '1';
}
