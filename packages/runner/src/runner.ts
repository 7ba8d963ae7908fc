import type { Bus, Clock, InstanceDispatcher, Logger, LogLine, RuntimeKind, Store, Subscription } from '@kedge/core';
import { InstanceLogs } from './logs/ring.js';
import { createEntry } from './node/entry.js';
import { EndpointsPublisher } from './node/endpoints.js';
import { guestFailedEvent } from './node/events.js';
import { heartbeat } from './node/heartbeat.js';
import type { Instances } from './node/instance.js';
import { InstanceLifecycle } from './node/lifecycle.js';
import { NodeRevisions } from './node/revisions.js';
import { createRuntimes } from './node/runtimes.js';
import { subscribeNodeSubjects } from './node/subscriptions.js';
import { ProcessRevisionGate } from './process-gate.js';
import type { ContainerEngine } from './runtimes/container/index.js';
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
  /**
   * Guest workers the pool may grow to while every worker is held by a guest that does not yield
   * (default workers + 2).
   */
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

/**
 * A node (Knative's data plane on one host: kubelet plus the queue-proxies): the parts in node/
 * share one instance table, and start() wires them to the bus and the store.
 */
export function createRunner(deps: RunnerDeps): Runner {
  const { store, bus, clock, nodeId, url } = deps;
  const log = deps.logger.child({ component: 'runner', nodeId });
  const capacity = deps.capacity ?? 1000;
  const settings = new RunnerSettings({
    store,
    logger: log,
    options: {
      maxWorkers: deps.maxWorkers,
      maxGuestsPerReplica: deps.maxGuestsPerReplica,
      cpuLimitMs: deps.cpuLimitMs,
      outboundTimeoutMs: deps.outboundTimeoutMs,
      stopGraceMs: deps.stopGraceMs,
    },
  });
  // Every runtime's instance output goes to one sink, kept per instance for kubectl logs.
  const logs = new InstanceLogs(clock);
  const instances: Instances = new Map();
  const gate = new ProcessRevisionGate({ store, logger: log });
  const runtimes = createRuntimes(deps, {
    logger: log,
    settings,
    output: logs,
    gate,
    onGuestFailure(instanceId, kind, message) {
      const inst = instances.get(instanceId);
      if (!inst) return;
      const uid = revisions.get(inst.namespace, inst.revision)?.metadata.uid;
      guestFailedEvent({ bus, clock, nodeId }, { ...inst, uid }, kind, message);
    },
  });
  const revisions = new NodeRevisions({ store, bus, clock, nodeId, logger: log, runnable: runtimes.runnable });
  const endpoints = new EndpointsPublisher({ bus, clock, nodeId, url, instances });
  const lifecycle = new InstanceLifecycle({
    store,
    bus,
    clock,
    logger: log,
    nodeId,
    capacity,
    instances,
    revisions,
    endpoints,
    logs,
    runnable: runtimes.runnable,
  });
  const entry = createEntry({ nodeId, logger: log, instances, clusterToken: deps.clusterToken });
  const startedAt = clock.now();
  /** What this node runs: the heartbeat tells placement (container only with a working engine). */
  let kinds: RuntimeKind[] = ['wasm', 'process'];
  const beat = () =>
    heartbeat({
      bus,
      clock,
      nodeId,
      url,
      capacity,
      instances,
      startedAt,
      guests: () => runtimes.wasm.pool.usage(),
      runtimes: () => kinds,
    });
  let subs: Subscription[] = [];
  let unwatch: (() => void) | undefined;
  let unwatchSettings: (() => void) | undefined;
  let tick: unknown;

  return {
    dispatcher: { nodeId, dispatch: entry.dispatch },
    fetch: entry.fetch,
    logs(instanceId) {
      const inst = instances.get(instanceId);
      if (!inst) return undefined;
      return logs.read({ namespace: inst.namespace, instanceId }).instances[0]?.lines;
    },
    async start() {
      // The node serves wasm and processes at once; it offers containers once the engine answered.
      void runtimes.containers.detect().then((ok) => {
        if (ok) kinds = ['wasm', 'process', 'container'];
      });
      // The settings are read before the first instance can start.
      const followed = settings.follow(clock);
      unwatchSettings = followed.unwatch;
      await followed.synced;
      subs = subscribeNodeSubjects({ bus, nodeId, instances, lifecycle, endpoints, logs });
      // Revisions are looked at once the gate's stored value is known, so a process revision is not
      // reported unhealthy for the moment before config-features arrives.
      gate.start({
        onSynced: () => {
          if (lifecycle.draining) return;
          unwatch = revisions.watch((rev) => {
            runtimes.runtimeFor(rev).release?.(rev);
            lifecycle.stopRevision(rev.metadata.namespace, rev.metadata.name);
          });
        },
        // The gate opened or closed: process revisions' health says so again.
        onChange: () => revisions.reprepare(runtimes.isProcess),
      });
      tick = clock.setInterval(beat, 1000);
      beat();
      log.info({ url, capacity, workers: runtimes.wasm.pool.workerCount, settings: settings.get() }, 'runner started');
    },
    async stop() {
      for (const s of subs) s.unsubscribe();
      subs = [];
      unwatch?.();
      gate.stop();
      unwatchSettings?.();
      if (tick) clock.clearInterval(tick as never);
      await lifecycle.drain(settings.get().stopGraceMs);
      await runtimes.close();
    },
  };
}
