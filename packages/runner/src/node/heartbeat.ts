import { KEDGE_VERSION, subjects, type Bus, type Clock, type NodeHeartbeat, type RuntimeKind } from '@kedge/core';
import { revisionKey, type Instances } from './instance.js';

export interface HeartbeatDeps {
  bus: Bus;
  clock: Clock;
  nodeId: string;
  url: string;
  capacity: number;
  instances: Instances;
  /** When the node started (the autoscaler tells a restarted node from a silent one). */
  startedAt: number;
  /** The guest workers' use, for placement. */
  guests: () => NodeHeartbeat['guests'];
  /** What this node runs now (container only once the engine answered). */
  runtimes: () => RuntimeKind[];
}

/**
 * One beat: the node's live instances and capacity for the autoscaler's placement (kubelet's node
 * status), then each instance's queue stats (Knative's queue-proxy metrics) for its scaling.
 */
export function heartbeat(d: HeartbeatDeps): void {
  const live: Record<string, string[]> = {};
  for (const i of d.instances.values()) {
    if (i.state === 'draining') continue;
    (live[revisionKey(i.namespace, i.revision)] ??= []).push(i.id);
  }
  const hb: NodeHeartbeat = {
    nodeId: d.nodeId,
    url: d.url,
    capacity: d.capacity,
    instances: live,
    time: d.clock.now(),
    startedAt: d.startedAt,
    version: KEDGE_VERSION,
    guests: d.guests(),
    runtimes: d.runtimes(),
  };
  d.bus.publish(subjects.nodeHeartbeat, hb);
  // Reports made while the bus is down would all arrive at the reconnect as one burst of load.
  const connected = d.bus.connected();
  for (const i of d.instances.values()) {
    if (!i.queue) continue;
    const stat = i.queue.report();
    const usage = i.runtime?.usage?.();
    if (usage) {
      stat.cpuMs = usage.cpuMs;
      stat.memoryBytes = usage.memoryBytes;
    }
    if (connected) d.bus.publish(subjects.metrics(i.namespace, i.revision), stat);
  }
}
