import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  ACTIVATOR_HEADER,
  awaitsImageResolution,
  CLUSTER_TOKEN_HEADER,
  clusterTokenMatches,
  INSTANCE_HEADER,
  KEDGE_VERSION,
  RUNNER_CONFIG_MAP,
  emitEvent,
  revisionRef,
  subjects,
  type Bus,
  type BusMessage,
  type Clock,
  type DispatchOptions,
  type DispatchTarget,
  type Endpoint,
  type EndpointsMessage,
  type InstanceDispatcher,
  type Logger,
  type LogLine,
  type LogsRequest,
  type NodeHeartbeat,
  revisionRuntimeKind,
  type Revision,
  type RevisionHealth,
  type RuntimeKind,
  type StartInstanceReply,
  type StartInstanceRequest,
  type StopInstanceReply,
  type StopInstanceRequest,
  type Store,
  type Subscription,
} from '@kedge/core';
import { InstanceLogs } from './logs/ring.js';
import { ProcessRevisionGate } from './process-gate.js';
import { Queue } from './queue/queue.js';
import { ContainerRuntime, PodmanEngine, type ContainerEngine } from './runtimes/container/index.js';
import { ProcessRuntime } from './runtimes/process/index.js';
import { RevisionLoadError, jsonError, type Runtime, type RuntimeInstance, type Timings } from './runtimes/runtime.js';
import { WasmRuntime } from './runtimes/wasm/index.js';
import { RunnerSettings } from './settings.js';

export interface RunnerDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  nodeId: string;
  /** Base URL of this runner's HTTP entry (remote gateways use it). */
  url: string;
  dataDir: string;
  /** Instances this node hosts at most (default 1000). */
  capacity?: number;
  /** Guest worker threads (default: one per core) and warm spares (default 1). */
  workers?: number;
  spareWorkers?: number;
  /**
   * Where guests' service-to-service requests (`{name}.{ns}.svc.cluster.local`, annotation
   * kedge.dev/outbound) go: a co-located gateway's fetch, else a gateway's HTTP address (a function
   * when the address is known only after the runner is created).
   */
  gatewayFetch?: (req: Request) => Promise<Response>;
  gatewayUrl?: string | (() => string | undefined);
  /**
   * The cluster's shared secret: the HTTP entry serves only requests carrying it in
   * `kedge-cluster-token` (gateways send it), and guests' cluster-local requests to `gatewayUrl`
   * carry it (they come from inside the cluster). Unset, the entry is open — only for tests and
   * benchmarks; every role wiring passes one.
   */
  clusterToken?: string;
  // The next five are defaults: config-kedge-runner's keys of the same meaning override them
  // (docs/runner.md lists the keys, their defaults and ranges).
  /** Per-call limit of guests' outbound requests, ms (default 30 s). */
  outboundTimeoutMs?: number;
  /** Guest workers the pool may grow to while every worker is held by a guest that does not yield (default workers + 2). */
  maxWorkers?: number;
  /** Guest instances per wasm replica when containerConcurrency is 0, and at most (default 100). */
  maxGuestsPerReplica?: number;
  /** Default per-request CPU limit of wasm guests, ms (annotation kedge.dev/cpu-limit-ms; default 30 s). */
  cpuLimitMs?: number;
  /**
   * How long `stop()` lets in-flight requests finish before it ends the guests anyway (default
   * 10 s): a guest in an endless loop or a call waiting for minutes must not keep a node from stopping.
   */
  stopGraceMs?: number;
  /**
   * The engine container revisions run on (default: podman, when it works here); `null`: none —
   * the node then tells the cluster it runs no container revisions.
   */
  containerEngine?: ContainerEngine | null;
}

export interface Runner {
  dispatcher: InstanceDispatcher;
  /** HTTP entry: `Kedge-Instance` selects the instance, `Kedge-Proxied` marks activator traffic. */
  fetch(req: Request): Promise<Response>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** What an instance wrote that this node still keeps (kubectl logs reads it over the bus). */
  logs(instanceId: string): LogLine[] | undefined;
}

interface Instance {
  namespace: string;
  revision: string;
  id: string;
  state: 'starting' | 'ready' | 'draining';
  queue?: Queue;
  runtime?: RuntimeInstance;
  started: Promise<StartInstanceReply>;
}

/** Longest the start waits for config-kedge-runner. */
const SETTINGS_SYNC_MS = 5_000;
/** What a revision was prepared as: its spec, and what its registry image resolved to (set once, after creation). */
const preparedAs = (rev: Revision): string => JSON.stringify([rev.spec, rev.status?.resolvedImage ?? null]);
/** Event reasons of guest failures (Kubernetes says OOMKilled for a memory kill; Kedge's cap is a trap). */
const GUEST_FAILURE_REASONS: Record<string, string> = {
  trap: 'GuestTrap',
  exit: 'GuestExit',
  timeout: 'Timeout',
  'cpu-limit': 'CpuLimitExceeded',
  crashed: 'WorkerCrashed',
};

/** Knative's queue depth: 10 × containerConcurrency waiting requests per instance. */
const QUEUE_DEPTH_FACTOR = 10;
/** Waiting requests allowed per instance when the revision sets no containerConcurrency. */
const UNLIMITED_QUEUE_DEPTH = 1000;

export function createRunner(deps: RunnerDeps): Runner {
  const { store, bus, clock, nodeId, url } = deps;
  const log = deps.logger.child({ component: 'runner', nodeId });
  const capacity = deps.capacity ?? 1000;
  const settings = new RunnerSettings({
    store,
    logger: log,
    options: {
      maxWorkers: deps.maxWorkers,
      ...(deps.maxGuestsPerReplica !== undefined ? { maxGuestsPerReplica: deps.maxGuestsPerReplica } : {}),
      ...(deps.cpuLimitMs !== undefined ? { cpuLimitMs: deps.cpuLimitMs } : {}),
      ...(deps.outboundTimeoutMs !== undefined ? { outboundTimeoutMs: deps.outboundTimeoutMs } : {}),
      ...(deps.stopGraceMs !== undefined ? { stopGraceMs: deps.stopGraceMs } : {}),
    },
  });
  // Every runtime's instance output goes to one sink, kept per instance for kubectl logs.
  const logs = new InstanceLogs(clock);
  const guestFailed = (instanceId: string, kind: string, message: string) => {
    const inst = instances.get(instanceId);
    if (!inst) return;
    const rev = revisions.get(key(inst.namespace, inst.revision));
    const reason = GUEST_FAILURE_REASONS[kind] ?? 'GuestFailed';
    emitEvent(bus, {
      involvedObject: revisionRef(inst.namespace, inst.revision, rev?.metadata.uid),
      type: 'Warning',
      reason,
      message: `Instance ${instanceId}: ${message}`,
      component: 'runner',
      host: nodeId,
      time: clock.now(),
    });
  };
  const wasm = new WasmRuntime({
    store,
    logger: log,
    output: logs,
    onGuestFailure: guestFailed,
    dataDir: deps.dataDir,
    ...(deps.workers !== undefined ? { workers: deps.workers } : {}),
    ...(deps.spareWorkers !== undefined ? { spares: deps.spareWorkers } : {}),
    maxWorkers: () => settings.get().maxWorkers,
    maxGuestsPerReplica: () => settings.get().maxGuestsPerReplica,
    cpuLimitMs: () => settings.get().cpuLimitMs,
    gateway: {
      ...(deps.gatewayFetch ? { gatewayFetch: deps.gatewayFetch } : {}),
      ...(deps.gatewayUrl ? { gatewayUrl: deps.gatewayUrl } : {}),
      ...(deps.clusterToken ? { clusterToken: deps.clusterToken } : {}),
      timeoutMs: () => settings.get().outboundTimeoutMs,
    },
  });
  const processes = new ProcessRuntime({ logger: log, output: logs });
  const containers = new ContainerRuntime({
    logger: log,
    output: logs,
    nodeId,
    nodeKey: createHash('sha256')
      .update(`${nodeId}\0${resolve(deps.dataDir)}`)
      .digest('hex')
      .slice(0, 16),
    engine: deps.containerEngine === null ? undefined : (deps.containerEngine ?? new PodmanEngine()),
  });
  const runtimes: Record<RuntimeKind, Runtime> = { wasm, process: processes, container: containers };
  const gate = new ProcessRevisionGate({ store, logger: log });
  const instances = new Map<string, Instance>();
  const revisions = new Map<string, Revision>();
  /** Last health published per revision, by the spec it was about. */
  const health = new Map<string, { spec: string; ready: boolean; reason?: string; message?: string }>();
  const subs: Subscription[] = [];
  let unwatch: (() => void) | undefined;
  let unwatchSettings: (() => void) | undefined;
  let tick: unknown;
  const startedAt = clock.now();
  /** What this node runs: the heartbeat tells placement (container only with a working engine). */
  let kinds: RuntimeKind[] = ['wasm', 'process'];
  let stopping = false;

  const key = (ns: string, rev: string) => `${ns}/${rev}`;
  /** The revision's declared kind decides (core's runtimeKind, which admission and placement read too). */
  const runtimeFor = (rev: Revision): Runtime => runtimes[revisionRuntimeKind(rev)];
  /** The runtime that may run the revision now; throws RevisionLoadError when the gate keeps it off. */
  const runnable = (rev: Revision): Runtime => {
    const runtime = runtimeFor(rev);
    if (runtime === processes) gate.check();
    return runtime;
  };

  function publishEndpoints(ns: string, rev: string): void {
    const endpoints: Endpoint[] = [];
    for (const i of instances.values())
      if (i.namespace === ns && i.revision === rev && i.state === 'ready')
        endpoints.push({
          namespace: ns,
          revision: rev,
          instanceId: i.id,
          nodeId,
          url,
          concurrency: i.runtime!.concurrency,
        });
    const msg: EndpointsMessage = { namespace: ns, revision: rev, nodeId, endpoints, time: clock.now() };
    bus.publish(subjects.endpoints(ns, rev), msg);
  }

  function publishHealth(rev: Revision, ready: boolean, reason?: string, message?: string): void {
    const { namespace, name } = rev.metadata;
    health.set(key(namespace, name), {
      spec: preparedAs(rev),
      ready,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    });
    const msg: RevisionHealth = { namespace, revision: name, nodeId, ready, time: clock.now() };
    if (reason) msg.reason = reason;
    if (message) msg.message = message;
    bus.publish(subjects.revisionHealth(namespace, name), msg);
  }

  function loadFailure(err: unknown): { reason: string; message: string } {
    if (err instanceof RevisionLoadError) return { reason: err.reason, message: err.message };
    return { reason: 'InternalError', message: (err as Error).message ?? String(err) };
  }

  /** Knative's image pull, done when a Revision appears so the first request pays no transpile. */
  async function prepare(rev: Revision): Promise<void> {
    const k = key(rev.metadata.namespace, rev.metadata.name);
    // A registry image is prepared once the API resolved it (status.resolvedImage), not before.
    if (awaitsImageResolution(rev)) return;
    const spec = preparedAs(rev);
    if (health.get(k)?.spec === spec) return;
    try {
      await runnable(rev).prepare(rev);
      publishHealth(rev, true);
    } catch (err) {
      const f = loadFailure(err);
      log.warn({ revision: k, reason: f.reason }, f.message);
      publishHealth(rev, false, f.reason, f.message);
    }
  }

  async function startInstance(req: StartInstanceRequest): Promise<StartInstanceReply> {
    const { namespace, revision, instanceId } = req;
    const existing = instances.get(instanceId);
    if (existing && (existing.namespace !== namespace || existing.revision !== revision))
      return {
        ok: false,
        instanceId,
        error: `instance id ${instanceId} is in use by ${existing.namespace}/${existing.revision}`,
      };
    if (existing) return existing.started;
    if (stopping) return { ok: false, instanceId, error: `runner ${nodeId} is stopping` };
    if (instances.size >= capacity)
      return { ok: false, instanceId, error: `runner ${nodeId} is at capacity (${capacity} instances)` };
    const inst: Instance = { namespace, revision, id: instanceId, state: 'starting', started: undefined as never };
    instances.set(instanceId, inst);
    inst.started = (async (): Promise<StartInstanceReply> => {
      const timings: Timings = {};
      const t0 = performance.now();
      let rev: Revision | undefined;
      try {
        rev = revisions.get(key(namespace, revision)) ?? (await store.get<Revision>('Revision', namespace, revision));
      } catch (err) {
        // The Store is unreachable: refuse this start (the autoscaler backs off and asks again).
        instances.delete(instanceId);
        return {
          ok: false,
          instanceId,
          error: `revision ${namespace}/${revision} could not be read: ${(err as Error).message}`,
        };
      }
      if (!rev) {
        instances.delete(instanceId);
        return { ok: false, instanceId, error: `revision ${namespace}/${revision} not found` };
      }
      logs.open(instanceId, namespace, revision, rev.metadata.labels?.['serving.knative.dev/service']);
      try {
        const runtime = await runnable(rev).start(rev, instanceId, timings);
        const specCC = rev.spec.containerConcurrency ?? 0;
        inst.runtime = runtime;
        inst.queue = new Queue({
          namespace,
          revision,
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
        if (instances.get(instanceId) !== inst) {
          // Stopped while starting.
          await runtime.stop();
          return { ok: false, instanceId, error: 'instance was stopped while starting' };
        }
        void runtime.ended?.then((why) => ended(inst, why));
        inst.state = 'ready';
        timings.total = performance.now() - t0;
        publishEndpoints(namespace, revision);
        startedEvent(rev, instanceId, timings);
        if (!health.get(key(namespace, revision))?.ready) publishHealth(rev, true);
        return { ok: true, instanceId, timings };
      } catch (err) {
        instances.delete(instanceId);
        logs.close(instanceId);
        const f = loadFailure(err);
        log.warn({ revision: key(namespace, revision), instance: instanceId, reason: f.reason }, f.message);
        // A start that came before the API resolved the image says nothing about the image: prepare()
        // reports once it is resolved.
        if (!awaitsImageResolution(rev)) publishHealth(rev, false, f.reason, f.message);
        return { ok: false, instanceId, error: `${f.reason}: ${f.message}` };
      }
    })();
    return inst.started;
  }

  /** A cold start (the revision's first instance on this node) or another instance, with its time. */
  function startedEvent(rev: Revision, instanceId: string, timings: Timings): void {
    const { namespace, name } = rev.metadata;
    let ready = 0;
    for (const i of instances.values())
      if (i.namespace === namespace && i.revision === name && i.state === 'ready') ready++;
    const ms = Math.round((timings.total ?? 0) * 10) / 10;
    const phases = Object.entries(timings)
      .filter(([k, v]) => k !== 'total' && typeof v === 'number')
      .map(([k, v]) => `${k} ${Math.round((v as number) * 10) / 10} ms`)
      .join(', ');
    emitEvent(bus, {
      involvedObject: revisionRef(namespace, name, rev.metadata.uid),
      type: 'Normal',
      reason: ready === 1 ? 'ColdStart' : 'Started',
      message: `Started instance ${instanceId} on ${nodeId} in ${ms} ms${phases ? ` (${phases})` : ''}`,
      component: 'runner',
      host: nodeId,
      time: clock.now(),
    });
  }

  /**
   * The instance's process or container ended by itself (crashed, killed for its memory limit): it
   * leaves the endpoints now, and the node's heartbeats stop listing it, so the autoscaler starts
   * a replacement; its neighbours serve on.
   */
  function ended(inst: Instance, why: string): void {
    if (instances.get(inst.id) !== inst || inst.state === 'draining') return;
    log.warn({ revision: key(inst.namespace, inst.revision), instance: inst.id }, `instance ended: ${why}`);
    inst.state = 'draining';
    instances.delete(inst.id);
    publishEndpoints(inst.namespace, inst.revision);
    void inst.runtime!.stop().catch(() => undefined);
  }

  /** Leave the endpoints first, finish what is in flight, then stop the instance. */
  async function stopInstance(inst: Instance): Promise<void> {
    if (inst.state === 'draining') return;
    await inst.started.catch(() => undefined);
    if (!inst.runtime) {
      instances.delete(inst.id);
      return;
    }
    inst.state = 'draining';
    publishEndpoints(inst.namespace, inst.revision);
    // Without NATS the flush cannot finish; the drain goes on and the endpoints follow on reconnect.
    await bus.flush().catch(() => undefined);
    // Requests already on their way (routed before the endpoints changed) are still served.
    while (inst.queue!.inFlight > 0) await inst.queue!.drained();
    instances.delete(inst.id);
    await inst.runtime.stop().catch((err) => log.error({ err, instance: inst.id }, 'instance stop failed'));
    logs.close(inst.id);
  }

  async function dispatch(target: DispatchTarget, request: Request, opts: DispatchOptions = {}): Promise<Response> {
    const inst = instances.get(target.instanceId);
    if (!inst?.queue || inst.namespace !== target.namespace || inst.revision !== target.revision)
      return jsonError(
        503,
        'InstanceNotFound',
        `instance ${target.instanceId} of ${target.namespace}/${target.revision} is not running on node ${nodeId}`,
      );
    try {
      return await inst.queue.serve(
        request,
        !!opts.fromActivator,
        (r, signal) => inst.runtime!.handle(r, signal),
        opts.signal,
      );
    } catch (err) {
      log.error({ err, instance: inst.id }, 'request failed in the runner');
      return jsonError(502, 'RunnerError', `the runner could not serve the request: ${(err as Error).message}`);
    }
  }

  /** The entry answers the cluster's gateways only; the secret itself never reaches a guest. */
  function refused(req: Request): Response | undefined {
    if (!deps.clusterToken) return undefined;
    const presented = req.headers.get(CLUSTER_TOKEN_HEADER);
    if (presented === null)
      return jsonError(
        401,
        'Unauthorized',
        `header ${CLUSTER_TOKEN_HEADER}: required (the runner serves the cluster's gateways only)`,
      );
    if (!clusterTokenMatches(presented, deps.clusterToken))
      return jsonError(403, 'Forbidden', `header ${CLUSTER_TOKEN_HEADER}: not this cluster's token`);
    return undefined;
  }

  /** The request without the cluster token (a Request from a server may have immutable headers). */
  function withoutToken(req: Request): Request {
    if (!req.headers.has(CLUSTER_TOKEN_HEADER)) return req;
    try {
      req.headers.delete(CLUSTER_TOKEN_HEADER);
      return req;
    } catch {
      const headers = new Headers(req.headers);
      headers.delete(CLUSTER_TOKEN_HEADER);
      const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, signal: req.signal };
      if (req.body) {
        init.body = req.body;
        init.duplex = 'half';
      }
      return new Request(req.url, init);
    }
  }

  async function fetchEntry(incoming: Request): Promise<Response> {
    const denied = refused(incoming);
    if (denied) return denied;
    const req = withoutToken(incoming);
    const id = req.headers.get(INSTANCE_HEADER);
    if (!id)
      return jsonError(
        400,
        'MissingInstance',
        `header ${INSTANCE_HEADER}: required (the instance to serve this request)`,
      );
    const inst = instances.get(id);
    if (!inst) return jsonError(503, 'InstanceNotFound', `instance ${id} is not running on node ${nodeId}`);
    const proxied = req.headers.get(ACTIVATOR_HEADER);
    return dispatch({ namespace: inst.namespace, revision: inst.revision, instanceId: id }, req, {
      fromActivator: proxied !== null && proxied !== 'false',
      signal: req.signal,
    });
  }

  function heartbeat(): void {
    const live: Record<string, string[]> = {};
    for (const i of instances.values()) {
      if (i.state === 'draining') continue;
      (live[key(i.namespace, i.revision)] ??= []).push(i.id);
    }
    const hb: NodeHeartbeat = {
      nodeId,
      url,
      capacity,
      instances: live,
      time: clock.now(),
      startedAt,
      version: KEDGE_VERSION,
      guests: wasm.pool.usage(),
      runtimes: kinds,
    };
    bus.publish(subjects.nodeHeartbeat, hb);
    // Reports made while the bus is down would all arrive at the reconnect as one burst of load.
    const connected = bus.connected();
    for (const i of instances.values()) {
      if (!i.queue) continue;
      const stat = i.queue.report();
      const usage = i.runtime?.usage?.();
      if (usage) {
        stat.cpuMs = usage.cpuMs;
        stat.memoryBytes = usage.memoryBytes;
      }
      if (connected) bus.publish(subjects.metrics(i.namespace, i.revision), stat);
    }
  }

  return {
    dispatcher: { nodeId, dispatch },
    fetch: fetchEntry,
    logs(instanceId) {
      const inst = instances.get(instanceId);
      if (!inst) return undefined;
      return logs.read({ namespace: inst.namespace, instanceId }).instances[0]?.lines;
    },
    async start() {
      // The node serves wasm and processes at once; it offers containers once the engine answered.
      void containers.detect().then((ok) => {
        if (ok) kinds = ['wasm', 'process', 'container'];
      });
      // The settings are read before the first instance can start; a Store that does not answer
      // does not keep the node from serving (the defaults hold until the map arrives).
      let waited: unknown;
      await new Promise<void>((done) => {
        waited = clock.setTimeout(() => {
          log.warn(
            `${RUNNER_CONFIG_MAP} not read within ${SETTINGS_SYNC_MS} ms; starting with the defaults until it arrives`,
          );
          done();
        }, SETTINGS_SYNC_MS);
        unwatchSettings = settings.watch(done);
      });
      clock.clearTimeout(waited as never);
      subs.push(
        bus.subscribe<StartInstanceRequest>(
          subjects.runnerStart(nodeId),
          async (m: BusMessage<StartInstanceRequest>) => {
            m.respond?.(await startInstance(m.data));
          },
        ),
        // A gateway or autoscaler (re)started: tell it what this node hosts, without waiting for a change.
        bus.subscribe(subjects.endpointsResync, () => {
          const hosted = new Map<string, [string, string]>();
          for (const i of instances.values()) hosted.set(key(i.namespace, i.revision), [i.namespace, i.revision]);
          for (const [ns, rev] of hosted.values()) publishEndpoints(ns, rev);
        }),
        // kubectl logs, through the API: what this node kept of its instances' output.
        bus.subscribe<LogsRequest>(subjects.runnerLogs(nodeId), (m: BusMessage<LogsRequest>) => {
          m.respond?.(logs.read(m.data));
        }),
        bus.subscribe<StopInstanceRequest>(subjects.runnerStop(nodeId), async (m: BusMessage<StopInstanceRequest>) => {
          const inst = instances.get(m.data.instanceId);
          const reply: StopInstanceReply = { ok: true };
          if (inst) void stopInstance(inst);
          m.respond?.(reply);
        }),
      );
      const watchRevisions = () => {
        unwatch = store.watch({ kind: 'Revision' }, (ev) => {
          const rev = ev.object as Revision;
          const k = key(rev.metadata.namespace, rev.metadata.name);
          if (ev.type === 'DELETED') {
            runtimeFor(rev).release?.(rev);
            revisions.delete(k);
            health.delete(k);
            for (const i of instances.values()) if (key(i.namespace, i.revision) === k) void stopInstance(i);
            return;
          }
          revisions.set(k, rev);
          // An API that missed this runner's report (it started later, or restarted) still waits
          // for one: say it again.
          const known = health.get(k);
          const waiting = rev.status?.conditions?.find((c) => c.type === 'ContainerHealthy')?.status === 'Unknown';
          if (known && waiting && known.spec === preparedAs(rev))
            publishHealth(rev, known.ready, known.reason, known.message);
          else void prepare(rev);
        });
      };
      // Revisions are looked at once the gate's stored value is known, so a process revision is not
      // reported unhealthy for the moment before config-features arrives.
      gate.start({
        onSynced: () => {
          if (!stopping) watchRevisions();
        },
        // The gate opened or closed: process revisions' health says so again.
        onChange: () => {
          for (const [k, rev] of revisions)
            if (runtimeFor(rev) === processes) {
              health.delete(k);
              void prepare(rev);
            }
        },
      });
      tick = clock.setInterval(heartbeat, 1000);
      heartbeat();
      log.info({ url, capacity, workers: wasm.pool.workerCount, settings: settings.get() }, 'runner started');
    },
    async stop() {
      stopping = true;
      for (const s of subs) s.unsubscribe();
      subs.length = 0;
      unwatch?.();
      gate.stop();
      unwatchSettings?.();
      if (tick) clock.clearInterval(tick as never);
      let timer: unknown;
      const grace = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, settings.get().stopGraceMs)));
      await Promise.race([Promise.all([...instances.values()].map((i) => stopInstance(i))), grace]);
      clock.clearTimeout(timer as never);
      if (instances.size)
        log.warn({ instances: instances.size }, 'stop grace period over: ending the guests still serving');
      // Ends every guest (workers terminated, processes killed): what was still in flight fails.
      for (const r of Object.values(runtimes)) await r.close();
    },
  };
}
