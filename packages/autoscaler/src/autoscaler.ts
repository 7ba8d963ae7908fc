import {
  resourceKey,
  SYSTEM_NAMESPACE,
  subjects,
  type AdminScaleRequest,
  type Bus,
  type Clock,
  type ComponentHeartbeat,
  type EndpointsMessage,
  type Logger,
  type NodeHeartbeat,
  type PodAutoscaler,
  type PokeMessage,
  type Revision,
  type StatMessage,
  type Store,
  type Subscription,
  type TimerHandle,
} from '@kedge/core';
import { adminScale } from './admin/scale-verb.js';
import { AutoscalerEvents } from './events.js';
import { parseAutoscalerConfig, TICK_INTERVAL_SECONDS, type AutoscalerConfig } from './config/autoscaler-config.js';
import type { Decider } from './decider/decider.js';
import { Cluster } from './placement/cluster.js';
import { Placer } from './placement/placer.js';
import { hpaClass } from './reconciler/hpa/hpa.js';
import { KpaScaler, kpaClass } from './reconciler/kpa/kpa.js';
import { PodAutoscalerReconciler } from './reconciler/pa-reconciler.js';
import { StatusWriter } from './reconciler/status-writer.js';
import type { PAState } from './scaler/pa-status.js';
import { MultiScaler } from './scaling/multiscaler.js';
import type { Lifecycle, RevisionState } from './scaling/revision-state.js';
import type { SksMode } from './scaling/scaler-class.js';
import { DISCOVERY_MS } from './sharing/owners.js';
import { Ownership } from './sharing/ownership.js';

export const CONFIG_AUTOSCALER = 'config-autoscaler';

export interface AutoscalerDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  id: string;
  /**
   * How long status writes wait to coalesce (default 25 ms of real time: it spaces writes away from a
   * cold start, it is not autoscaling time). 0 writes in the next microtask, so tests on a ManualClock
   * see every write at the simulated moment it was decided.
   */
  statusWriteDelayMs?: number;
  /**
   * How long after start peers and runner nodes get to announce themselves before this replica
   * places instances (default 1.5 s). An in-process bus has no one else to wait for: 0.
   */
  discoveryMs?: number;
}

export interface Autoscaler {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One revision as the tests and the benchmark see it. */
export interface RevisionView {
  key: string;
  class: string;
  owned: boolean;
  /** The class's last decision (−1: none yet) and excess burst capacity. */
  desiredScale: number;
  ebc: number;
  replicas: number;
  want: number;
  pa: PAState;
  mode: SksMode;
  ready: number;
  /** The KPA's decider (throws for a revision of another class). */
  readonly decider: Decider;
}

/** Internals the tests and the benchmark drive directly. */
export interface AutoscalerInternals extends Autoscaler {
  /** One 2-second tick over every revision (what the interval runs). */
  tick(): void;
  /** Settles once every pending PodAutoscaler/ServerlessService write is done. */
  idle(): Promise<void>;
  state(namespace: string, name: string): Readonly<RevisionView> | undefined;
  readonly config: AutoscalerConfig;
}

function viewOf(st: RevisionState): RevisionView {
  const { scaler } = st;
  const s = st.scale;
  return {
    key: st.key,
    class: scaler.className,
    owned: st.owned,
    desiredScale: scaler.desiredScale,
    ebc: scaler.ebc,
    replicas: s.replicas,
    want: s.want,
    pa: s.pa,
    mode: s.mode,
    ready: s.ready,
    get decider(): Decider {
      if (scaler instanceof KpaScaler) return scaler.decider;
      throw new Error(`${st.key} is scaled by ${scaler.className}, which has no KPA decider`);
    },
  };
}

/**
 * The autoscaler role, composed along Knative's seams: the MultiScaler (one scaler per revision, of
 * its class, and the tick), the PodAutoscaler reconciler, the placer, the status writer, and this
 * replica's ownership among its peers. Decisions and starts never wait on the Store.
 */
export function createAutoscaler(deps: AutoscalerDeps): AutoscalerInternals {
  const { store, bus, clock, id } = deps;
  const log = deps.logger.child({ component: 'autoscaler', id });
  const cluster = new Cluster();
  const subs: Subscription[] = [];
  const unwatch: (() => void)[] = [];
  const timers: TimerHandle[] = [];
  let running = false;
  let stopping = new AbortController();
  // Until peers and runner nodes had a chance to announce themselves, act on nothing.
  let settled = false;
  let discovered = false;
  let syncedWatches = 0;
  const WATCHES = 3;

  const scalers: MultiScaler = new MultiScaler({
    bus,
    clock,
    log,
    cluster,
    classes: [kpaClass, hpaClass],
    owns: (key) => ownership.owns(key),
    reconcile: (st, decide) => reconciler.reconcile(st, decide),
  });
  const lifecycle: Lifecycle = {
    current: (st) => running && scalers.get(st.key) === st,
    acting: (st) => running && settled && st.owned && scalers.get(st.key) === st,
    get signal() {
      return stopping.signal;
    },
    get running() {
      return running;
    },
    get settled() {
      return settled;
    },
  };
  const ownership = new Ownership(bus, clock, id, () => events.rebalance());
  const writer = new StatusWriter(
    store,
    clock,
    log,
    lifecycle,
    () => scalers.config.podAutoscalerClass,
    deps.statusWriteDelayMs,
  );
  const placer = new Placer(
    bus,
    clock,
    log,
    cluster,
    (st) => {
      if (lifecycle.current(st)) reconciler.reconcile(st, false);
    },
    (st) => {
      if (lifecycle.current(st)) writer.schedule(st);
    },
    id,
  );
  const reconciler = new PodAutoscalerReconciler(bus, clock, log, cluster, placer, writer, lifecycle, id);
  const connected = () => bus.connected();
  const events = new AutoscalerEvents({
    clock,
    log,
    id,
    cluster,
    scalers,
    reconciler,
    placer,
    writer,
    ownership,
    lifecycle,
    connected,
  });

  function onConfigMap(data: Record<string, string> | undefined): void {
    try {
      scalers.setConfig(parseAutoscalerConfig(data ?? {}));
    } catch (err) {
      log.error({ err: (err as Error).message }, `${CONFIG_AUTOSCALER} rejected; keeping the previous configuration`);
    }
  }

  /**
   * Act only once every watch delivered its snapshot (or an unknown revision's instances would look
   * orphaned) and peers and nodes had DISCOVERY_MS to announce themselves.
   */
  function maybeSettle(): void {
    if (settled || !discovered || syncedWatches < WATCHES || !running) return;
    settled = true;
    events.settle();
  }

  function watch(): void {
    const onSynced = () => {
      syncedWatches++;
      maybeSettle();
    };
    unwatch.push(
      store.watch({ kind: 'ConfigMap', namespace: SYSTEM_NAMESPACE, onSynced }, (ev) => {
        if (ev.object.metadata.name !== CONFIG_AUTOSCALER) return;
        onConfigMap(ev.type === 'DELETED' ? undefined : (ev.object as { data?: Record<string, string> }).data);
      }),
      store.watch({ kind: 'PodAutoscaler', onSynced }, (ev) => {
        const changed = scalers.podAutoscaler(ev.object as PodAutoscaler, ev.type === 'DELETED');
        if (changed && running) reconciler.reconcile(changed, false);
      }),
      store.watch({ kind: 'Revision', onSynced }, (ev) =>
        events.onRevision(ev.object as Revision, ev.type === 'DELETED'),
      ),
    );
  }

  function subscribe(): void {
    const admin = { owns: (k: string) => ownership.owns(k), scalers, reconciler, now: () => clock.now() };
    subs.push(
      bus.subscribe<StatMessage>(subjects.metricsAll, (m) => events.onStat(m.data)),
      bus.subscribe<PokeMessage>(subjects.pokeAll, (m) => events.onPoke(m.data)),
      bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => events.onNodeHeartbeat(m.data)),
      bus.subscribe<EndpointsMessage>(subjects.endpointsAll, (m) => events.onEndpoints(m.data)),
      bus.subscribe<AdminScaleRequest>(subjects.adminScaleAll, (m) => adminScale(m.subject, m.data, m.respond, admin)),
      bus.subscribe<{ gatewayId: string }>(subjects.endpointsResync, (m) => events.onResync(m.data?.gatewayId)),
      bus.subscribe<ComponentHeartbeat>(subjects.componentHeartbeat, (m) => ownership.onHeartbeat(m.data)),
    );
  }

  return {
    get config() {
      return scalers.config;
    },
    tick: () => scalers.tick(),
    state: (ns, name) => {
      const st = scalers.get(resourceKey(ns, name));
      return st && viewOf(st);
    },
    idle: () => writer.idle(),
    async start() {
      if (running) return;
      stopping = new AbortController();
      watch();
      subscribe();
      running = true;
      ownership.heartbeat(clock.now());
      // Runners answer with their current endpoints, so a restarted autoscaler counts ready instances at once.
      bus.publish(subjects.endpointsResync, { gatewayId: id, time: clock.now() });
      timers.push(clock.setInterval(() => scalers.tick(), TICK_INTERVAL_SECONDS * 1000));
      timers.push(clock.setInterval(() => events.everySecond(), 1000));
      timers.push(
        clock.setTimeout(() => {
          discovered = true;
          maybeSettle();
        }, deps.discoveryMs ?? DISCOVERY_MS),
      );
      for (const st of scalers.values()) reconciler.reconcile(st, false);
      log.info({ revisions: scalers.size }, 'autoscaler started');
    },
    async stop() {
      if (!running) return;
      running = false;
      stopping.abort();
      for (const t of timers.splice(0)) clock.clearTimeout(t);
      for (const s of subs.splice(0)) s.unsubscribe();
      for (const u of unwatch.splice(0)) u();
      await writer.idle();
    },
  };
}
