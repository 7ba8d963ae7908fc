import {
  subjects,
  type Bus,
  type BusMessage,
  type LogsRequest,
  type StartInstanceRequest,
  type StopInstanceReply,
  type StopInstanceRequest,
  type Subscription,
} from '@kedge/core';
import type { InstanceLogs } from '../logs/ring.js';
import type { EndpointsPublisher } from './endpoints.js';
import type { Instances } from './instance.js';
import type { InstanceLifecycle } from './lifecycle.js';

export interface NodeSubjectsDeps {
  bus: Bus;
  nodeId: string;
  instances: Instances;
  lifecycle: InstanceLifecycle;
  endpoints: EndpointsPublisher;
  logs: InstanceLogs;
}

/** What the cluster asks this node over the bus: the autoscaler's starts and stops, resyncs, kubectl logs. */
export function subscribeNodeSubjects(d: NodeSubjectsDeps): Subscription[] {
  const { bus, nodeId } = d;
  return [
    bus.subscribe<StartInstanceRequest>(subjects.runnerStart(nodeId), async (m: BusMessage<StartInstanceRequest>) => {
      m.respond?.(await d.lifecycle.start(m.data));
    }),
    bus.subscribe(subjects.endpointsResync, () => d.endpoints.resync()),
    // kubectl logs, through the API: what this node kept of its instances' output.
    bus.subscribe<LogsRequest>(subjects.runnerLogs(nodeId), (m: BusMessage<LogsRequest>) => {
      m.respond?.(d.logs.read(m.data));
    }),
    bus.subscribe<StopInstanceRequest>(subjects.runnerStop(nodeId), async (m: BusMessage<StopInstanceRequest>) => {
      const inst = d.instances.get(m.data.instanceId);
      const reply: StopInstanceReply = { ok: true };
      if (inst) void d.lifecycle.stop(inst);
      m.respond?.(reply);
    }),
  ];
}
