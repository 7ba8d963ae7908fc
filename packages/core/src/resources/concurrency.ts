import { revisionRuntimeKind } from './runtime-kind.js';
import type { Revision } from './types.js';

/** The revision runs as a local process (runtimeKind `process`). */
export function isProcessRevision(rev: Revision): boolean {
  return revisionRuntimeKind(rev) === 'process';
}

/**
 * Requests one instance of the revision serves at once (0 = no limit): its `containerConcurrency`,
 * for the runner's queue, the activator's capacity and the autoscaler's target alike. A WebAssembly
 * replica honours it with a pool of guest instances, one call in flight each (docs/runner.md).
 */
export function effectiveContainerConcurrency(rev: Revision): number {
  return rev.spec.containerConcurrency ?? 0;
}
