import { kindDefinition } from '@kedge/core';
import { MAX_BODY_BYTES, parseJson, readBody } from '../body.js';
import { jsonPatch, mergePatch, stripDirectives } from '../patch.js';
import { ApiError, badRequest, notFound } from '../status.js';
import { type HandlerContext, json, type Target, type VerbHandler } from './context.js';
import { updateFrom } from './update.js';
import { dryRunOf, requireWritable, warningHeaders } from './write.js';

/** Tries of a patch without a resourceVersion before its Conflict reaches the client. */
const PATCH_ATTEMPTS = 30;

/** PATCH on one object: merge, JSON or (for kinds that take it) strategic-merge patch, then an update. */
export function createPatch(ctx: HandlerContext): VerbHandler {
  return async function patch(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    requireWritable(t);
    const dryRun = dryRunOf(q);
    const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const apply = patchOf(t, type, await readBody(req, MAX_BODY_BYTES));
    // A patch without a resourceVersion is last-writer-wins: retry when someone wrote in between, as
    // the apiserver's GuaranteedUpdate does, with a jittered pause so concurrent patchers spread out.
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 50)));
      const old = await ctx.store.get(t.kind, t.namespace!, t.name!);
      if (!old) throw notFound(t.info, t.name!);
      const patched = apply(structuredClone(old));
      if (patched === null || typeof patched !== 'object' || Array.isArray(patched))
        throw badRequest('the patched object is not an object');
      const pinned =
        (patched as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion !==
        old.metadata.resourceVersion;
      try {
        const { stored, warnings } = await updateFrom(ctx, t, patched as Record<string, unknown>, old, q, dryRun);
        return json(stored, 200, warningHeaders(warnings));
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'Conflict') || pinned || attempt >= PATCH_ATTEMPTS - 1)
          throw err;
      }
    }
  };
}

/** The patch body, by its content type, as a function from the live object to the patched one. */
function patchOf(t: Target, type: string, body: Uint8Array): (live: unknown) => unknown {
  if (type === 'application/merge-patch+json' || type === 'application/json' || type === '') {
    const p = parseJson(body);
    if (p === null || typeof p !== 'object' || Array.isArray(p))
      throw badRequest('a merge patch must be a JSON object');
    return (live) => mergePatch(live, p);
  }
  if (type === 'application/json-patch+json') {
    const p = parseJson(body);
    return (live) => jsonPatch(live, p);
  }
  if (type === 'application/strategic-merge-patch+json' && kindDefinition(t.kind)?.strategicMergePatch) {
    const p = stripDirectives(parseJson(body));
    return (live) => mergePatch(live, p);
  }
  throw new ApiError(
    'UnsupportedMediaType',
    `the patch type ${type || '(none)'} is not supported by ${t.info.apiVersion}, Kind=${t.info.kind}: ` +
      'use application/merge-patch+json or application/json-patch+json',
  );
}
