import {
  subjects,
  type Bus,
  type Clock,
  type EndpointsMessage,
  type NodeHeartbeat,
  type StartInstanceReply,
  type StartInstanceRequest,
  type StopInstanceRequest,
  type Subscription,
  type TimerHandle,
} from '@kedge/core';

/**
 * A runner node that speaks the real bus protocol (start/stop requests, endpoints, heartbeats)
 * but runs nothing: instances are ready the moment they start.
 */
export class FakeRunner {
  readonly instances = new Map<string, { namespace: string; revision: string }>();
  readonly starts: (StartInstanceRequest & { at: number })[] = [];
  readonly stops: (StopInstanceRequest & { at: number })[] = [];
  private subs: Subscription[] = [];
  private timer?: TimerHandle;
  readonly startedAt: number;

  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    readonly nodeId: string,
    readonly capacity = 10,
  ) {
    this.startedAt = clock.now();
  }

  start(): this {
    this.subs.push(
      this.bus.subscribe<StartInstanceRequest>(subjects.runnerStart(this.nodeId), (m) => {
        const req = m.data;
        this.starts.push({ ...req, at: this.clock.now() });
        this.instances.set(req.instanceId, { namespace: req.namespace, revision: req.revision });
        this.publishEndpoints(req.namespace, req.revision);
        m.respond?.({ ok: true, instanceId: req.instanceId } satisfies StartInstanceReply);
      }),
      this.bus.subscribe<StopInstanceRequest>(subjects.runnerStop(this.nodeId), (m) => {
        const req = m.data;
        this.stops.push({ ...req, at: this.clock.now() });
        this.instances.delete(req.instanceId);
        this.publishEndpoints(req.namespace, req.revision);
        m.respond?.({ ok: true });
      }),
    );
    // A restarted autoscaler (or gateway) asks every runner to repeat its endpoints.
    this.subs.push(
      this.bus.subscribe(subjects.endpointsResync, () => {
        const revs = new Set([...this.instances.values()].map((v) => `${v.namespace}/${v.revision}`));
        for (const key of revs) {
          const [ns, rev] = key.split('/') as [string, string];
          this.publishEndpoints(ns, rev);
        }
      }),
    );
    this.heartbeat();
    this.timer = this.clock.setInterval(() => this.heartbeat(), 1000);
    return this;
  }

  /** Stops answering and heartbeating, as a node that died. */
  kill(): void {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    if (this.timer) this.clock.clearInterval(this.timer);
  }

  of(namespace: string, revision: string): string[] {
    return [...this.instances]
      .filter(([, v]) => v.namespace === namespace && v.revision === revision)
      .map(([id]) => id);
  }

  heartbeat(): void {
    const instances: Record<string, string[]> = {};
    for (const [id, v] of this.instances) (instances[`${v.namespace}/${v.revision}`] ??= []).push(id);
    const hb: NodeHeartbeat = {
      nodeId: this.nodeId,
      url: `http://127.0.0.1:1/${this.nodeId}`,
      capacity: this.capacity,
      instances,
      time: this.clock.now(),
      startedAt: this.startedAt,
      version: 'fake',
    };
    this.bus.publish(subjects.nodeHeartbeat, hb);
  }

  publishEndpoints(namespace: string, revision: string): void {
    const msg: EndpointsMessage = {
      namespace,
      revision,
      nodeId: this.nodeId,
      endpoints: this.of(namespace, revision).map((instanceId) => ({
        namespace,
        revision,
        instanceId,
        nodeId: this.nodeId,
        url: `http://127.0.0.1:1/${this.nodeId}`,
        concurrency: 0,
      })),
      time: this.clock.now(),
    };
    this.bus.publish(subjects.endpoints(namespace, revision), msg);
  }
}

/** Lets bus deliveries (microtasks) run; status writes (deferred a few ms) are awaited with `as.idle()`. No wall-clock waiting. */
export async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
