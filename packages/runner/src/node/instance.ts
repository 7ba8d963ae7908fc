import type { StartInstanceReply } from '@kedge/core';
import type { Queue } from '../queue/queue.js';
import type { RuntimeInstance } from '../runtimes/runtime.js';

/** One copy of a revision this node hosts (kubelet's pod), behind its own queue (Knative's queue-proxy). */
export interface Instance {
  namespace: string;
  revision: string;
  id: string;
  state: 'starting' | 'ready' | 'draining';
  queue?: Queue;
  runtime?: RuntimeInstance;
  started: Promise<StartInstanceReply>;
}

/** The node's instances by id: the one table its parts share. */
export type Instances = Map<string, Instance>;

export const revisionKey = (namespace: string, revision: string): string => `${namespace}/${revision}`;

/** The revision's instances that serve (in the endpoints). */
export function readyInstances(instances: Instances, namespace: string, revision: string): Instance[] {
  const ready: Instance[] = [];
  for (const i of instances.values())
    if (i.namespace === namespace && i.revision === revision && i.state === 'ready') ready.push(i);
  return ready;
}
