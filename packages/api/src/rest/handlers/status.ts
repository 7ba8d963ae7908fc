import type { AnyResource } from '@kedge/core';
import { type HandlerContext, type Target, type Written, withStoreErrors } from './context.js';

/** A write (PUT or PATCH) to the status subresource: the body's status; everything else kept as stored. */
export async function writeStatus(
  ctx: HandlerContext,
  t: Target,
  raw: Record<string, unknown>,
  old: AnyResource,
  dryRun: boolean,
): Promise<Written> {
  const next = { ...structuredClone(old), status: raw.status } as AnyResource;
  const rv = (raw.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  next.metadata.resourceVersion = rv ?? old.metadata.resourceVersion;
  return {
    object: next,
    warnings: [],
    stored: dryRun ? next : await withStoreErrors(t, t.name!, ctx.store.update(next)),
  };
}
