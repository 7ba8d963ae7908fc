import { StoreError } from '@kedge/core';
import { admit, fieldValidationOf } from '../admit.js';
import { MAX_BODY_BYTES, parseObject, readBody } from '../body.js';
import { ApiError, fromStoreError } from '../status.js';
import { type HandlerContext, json, type Target, type VerbHandler, withStoreErrors } from './context.js';
import { dryRunOf, requireWritable, warningHeaders } from './write.js';

/** POST on a namespaced collection: admit the body as a new object and store it (201). */
export function createCreate(ctx: HandlerContext): VerbHandler {
  return async function create(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    requireWritable(t);
    if (t.subresource) throw new ApiError('MethodNotAllowed', `POST is not allowed on a ${t.subresource} subresource`);
    const dryRun = dryRunOf(q);
    const raw = parseObject(await readBody(req, MAX_BODY_BYTES), req.headers.get('content-type'));
    const { object, warnings } = admit(raw, {
      info: t.info,
      namespace: t.namespace!,
      config: ctx.config.current,
      fieldValidation: fieldValidationOf(q.get('fieldValidation') ?? undefined),
      suffix: ctx.suffix,
    });
    const name = object.metadata.name;
    if (dryRun) {
      if (await ctx.store.get(t.kind, t.namespace!, name))
        throw fromStoreError(new StoreError('AlreadyExists', ''), t.info, name);
      return json(object, 201, warningHeaders(warnings));
    }
    const stored = await withStoreErrors(t, name, ctx.store.create(object));
    return json(stored, 201, warningHeaders(warnings));
  };
}
