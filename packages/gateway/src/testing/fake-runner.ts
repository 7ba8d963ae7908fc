import {
  markCompleteResponse,
  ACTIVATOR_HEADER,
  INSTANCE_HEADER,
  subjects,
  type Bus,
  type DispatchOptions,
  type DispatchTarget,
  type Endpoint,
  type EndpointsMessage,
  type InstanceDispatcher,
  type NodeHeartbeat,
  type StartInstanceReply,
  type StartInstanceRequest,
  type StopInstanceReply,
  type StopInstanceRequest,
  type Subscription,
} from '@kedge/core';

export interface FakeInstance {
  namespace: string;
  revision: string;
  instanceId: string;
  inFlight: number;
  maxInFlight: number;
  served: number;
  draining: boolean;
}

export type FakeHandler = (
  req: Request,
  ctx: { instance: FakeInstance; fromActivator: boolean },
) => Response | Promise<Response>;

export interface FakeRunnerOptions {
  bus: Bus;
  nodeId: string;
  /** Base URL of its HTTP entry, when a test serves `fetch`. */
  url?: string;
  /** containerConcurrency the instances announce. */
  concurrency?: number;
  /** How long an instance takes to become ready after a start request. */
  startDelayMs?: number;
  handler?: FakeHandler;
}

/** Echo: what the instance saw, as JSON. */
export const echoHandler: FakeHandler = async (req, { instance, fromActivator }) => {
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) headers[k] = v;
  const body = req.body ? await req.text() : '';
  // Buffered, so marked complete as the real runner marks a finished guest response.
  return markCompleteResponse(
    Response.json({
      revision: instance.revision,
      instanceId: instance.instanceId,
      fromActivator,
      method: req.method,
      url: req.url,
      headers,
      body,
    }),
  );
};

/**
 * A stand-in for the runner that speaks the real bus protocol (runnerStart/runnerStop requests,
 * EndpointsMessage after every change, node heartbeats, endpoints resync) and implements
 * InstanceDispatcher plus the HTTP entry semantics (Kedge-Instance header). Instances are plain
 * handlers, so tests and benchmarks exercise the gateway alone.
 */
export class FakeRunner implements InstanceDispatcher {
  readonly nodeId: string;
  readonly instances = new Map<string, FakeInstance>();
  private readonly subs: Subscription[] = [];
  private heartbeat?: ReturnType<typeof setInterval>;
  private seq = 0;
  url: string;
  handler: FakeHandler;

  constructor(private readonly opts: FakeRunnerOptions) {
    this.nodeId = opts.nodeId;
    this.url = opts.url ?? `http://127.0.0.1:1/${opts.nodeId}`;
    this.handler = opts.handler ?? echoHandler;
  }

  start(): void {
    const { bus } = this.opts;
    this.subs.push(
      bus.subscribe<StartInstanceRequest>(subjects.runnerStart(this.nodeId), async (m) => {
        const { namespace, revision, instanceId } = m.data;
        const t0 = performance.now();
        if (this.opts.startDelayMs) await new Promise((r) => setTimeout(r, this.opts.startDelayMs));
        this.startInstance(namespace, revision, instanceId);
        const reply: StartInstanceReply = { ok: true, instanceId, timings: { start: performance.now() - t0 } };
        m.respond?.(reply);
      }),
      bus.subscribe<StopInstanceRequest>(subjects.runnerStop(this.nodeId), async (m) => {
        await this.stopInstance(m.data.instanceId);
        const reply: StopInstanceReply = { ok: true };
        m.respond?.(reply);
      }),
      bus.subscribe(subjects.endpointsResync, () => {
        const revs = new Set([...this.instances.values()].map((i) => `${i.namespace}/${i.revision}`));
        for (const r of revs) {
          const [ns, rev] = r.split('/') as [string, string];
          this.announce(ns, rev);
        }
      }),
    );
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), 1_000);
    this.heartbeat.unref();
  }

  stop(): void {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  private beat(): void {
    const instances: Record<string, string[]> = {};
    for (const i of this.instances.values()) (instances[`${i.namespace}/${i.revision}`] ??= []).push(i.instanceId);
    const hb: NodeHeartbeat = {
      nodeId: this.nodeId,
      url: this.url,
      capacity: 100,
      instances,
      time: Date.now(),
      startedAt: 0,
      version: 'fake',
    };
    this.opts.bus.publish(subjects.nodeHeartbeat, hb);
  }

  startInstance(
    namespace: string,
    revision: string,
    instanceId = `${revision}-${this.nodeId}-${++this.seq}`,
  ): FakeInstance {
    const inst: FakeInstance = {
      namespace,
      revision,
      instanceId,
      inFlight: 0,
      maxInFlight: 0,
      served: 0,
      draining: false,
    };
    this.instances.set(instanceId, inst);
    this.announce(namespace, revision);
    return inst;
  }

  /** Drain as the runner does: leave the endpoints first, let in-flight requests finish, then go. */
  async stopInstance(instanceId: string): Promise<void> {
    const inst = this.instances.get(instanceId);
    if (!inst) return;
    inst.draining = true;
    this.announce(inst.namespace, inst.revision);
    while (inst.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    this.instances.delete(instanceId);
  }

  endpoints(namespace: string, revision: string): Endpoint[] {
    return [...this.instances.values()]
      .filter((i) => i.namespace === namespace && i.revision === revision && !i.draining)
      .map((i) => ({
        namespace,
        revision,
        instanceId: i.instanceId,
        nodeId: this.nodeId,
        url: this.url,
        concurrency: this.opts.concurrency ?? 0,
      }));
  }

  announce(namespace: string, revision: string): void {
    const msg: EndpointsMessage = {
      namespace,
      revision,
      nodeId: this.nodeId,
      endpoints: this.endpoints(namespace, revision),
      time: Date.now(),
    };
    this.opts.bus.publish(subjects.endpoints(namespace, revision), msg);
  }

  async dispatch(target: DispatchTarget, request: Request, opts: DispatchOptions = {}): Promise<Response> {
    const inst = this.instances.get(target.instanceId);
    if (!inst || inst.revision !== target.revision)
      return Response.json(
        { error: 'InstanceNotFound', message: `instance ${target.instanceId} is not running on node ${this.nodeId}` },
        { status: 503 },
      );
    inst.inFlight++;
    inst.served++;
    inst.maxInFlight = Math.max(inst.maxInFlight, inst.inFlight);
    try {
      return await this.handler(request, { instance: inst, fromActivator: opts.fromActivator === true });
    } finally {
      inst.inFlight--;
    }
  }

  /** The runner's HTTP entry: same semantics as dispatch, instance chosen by header. */
  fetch = async (req: Request): Promise<Response> => {
    const id = req.headers.get(INSTANCE_HEADER);
    const inst = id ? this.instances.get(id) : undefined;
    if (!inst)
      return Response.json(
        { error: 'InstanceNotFound', message: `instance ${id} is not running on node ${this.nodeId}` },
        { status: 503 },
      );
    return this.dispatch(inst, req, { fromActivator: req.headers.get(ACTIVATOR_HEADER) === 'true' });
  };
}

/**
 * The autoscaler's cold-start reflex, reduced: on a poke for a revision with no instance, place one
 * on the given runner through the real runnerStart request.
 */
export function autoStartOnPoke(bus: Bus, runner: FakeRunner): Subscription {
  const starting = new Set<string>();
  return bus.subscribe<{ namespace: string; revision: string }>(subjects.pokeAll, async (m) => {
    const { namespace, revision } = m.data;
    const key = `${namespace}/${revision}`;
    if (starting.has(key) || runner.endpoints(namespace, revision).length > 0) return;
    starting.add(key);
    try {
      await bus.request(subjects.runnerStart(runner.nodeId), {
        namespace,
        revision,
        instanceId: `${revision}-auto-${Date.now()}`,
      });
    } finally {
      starting.delete(key);
    }
  });
}
