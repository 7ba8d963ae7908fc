import type { Revision } from './types.js';

/** A container with `command` runs as a local process; any other is a WebAssembly component. */
export function isProcessRevision(rev: Revision): boolean {
  return !!rev.spec.containers[0]?.command?.length;
}

/**
 * Requests one instance of the revision can truly serve at once (0 = no limit). A WebAssembly
 * instance runs a synchronous guest on one worker thread: it serves one request at a time whatever
 * `containerConcurrency` says, so it counts as 1 — for the runner's queue, the activator's capacity
 * and the autoscaler's target alike (docs/runner.md).
 */
export function effectiveContainerConcurrency(rev: Revision): number {
  return isProcessRevision(rev) ? rev.spec.containerConcurrency ?? 0 : 1;
}
