import type { Clock, Revision } from '@kedge/core';
import { Queue } from '../queue/queue.js';
import type { RuntimeInstance } from '../runtimes/runtime.js';

/** Knative's queue depth: 10 × containerConcurrency waiting requests per instance. */
const QUEUE_DEPTH_FACTOR = 10;
/** Waiting requests allowed per instance when the revision sets no containerConcurrency. */
const UNLIMITED_QUEUE_DEPTH = 1000;

/** The queue in front of one instance, sized and timed by its revision (Knative's queue-proxy settings). */
export function instanceQueue(rev: Revision, instanceId: string, runtime: RuntimeInstance, clock: Clock): Queue {
  const specCC = rev.spec.containerConcurrency ?? 0;
  return new Queue({
    namespace: rev.metadata.namespace,
    revision: rev.metadata.name,
    instanceId,
    clock,
    concurrency: runtime.concurrency,
    queueDepth: specCC > 0 ? QUEUE_DEPTH_FACTOR * specCC : UNLIMITED_QUEUE_DEPTH,
    timeoutSeconds: rev.spec.timeoutSeconds ?? 300,
    ...(rev.spec.responseStartTimeoutSeconds
      ? { responseStartTimeoutSeconds: rev.spec.responseStartTimeoutSeconds }
      : {}),
    ...(rev.spec.idleTimeoutSeconds ? { idleTimeoutSeconds: rev.spec.idleTimeoutSeconds } : {}),
  });
}
