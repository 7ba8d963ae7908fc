import { StoreError, type AnyResource } from '@kedge/core';
import { admit, fieldValidationOf } from '../admit.js';
import { MAX_BODY_BYTES, parseObject, readBody } from '../body.js';
import { ApiError, fromStoreError, notFound } from '../status.js';
import { type HandlerContext, json, type Target, type VerbHandler, type Written, withStoreErrors } from './context.js';
import { writeStatus } from './status.js';
import { dryRunOf, requireWritable, warningHeaders } from './write.js';

/** Shared by PUT and PATCH: admit `raw` as an update of `old`, then store with CAS. */
export async function updateFrom(
  ctx: HandlerContext,
  t: Target,
  raw: Record<string, unknown>,
  old: AnyResource,
  q: URLSearchParams,
  dryRun: boolean,
): Promise<Written> {
  if (t.subresource === 'status') return writeStatus(ctx, t, raw, old, dryRun);
  const { object, warnings } = admit(raw, {
    info: t.info,
    namespace: t.namespace!,
    name: t.name!,
    old,
    config: ctx.config.current,
    fieldValidation: fieldValidationOf(q.get('fieldValidation') ?? undefined),
    suffix: ctx.suffix,
  });
  const rv = object.metadata.resourceVersion;
  if (rv && rv !== old.metadata.resourceVersion) throw fromStoreError(new StoreError('Conflict', ''), t.info, t.name!);
  // A write that changes nothing keeps the resourceVersion (kubectl re-applies; watchers see no event).
  if (dryRun || unchanged(old, object)) return { object, warnings, stored: dryRun ? object : old };
  return { object, warnings, stored: await withStoreErrors(t, t.name!, ctx.store.update(object)) };
}

/** PUT on one object: a full replacement, which must name the resourceVersion it replaces. */
export function createReplace(ctx: HandlerContext): VerbHandler {
  return async function replace(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    requireWritable(t);
    const dryRun = dryRunOf(q);
    const raw = parseObject(await readBody(req, MAX_BODY_BYTES), req.headers.get('content-type'));
    const rv = (raw.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (typeof rv !== 'string' || !rv) throw resourceVersionRequired(t);
    const old = await ctx.store.get(t.kind, t.namespace!, t.name!);
    if (!old) throw notFound(t.info, t.name!);
    const { stored, warnings } = await updateFrom(ctx, t, raw, old, q, dryRun);
    return json(stored, 200, warningHeaders(warnings));
  };
}

function resourceVersionRequired(t: Target): ApiError {
  return new ApiError(
    'Invalid',
    `${t.info.kind} "${t.name}" is invalid: metadata.resourceVersion: must be specified for an update`,
    {
      name: t.name!,
      group: t.info.group,
      kind: t.info.kind,
      causes: [
        {
          field: 'metadata.resourceVersion',
          message: 'must be specified for an update',
          reason: 'FieldValueInvalid',
        },
      ],
    },
  );
}

/** Equal but for the fields the Store sets, whatever the key order. */
function unchanged(old: AnyResource, next: AnyResource): boolean {
  const strip = (o: AnyResource) => {
    const { resourceVersion: _rv, generation: _g, uid: _u, creationTimestamp: _c, ...meta } = o.metadata;
    return JSON.stringify(sortKeys({ ...o, metadata: meta }));
  };
  return strip(old) === strip(next);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v as object)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}
