import { runtimeForArtifactType } from '../oci/media-types.js';
import { namesRegistry } from '../oci/reference.js';
import { parseImageDigest } from './image.js';
import type { Revision } from './types.js';

/**
 * The contract between the revision reconciler (which resolves registry images) and the runtimes: an
 * image that names a registry (`host[:port]/repo[:tag][@digest]`) runs only once
 * `status.resolvedImage` is set; its `artifactType` says which runtime runs it. Local image names
 * (`localhost/x`, `node:20`), `.wasm` uploads (`<file>@sha256:…`) and process revisions are not resolved.
 */
function servingImage(rev: Revision): string {
  return rev.spec.containers[0]?.image ?? '';
}

/** The image names a registry and the revision is not a process revision: the reconciler resolves it. */
export function resolvesFromRegistry(rev: Revision): boolean {
  const c = rev.spec.containers[0];
  return !c?.command?.length && namesRegistry(servingImage(rev));
}

/** A registry image not resolved yet: runners wait for the digest instead of failing. */
export function awaitsImageResolution(rev: Revision): boolean {
  return resolvesFromRegistry(rev) && !rev.status?.resolvedImage;
}

/** The runtime a resolved registry image asks for; undefined when the image was not resolved from a registry. */
export function resolvedRuntime(rev: Revision): 'wasm' | 'container' | undefined {
  const r = resolvesFromRegistry(rev) ? rev.status?.resolvedImage : undefined;
  if (!r) return undefined;
  // Skipped registries are local development names: only a container engine can use an image by name.
  return r.artifactType === undefined ? 'container' : runtimeForArtifactType(r.artifactType);
}

/**
 * The component the wasm runtime loads from the Store's blobs: the uploaded `<file>@sha256:…`, or the
 * wasm layer a registry image resolved to.
 */
export function componentDigest(rev: Revision): string | undefined {
  if (resolvesFromRegistry(rev)) return rev.status?.resolvedImage?.component;
  return parseImageDigest(servingImage(rev));
}
