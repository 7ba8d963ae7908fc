import type { AnyResource } from '@kedge/core';
import { deleteCascading } from '../../cascade.js';
import { MAX_BODY_BYTES, parseObject, readBody } from '../body.js';
import { ApiError, badRequest, notFound } from '../status.js';
import { type HandlerContext, json, type Target, type VerbHandler, withStoreErrors } from './context.js';
import { dryRunOf, requireWritable } from './write.js';

/** metav1.DeleteOptions, the part Kedge reads. */
interface DeleteOptions {
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
}

const POLICIES = ['Background', 'Foreground', 'Orphan'];

/**
 * DELETE on one object: its preconditions checked, then the object alone (Orphan), or the object and
 * then, depth first, the objects it owns (Background and Foreground alike, before the answer).
 */
export function createDelete(ctx: HandlerContext): VerbHandler {
  return async function remove(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    requireWritable(t);
    const dryRun = dryRunOf(q);
    const opts = await deleteOptionsOf(req);
    const policy = opts.propagationPolicy ?? q.get('propagationPolicy') ?? 'Background';
    if (!POLICIES.includes(policy))
      throw badRequest(`propagationPolicy must be Background, Foreground or Orphan, got "${policy}"`);
    const obj = await ctx.store.get(t.kind, t.namespace!, t.name!);
    if (!obj) throw notFound(t.info, t.name!);
    checkPreconditions(t, opts, obj);
    if (dryRun) return json(obj);
    if (policy === 'Orphan') {
      const gone = await withStoreErrors(
        t,
        t.name!,
        ctx.store.delete(t.kind, t.namespace!, t.name!, { resourceVersion: obj.metadata.resourceVersion! }),
      );
      return json(gone ?? obj);
    }
    const gone = await withStoreErrors(t, t.name!, deleteCascading(ctx.store, obj));
    return json(gone[0] ?? obj);
  };
}

/** The request's DeleteOptions body; an empty body is no options. */
async function deleteOptionsOf(req: Request): Promise<DeleteOptions> {
  const bytes = await readBody(req, MAX_BODY_BYTES);
  if (!new TextDecoder().decode(bytes).trim()) return {};
  return parseObject(bytes, req.headers.get('content-type')) as DeleteOptions;
}

function checkPreconditions(t: Target, opts: DeleteOptions, obj: AnyResource): void {
  const pre = opts.preconditions ?? {};
  if (
    (pre.uid && pre.uid !== obj.metadata.uid) ||
    (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)
  )
    throw new ApiError(
      'Conflict',
      `Operation cannot be fulfilled on ${t.info.plural}.${t.info.group} "${t.name}": ` +
        'the precondition (uid/resourceVersion) does not match the stored object',
      { name: t.name!, group: t.info.group, kind: t.info.plural },
    );
}
