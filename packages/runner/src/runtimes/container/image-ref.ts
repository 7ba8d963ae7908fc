import type { Revision } from '@kedge/core';

/**
 * The reference to run: the image pinned to the digest the API resolved (Knative's tag-to-digest
 * resolution, in status.containerStatuses[0].imageDigest), else the image as written.
 */
export function imageToRun(rev: Revision): string {
  const image = rev.spec.containers[0]?.image ?? '';
  const resolved = rev.status?.containerStatuses?.[0]?.imageDigest;
  if (!resolved || image.includes('@')) return image;
  // Knative stores the full `repo@sha256:…`; a bare digest is pinned to the written repository.
  if (resolved.includes('@')) return resolved;
  if (!/^sha256:[0-9a-f]{64}$/.test(resolved)) return image;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const repo = colon > slash ? image.slice(0, colon) : image;
  return `${repo}@${resolved}`;
}
