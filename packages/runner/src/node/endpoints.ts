import { subjects, type Bus, type Clock, type EndpointsMessage } from '@kedge/core';
import { readyInstances, revisionKey, type Instances } from './instance.js';

export interface EndpointsDeps {
  bus: Bus;
  clock: Clock;
  nodeId: string;
  /** This node's HTTP entry, where gateways send the requests. */
  url: string;
  instances: Instances;
}

/**
 * Tells gateways and autoscalers which instances of a revision serve on this node (Knative's
 * Endpoints of the revision's private service, sent per node): every message is the whole list.
 */
export class EndpointsPublisher {
  constructor(private readonly deps: EndpointsDeps) {}

  publish(namespace: string, revision: string): void {
    const { bus, clock, nodeId, url, instances } = this.deps;
    const endpoints = readyInstances(instances, namespace, revision).map((i) => ({
      namespace,
      revision,
      instanceId: i.id,
      nodeId,
      url,
      concurrency: i.runtime!.concurrency,
    }));
    const msg: EndpointsMessage = { namespace, revision, nodeId, endpoints, time: clock.now() };
    bus.publish(subjects.endpoints(namespace, revision), msg);
  }

  /** A gateway or autoscaler (re)started: it learns what this node hosts without waiting for a change. */
  resync(): void {
    const hosted = new Map<string, [string, string]>();
    for (const i of this.deps.instances.values())
      hosted.set(revisionKey(i.namespace, i.revision), [i.namespace, i.revision]);
    for (const [ns, rev] of hosted.values()) this.publish(ns, rev);
  }
}
