import type { Revision } from './types.js';

/** A container with `command` runs as a local process; any other is a WebAssembly component. */
export function isProcessRevision(rev: Revision): boolean {
  return !!rev.spec.containers[0]?.command?.length;
}

/**
 * Requests one instance of the revision serves at once (0 = no limit): its `containerConcurrency`,
 * for the runner's queue, the activator's capacity and the autoscaler's target alike. A WebAssembly
 * replica honours it with a pool of guest instances, one call in flight each (docs/runner.md).
 */
export function effectiveContainerConcurrency(rev: Revision): number {
  return rev.spec.containerConcurrency ?? 0;
}
