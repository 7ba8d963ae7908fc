import { notFound } from '../status.js';
import { tableFor, wantsTable } from '../table.js';
import { type HandlerContext, json, type Target, type VerbHandler } from './context.js';
import { fieldSelector } from './field-selector.js';
import { createWatch, isWatch } from './watch.js';

/** GET on a collection: the list (or a Table of it), filtered by label and field selectors, or a watch. */
export function createList(ctx: HandlerContext): VerbHandler {
  const watch = createWatch(ctx);
  return async function list(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    if (isWatch(q)) return watch(req, t, q);
    const match = fieldSelector(q.get('fieldSelector') ?? undefined);
    const labelSelector = q.get('labelSelector') ?? undefined;
    const res = await ctx.store.list(t.kind, {
      ...(t.namespace ? { namespace: t.namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
    });
    const items = res.items.filter(match);
    if (wantsTable(req)) return json(tableFor(t.info, items, res.resourceVersion, q.get('includeObject')));
    return json({
      apiVersion: t.info.apiVersion,
      kind: `${t.info.kind}List`,
      metadata: { resourceVersion: res.resourceVersion },
      items,
    });
  };
}

/** GET on one object (or its status subresource, which reads the same). */
export function createGet(ctx: HandlerContext): VerbHandler {
  return async function get(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    const obj = await ctx.store.get(t.kind, t.namespace!, t.name!);
    if (!obj) throw notFound(t.info, t.name!);
    if (wantsTable(req))
      return json(tableFor(t.info, [obj], obj.metadata.resourceVersion ?? '', q.get('includeObject')));
    return json(obj);
  };
}
