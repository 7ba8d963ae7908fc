import {
  awaitsImageResolution,
  type Bus,
  type Clock,
  type Logger,
  type Revision,
  type StartInstanceReply,
  type StartInstanceRequest,
  type Store,
} from '@kedge/core';
import type { InstanceLogs } from '../logs/ring.js';
import type { Runtime, Timings } from '../runtimes/runtime.js';
import type { EndpointsPublisher } from './endpoints.js';
import { startedEvent } from './events.js';
import { readyInstances, revisionKey, type Instance, type Instances } from './instance.js';
import { instanceQueue } from './instance-queue.js';
import { loadFailure, type NodeRevisions } from './revisions.js';

export interface InstanceLifecycleDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  nodeId: string;
  /** Instances this node hosts at most. */
  capacity: number;
  instances: Instances;
  revisions: NodeRevisions;
  endpoints: EndpointsPublisher;
  logs: InstanceLogs;
  /** The runtime that may run the revision now; throws RevisionLoadError when it may not. */
  runnable: (rev: Revision) => Runtime;
}

const refusal = (instanceId: string, error: string): StartInstanceReply => ({ ok: false, instanceId, error });

/**
 * Starts and stops the node's instances (kubelet's pod lifecycle): a start joins the endpoints once
 * the runtime says the instance is ready; a stop leaves them first and drains what is in flight.
 */
export class InstanceLifecycle {
  private stopping = false;

  constructor(private readonly deps: InstanceLifecycleDeps) {}

  /** Whether the node is stopping (it starts nothing more). */
  get draining(): boolean {
    return this.stopping;
  }

  /** The autoscaler's start; asked again for the same instance, the same answer. */
  async start(req: StartInstanceRequest): Promise<StartInstanceReply> {
    const { namespace, revision, instanceId } = req;
    const { instances, capacity, nodeId } = this.deps;
    const existing = instances.get(instanceId);
    if (existing && (existing.namespace !== namespace || existing.revision !== revision))
      return refusal(instanceId, `instance id ${instanceId} is in use by ${existing.namespace}/${existing.revision}`);
    if (existing) return existing.started;
    if (this.stopping) return refusal(instanceId, `runner ${nodeId} is stopping`);
    if (instances.size >= capacity)
      return refusal(instanceId, `runner ${nodeId} is at capacity (${capacity} instances)`);
    const inst: Instance = { namespace, revision, id: instanceId, state: 'starting', started: undefined as never };
    instances.set(instanceId, inst);
    inst.started = this.boot(inst);
    return inst.started;
  }

  private async boot(inst: Instance): Promise<StartInstanceReply> {
    const { namespace, revision, id } = inst;
    const { instances, revisions, logs } = this.deps;
    const t0 = performance.now();
    let rev: Revision | undefined;
    try {
      rev =
        revisions.get(namespace, revision) ?? (await this.deps.store.get<Revision>('Revision', namespace, revision));
    } catch (err) {
      // The Store is unreachable: refuse this start (the autoscaler backs off and asks again).
      instances.delete(id);
      return refusal(id, `revision ${namespace}/${revision} could not be read: ${(err as Error).message}`);
    }
    if (!rev) {
      instances.delete(id);
      return refusal(id, `revision ${namespace}/${revision} not found`);
    }
    logs.open(id, namespace, revision, rev.metadata.labels?.['serving.knative.dev/service']);
    const timings: Timings = {};
    try {
      const runtime = await this.deps.runnable(rev).start(rev, id, timings);
      inst.runtime = runtime;
      inst.queue = instanceQueue(rev, id, runtime, this.deps.clock);
      if (instances.get(id) !== inst) {
        // Stopped while starting.
        await runtime.stop();
        return refusal(id, 'instance was stopped while starting');
      }
      void runtime.ended?.then((why) => this.ended(inst, why));
      inst.state = 'ready';
      timings.total = performance.now() - t0;
      this.deps.endpoints.publish(namespace, revision);
      startedEvent(this.deps, rev, id, timings, readyInstances(instances, namespace, revision).length);
      if (!revisions.reportedReady(namespace, revision)) revisions.report(rev, true);
      return { ok: true, instanceId: id, timings };
    } catch (err) {
      instances.delete(id);
      logs.close(id);
      const f = loadFailure(err);
      this.deps.logger.warn({ revision: revisionKey(namespace, revision), instance: id, reason: f.reason }, f.message);
      // A start that came before the API resolved the image says nothing about the image: prepare()
      // reports once it is resolved.
      if (!awaitsImageResolution(rev)) revisions.report(rev, false, f.reason, f.message);
      return refusal(id, `${f.reason}: ${f.message}`);
    }
  }

  /**
   * The instance's process or container ended by itself (crashed, killed for its memory limit): it
   * leaves the endpoints now, and the node's heartbeats stop listing it, so the autoscaler starts
   * a replacement; its neighbours serve on.
   */
  private ended(inst: Instance, why: string): void {
    if (this.deps.instances.get(inst.id) !== inst || inst.state === 'draining') return;
    this.deps.logger.warn(
      { revision: revisionKey(inst.namespace, inst.revision), instance: inst.id },
      `instance ended: ${why}`,
    );
    inst.state = 'draining';
    this.deps.instances.delete(inst.id);
    this.deps.endpoints.publish(inst.namespace, inst.revision);
    void inst.runtime!.stop().catch(() => undefined);
  }

  /** Leave the endpoints first, finish what is in flight, then stop the instance. */
  async stop(inst: Instance): Promise<void> {
    const { instances, bus } = this.deps;
    if (inst.state === 'draining') return;
    await inst.started.catch(() => undefined);
    if (!inst.runtime) {
      instances.delete(inst.id);
      return;
    }
    inst.state = 'draining';
    this.deps.endpoints.publish(inst.namespace, inst.revision);
    // Without NATS the flush cannot finish; the drain goes on and the endpoints follow on reconnect.
    await bus.flush().catch(() => undefined);
    // Requests already on their way (routed before the endpoints changed) are still served.
    while (inst.queue!.inFlight > 0) await inst.queue!.drained();
    instances.delete(inst.id);
    await inst.runtime
      .stop()
      .catch((err) => this.deps.logger.error({ err, instance: inst.id }, 'instance stop failed'));
    this.deps.logs.close(inst.id);
  }

  /** The revision is gone: its instances stop. */
  stopRevision(namespace: string, revision: string): void {
    for (const i of this.deps.instances.values())
      if (i.namespace === namespace && i.revision === revision) void this.stop(i);
  }

  /**
   * The node stops: nothing more starts, and every instance stops, but for at most `graceMs` — a
   * guest in an endless loop or a call waiting for minutes must not keep the node from stopping.
   */
  async drain(graceMs: number): Promise<void> {
    this.stopping = true;
    const { instances, clock } = this.deps;
    let timer: unknown;
    const grace = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all([...instances.values()].map((i) => this.stop(i))), grace]);
    clock.clearTimeout(timer as never);
    if (instances.size)
      this.deps.logger.warn({ instances: instances.size }, 'stop grace period over: ending the guests still serving');
  }
}
