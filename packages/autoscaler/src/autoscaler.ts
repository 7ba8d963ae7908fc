import { randomUUID } from 'node:crypto';
import {
  emitEvent,
  isTransient,
  revisionRef,
  KEDGE_VERSION,
  podAutoscalerFor,
  retry,
  RetryAborted,
  StoreError,
  SYSTEM_NAMESPACE,
  resourceKey,
  subjects,
  type AdminScaleReply,
  type AdminScaleRequest,
  type Bus,
  type Clock,
  type ComponentHeartbeat,
  type Condition,
  type DecisionMessage,
  type EndpointsMessage,
  type Logger,
  type NodeHeartbeat,
  type PodAutoscaler,
  type PodAutoscalerSpec,
  type PokeMessage,
  type Revision,
  type ServerlessService,
  type StartInstanceReply,
  type StartInstanceRequest,
  type StatMessage,
  type StopInstanceRequest,
  type Store,
  type Subscription,
  type TimerHandle,
} from '@kedge/core';
import { DEFAULT_AUTOSCALER_CONFIG, KPA_CLASS, TICK_INTERVAL_SECONDS, parseAutoscalerConfig, type AutoscalerConfig } from './config/autoscaler-config.js';
import { createDecider, type Decider } from './decider/decider.js';
import { revisionAutoscaling, type RevisionAutoscaling } from './decider/spec.js';
import { RevisionMetrics, type CollectorSettings } from './metrics/collector.js';
import { Cluster } from './placement/cluster.js';
import {
  computeActiveCondition,
  markInactive,
  MESSAGE_NO_TRAFFIC,
  newPAState,
  numActivators,
  paStateFromStatus,
  paStatusFor,
  markStartFailed,
  markStarted,
  REASON_NO_TRAFFIC,
  sksMode,
  type PAState,
} from './scaler/pa-status.js';
import { computeScale } from './scaler/scaler.js';
import { scaleEvent } from './scaler/scale-event.js';
import { DISCOVERY_MS, Owners } from './sharing/owners.js';

export const CONFIG_AUTOSCALER = 'config-autoscaler';
const START_TIMEOUT_MS = 60_000;
const MAX_START_BACKOFF_MS = 30_000;
/** Real time (not the injected clock: it only defers, it decides nothing) before status is written. */
const STATUS_WRITE_DELAY_MS = 25;
/** The activator reports what it carried over the last second (gateway docs: Report). */
const ACTIVATOR_REPORT_MS = 1000;

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

/** Per revision: its settings, metric windows, decider, what the PA reconciler decided, and what was written. */
interface RevState {
  key: string;
  namespace: string;
  name: string;
  revision: Revision;
  reachability: PodAutoscalerSpec['reachability'];
  settings: RevisionAutoscaling;
  metrics: RevisionMetrics;
  decider: Decider;
  /** The decider's DesiredScale (−1: no decision yet) and excess burst capacity. */
  desiredScale: number;
  ebc: number;
  /** The applied instance count (Knative: Deployment spec.replicas). */
  replicas: number;
  want: number;
  pa: PAState;
  mode: 'Proxy' | 'Serve';
  proxySince: number | undefined;
  activatorInPath: boolean;
  numActivators: number;
  ready: number;
  lastPokeSecond: number;
  published?: string;
  writtenPA?: string;
  writtenSKS?: string;
  paConditions?: Condition[];
  writing: boolean;
  dirty: boolean;
  startFailures: number;
  startBackoffUntil: number;
  /** When the admin verb last forgot the load history (ms); activator windows opened before it are history. */
  forgottenAt: number;
  problemsLogged: boolean;
  /** This replica owns the revision (see sharing/owners.ts); others only keep their windows warm. */
  owned: boolean;
}

export interface Autoscaler {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Internals the tests and the benchmark drive directly. */
export interface AutoscalerInternals extends Autoscaler {
  /** One 2-second tick over every revision (what the interval runs). */
  tick(): void;
  /** Settles once every pending PodAutoscaler/ServerlessService write is done. */
  idle(): Promise<void>;
  state(namespace: string, name: string): Readonly<RevState> | undefined;
  readonly config: AutoscalerConfig;
}

/**
 * The autoscaler role: Knative's KPA (collector + decider + PA reconciler) and placement of
 * instances on runner nodes. Decisions and starts never wait on the Store: status writes are
 * queued behind them.
 */
export function createAutoscaler(deps: AutoscalerDeps): AutoscalerInternals {
  const { store, bus, clock, id } = deps;
  const log = deps.logger.child({ component: 'autoscaler', id });
  const states = new Map<string, RevState>();
  const pas = new Map<string, PodAutoscaler>();
  const cluster = new Cluster();
  const subs: Subscription[] = [];
  const unwatch: (() => void)[] = [];
  const timers: TimerHandle[] = [];
  const pendingWrites = new Set<Promise<void>>();
  let config: AutoscalerConfig = { ...DEFAULT_AUTOSCALER_CONFIG };
  let running = false;
  /** Aborted by stop(): writes waiting for an unreachable Store give up. */
  let stopping = new AbortController();
  // Until peers and runner nodes had a chance to announce themselves, act on nothing.
  let settled = false;
  let discovered = false;
  let syncedWatches = 0;
  const WATCHES = 3;
  const owners = new Owners(id);
  const acting = (st: RevState) => running && settled && st.owned && states.get(st.key) === st;
  const startedAt = clock.now();

  const collectorSettings = (s: RevisionAutoscaling): CollectorSettings => ({
    stableWindowSeconds: s.decider.stableWindowSeconds,
    panicWindowSeconds: s.panicWindowSeconds,
    algorithm: s.algorithm,
    scrapeTarget: s.decider.targetBurstCapacity !== -1,
  });

  /** Knative's initial EBC before any decision: TBC when 0/−1, else initialScale × total − TBC. */
  const initialEbc = (s: RevisionAutoscaling) => {
    const tbc = s.decider.targetBurstCapacity;
    return tbc === 0 || tbc === -1 ? tbc : Math.floor(s.initialScale * s.decider.totalValue - tbc);
  };

  function settingsFor(rev: Revision, reachability: PodAutoscalerSpec['reachability']): RevisionAutoscaling {
    return revisionAutoscaling(rev, config, { reachability });
  }

  function upsertRevision(rev: Revision): void {
    const key = resourceKey(rev.metadata.namespace, rev.metadata.name);
    const now = clock.now();
    const existing = states.get(key);
    if (existing) {
      existing.revision = rev;
      refreshSettings(existing, now);
      return;
    }
    const stored = pas.get(key);
    const reachability = stored?.spec.reachability;
    const settings = settingsFor(rev, reachability);
    const ready = cluster.readyCount(key);
    const pa = stored?.status?.conditions?.length ? paStateFromStatus(stored.status, now) : newPAState(now);
    const st: RevState = {
      key,
      namespace: rev.metadata.namespace,
      name: rev.metadata.name,
      revision: rev,
      reachability,
      settings,
      metrics: new RevisionMetrics(collectorSettings(settings)),
      decider: createDecider(settings.decider, { readyPodsAtCreation: ready, now }),
      desiredScale: -1,
      ebc: initialEbc(settings),
      // A PodAutoscaler that already decided keeps its scale across an autoscaler restart.
      replicas: pa.desiredScale !== undefined && pa.desiredScale >= 0 ? pa.desiredScale : settings.initialScale,
      want: -1,
      pa,
      mode: 'Proxy',
      proxySince: now,
      activatorInPath: false,
      numActivators: 2,
      ready,
      lastPokeSecond: -1,
      writing: false,
      dirty: false,
      startFailures: 0,
      startBackoffUntil: 0,
      forgottenAt: -Infinity,
      problemsLogged: false,
      owned: owners.owns(key),
    };
    states.set(key, st);
    logProblems(st);
    if (running) reconcile(st, false);
  }

  function logProblems(st: RevState): void {
    if (st.settings.class !== KPA_CLASS && !st.problemsLogged)
      log.warn({ revision: st.key, class: st.settings.class }, 'Kedge has only the KPA; this revision is scaled by it');
    if (st.settings.problems.length && !st.problemsLogged)
      log.warn({ revision: st.key, problems: st.settings.problems }, 'autoscaling annotations ignored');
    st.problemsLogged = true;
  }

  function refreshSettings(st: RevState, now: number): void {
    const next = settingsFor(st.revision, st.reachability);
    st.settings = next;
    st.decider.update(next.decider);
    st.metrics.update(collectorSettings(next), now);
  }

  function removeRevision(key: string): void {
    const st = states.get(key);
    if (!st) return;
    const wasActing = acting(st);
    states.delete(key);
    cluster.forgetRevision(key);
    if (!wasActing) return;
    st.replicas = 0;
    place(st, clock.now());
    void (async () => {
      for (const kind of ['ServerlessService', 'PodAutoscaler'] as const) {
        try {
          await retry(() => store.delete(kind, st.namespace, st.name), { clock, logger: log, what: `delete ${kind} ${key}`, signal: stopping.signal });
        } catch (err) {
          log.debug({ err, revision: key, kind }, 'delete after revision removal failed');
        }
      }
    })();
  }

  /**
   * One pass of Knative's uniscaler tick (when `decide`) and PA reconciler: bounds and the
   * scale-to-zero gate, placement, the decision message, then (queued) status writes.
   */
  function reconcile(st: RevState, decide: boolean): void {
    const now = clock.now();
    const s = st.settings;
    const ready = cluster.readyCount(st.key);
    st.ready = ready;
    if (decide) {
      const sp = st.metrics.stableAndPanic(s.decider.scalingMetric, now);
      const r = st.decider.scale({ now, observedStable: sp?.stable ?? null, observedPanic: sp?.panic ?? null, readyPods: ready });
      if (r.valid) {
        st.desiredScale = r.desiredPodCount;
        st.ebc = r.excessBurstCapacity;
      }
    }
    const res = computeScale({
      now,
      desiredScale: st.desiredScale,
      pa: st.pa,
      reachable: s.decider.reachable,
      minScale: s.minScale,
      maxScale: s.maxScale,
      initialScale: s.initialScale,
      stableWindowSeconds: s.decider.stableWindowSeconds,
      targetBurstCapacity: s.decider.targetBurstCapacity,
      enableScaleToZero: config.enableScaleToZero,
      scaleToZeroGracePeriodSeconds: config.scaleToZeroGracePeriod,
      scaleToZeroPodRetentionPeriodSeconds: s.scaleToZeroPodRetentionPeriod,
      activationTimeoutSeconds: s.activationTimeoutSeconds,
      sksMode: st.mode,
      proxySince: st.proxySince,
      activatorInPath: st.activatorInPath,
    });
    if (res.apply && res.want !== st.replicas) {
      if (acting(st)) {
        const last = st.decider.last;
        log.info({ revision: st.key, from: st.replicas, to: res.want, ready, panic: st.decider.inPanicMode(), dspc: last?.dspc, dppc: last?.dppc }, 'scaling');
        emitEvent(bus, scaleEvent(st, st.replicas, res.want, { panic: st.decider.inPanicMode(), last, now, host: id }));
      }
      st.replicas = res.want;
    }
    st.want = res.want;
    // The SKS reconciler puts the activator in front of a revision with no ready instance, whatever the decision.
    const mode = ready === 0 ? 'Proxy' : sksMode(res.want, st.ebc);
    if (mode !== st.mode) {
      st.mode = mode;
      st.proxySince = mode === 'Proxy' ? now : undefined;
      st.activatorInPath = false;
    }
    st.numActivators = numActivators(ready, s.decider);

    const act = acting(st);
    if (act) {
      place(st, now);
      publish(st, now);
    }
    st.pa = computeActiveCondition(st.pa, {
      now,
      want: res.want,
      ready,
      minScale: s.decider.reachable ? s.minScale : 0,
      initialScale: s.initialScale,
    });
    if (act) scheduleWrite(st);
  }

  /** Peers came or went: take over newly owned revisions (their windows are already warm). */
  function rebalance(): void {
    let gained = 0;
    let lost = 0;
    for (const st of states.values()) {
      const was = st.owned;
      st.owned = owners.owns(st.key);
      if (st.owned === was) continue;
      if (st.owned) {
        gained++;
        adopt(st);
        reconcile(st, false);
      } else lost++;
    }
    if (gained || lost) log.info({ gained, lost, replicas: owners.size }, 'revision ownership moved');
  }

  /**
   * Continue where the previous owner (or this replica before a restart) left off: its PodAutoscaler
   * status, and as many instances as the runners report live (Knative: the Deployment's replicas).
   */
  function adopt(st: RevState): void {
    const stored = pas.get(st.key)?.status;
    if (stored?.conditions?.length) {
      st.pa = paStateFromStatus(stored, clock.now());
      st.paConditions = stored.conditions;
    }
    const live = cluster.live(st.key).length;
    if (live > 0) st.replicas = live;
    // Unknown what was written or published last: say it all again.
    st.published = undefined;
    st.writtenPA = undefined;
    st.writtenSKS = undefined;
  }

  function publish(st: RevState, now: number): void {
    const sig = `${st.replicas}|${st.mode}|${st.ebc >= 0}`;
    if (sig === st.published) {
      if (st.mode === 'Proxy') st.activatorInPath = true;
      return;
    }
    const msg: DecisionMessage = {
      namespace: st.namespace,
      revision: st.name,
      desiredScale: st.replicas,
      excessBurstCapacity: st.ebc,
      mode: st.mode,
      time: now,
    };
    try {
      bus.publish(subjects.decision(st.namespace, st.name), msg);
      st.published = sig;
    } catch (err) {
      log.warn({ err, revision: st.key }, 'decision not published');
    }
  }

  /** Starts or stops instances so the revision has `replicas` of them; returns the stops in flight. */
  function place(st: RevState, now: number): Promise<unknown>[] {
    const plan = cluster.plan(st.key, st.replicas);
    if (plan.unplaced > 0) log.warn({ revision: st.key, unplaced: plan.unplaced, nodes: cluster.nodes.size }, 'no runner capacity for all instances');
    if (plan.start.length > 0 && now >= st.startBackoffUntil) {
      for (const nodeId of plan.start) startInstance(st, nodeId, now);
    }
    return plan.stop.map((t) => {
      cluster.markStopping(t.id, now);
      const req: StopInstanceRequest = { namespace: st.namespace, revision: st.name, instanceId: t.id };
      const timeoutMs = ((st.revision.spec.timeoutSeconds ?? 300) + 30) * 1000;
      return bus
        .request(subjects.runnerStop(t.nodeId), req, { timeoutMs })
        .catch((err) => log.warn({ err, revision: st.key, instance: t.id, node: t.nodeId }, 'stop request failed'))
        .finally(() => {
          cluster.remove(t.id, clock.now());
          // actualScale and the Active condition follow the instance that is now gone.
          if (running && states.get(st.key) === st) reconcile(st, false);
        });
    });
  }

  function startInstance(st: RevState, nodeId: string, now: number): void {
    const instanceId = `${st.name}-${randomUUID().slice(0, 8)}`;
    cluster.addStarting(instanceId, nodeId, st.key, now);
    const req: StartInstanceRequest = { namespace: st.namespace, revision: st.name, instanceId };
    const failed = (error: string) => {
      cluster.remove(instanceId, clock.now());
      st.startFailures++;
      const backoff = Math.min(1000 * 2 ** (st.startFailures - 1), MAX_START_BACKOFF_MS);
      st.startBackoffUntil = clock.now() + backoff;
      st.pa = markStartFailed(st.pa, error);
      emitEvent(bus, {
        involvedObject: revisionRef(st.namespace, st.name, st.revision.metadata.uid),
        type: 'Warning',
        reason: 'FailedStart',
        message: `Instance ${instanceId} did not start on ${nodeId}: ${error} (next try in ${Math.round(backoff / 1000)}s)`,
        component: 'autoscaler',
        host: id,
        time: clock.now(),
      });
      log.warn({ revision: st.key, instance: instanceId, node: nodeId, error, retryInMs: backoff }, 'instance did not start');
      if (running && states.get(st.key) === st) scheduleWrite(st);
    };
    bus.request<StartInstanceReply>(subjects.runnerStart(nodeId), req, { timeoutMs: START_TIMEOUT_MS }).then(
      (reply) => {
        if (reply?.ok) {
          cluster.markRunning(instanceId, clock.now());
          st.startFailures = 0;
          st.startBackoffUntil = 0;
          st.pa = markStarted(st.pa);
        } else failed(reply?.error ?? 'runner refused');
      },
      (err: Error) => failed(err.message),
    );
  }

  /**
   * Status writes go after the decision and the starts, and a little later still: a cold start
   * changes the PodAutoscaler three times within a few ms (decision, instance started, instance
   * ready), and each write wakes the API's reconcilers and every Store watcher on the same event
   * loop that is serving the first request. One coalesced write after it costs that request nothing
   * (measured: cold-start p50 −1 to −6 ms on the shared 2-core machine).
   */
  function scheduleWrite(st: RevState): void {
    if (st.writing) {
      st.dirty = true;
      return;
    }
    st.writing = true;
    const delay = deps.statusWriteDelayMs ?? STATUS_WRITE_DELAY_MS;
    const p = (delay > 0 ? new Promise<void>((resolve) => setTimeout(resolve, delay)) : Promise.resolve())
      // An unreachable Store is waited out (each attempt writes the latest state); a revision that
      // went away or a replica that lost it stops trying.
      .then(() =>
        retry(() => writeObjects(st), {
          clock,
          logger: log,
          what: `PodAutoscaler/ServerlessService ${st.key}`,
          signal: stopping.signal,
          retryable: (err) => isTransient(err) && acting(st),
        }),
      )
      .catch((err) => {
        if (!(err instanceof RetryAborted)) log.warn({ err, revision: st.key }, 'status not written');
      })
      .finally(() => {
        st.writing = false;
        pendingWrites.delete(p);
        if (st.dirty && states.get(st.key) === st && running) {
          st.dirty = false;
          scheduleWrite(st);
        }
      });
    pendingWrites.add(p);
  }

  async function writeObjects(st: RevState): Promise<void> {
    const status = paStatusFor(st.pa, { now: clock.now(), serviceName: st.name, prev: st.paConditions });
    const paJson = JSON.stringify(status);
    const sksJson = JSON.stringify([st.mode, st.numActivators]);
    let pa: PodAutoscaler | undefined;
    if (paJson !== st.writtenPA) {
      pa = await writePA(st, status);
      st.writtenPA = paJson;
      // Built from the last written conditions, so an unchanged condition keeps its transition time.
      st.paConditions = status.conditions;
    }
    if (sksJson !== st.writtenSKS) {
      pa ??= await store.get<PodAutoscaler>('PodAutoscaler', st.namespace, st.name);
      if (!pa) return;
      await writeSKS(st, pa);
      st.writtenSKS = sksJson;
    }
  }

  async function writePA(st: RevState, status: PodAutoscaler['status']): Promise<PodAutoscaler> {
    for (let attempt = 0; ; attempt++) {
      const cur = await store.get<PodAutoscaler>('PodAutoscaler', st.namespace, st.name);
      try {
        if (!cur) return await store.create<PodAutoscaler>({ ...podAutoscalerFor(st.revision), status: { ...status, observedGeneration: 1 } });
        return await store.update<PodAutoscaler>({ ...cur, status: { ...status, observedGeneration: cur.metadata.generation ?? 1 } });
      } catch (err) {
        const code = err instanceof StoreError ? err.code : undefined;
        if ((code === 'Conflict' || code === 'AlreadyExists' || code === 'NotFound') && attempt < 5) continue;
        throw err;
      }
    }
  }

  async function writeSKS(st: RevState, pa: PodAutoscaler): Promise<void> {
    const spec: ServerlessService['spec'] = {
      mode: st.mode,
      numActivators: st.numActivators,
      objectRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', name: st.name },
      protocolType: pa.spec.protocolType ?? 'http1',
    };
    for (let attempt = 0; ; attempt++) {
      const cur = await store.get<ServerlessService>('ServerlessService', st.namespace, st.name);
      try {
        if (!cur) {
          await store.create<ServerlessService>({
            apiVersion: 'networking.internal.knative.dev/v1alpha1',
            kind: 'ServerlessService',
            metadata: {
              name: st.name,
              namespace: st.namespace,
              labels: { ...(pa.metadata.labels ?? {}) },
              ownerReferences: [
                { apiVersion: pa.apiVersion, kind: 'PodAutoscaler', name: pa.metadata.name, uid: pa.metadata.uid!, controller: true, blockOwnerDeletion: true },
              ],
            },
            spec,
            status: { serviceName: st.name, privateServiceName: `${st.name}-private`, readyEndpoints: st.ready },
          });
          return;
        }
        // The gateways own the SKS status (ready endpoints); the autoscaler writes the spec only.
        if (JSON.stringify(cur.spec) === JSON.stringify(spec)) return;
        await store.update<ServerlessService>({ ...cur, spec });
        return;
      } catch (err) {
        const code = err instanceof StoreError ? err.code : undefined;
        if ((code === 'Conflict' || code === 'AlreadyExists' || code === 'NotFound') && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** Knative's poke: a request waits at the activator for a revision at zero — decide now, not at the next tick. */
  function onPoke(p: PokeMessage): void {
    const st = states.get(resourceKey(p.namespace, p.revision));
    if (!st) return;
    const now = clock.now();
    if (st.replicas > 0 && st.desiredScale > 0) return;
    const sec = Math.floor(now / 1000);
    // The activator's first-request stat (concurrency 1); once per second so repeated pokes do not add up.
    if (sec !== st.lastPokeSecond) {
      st.lastPokeSecond = sec;
      st.metrics.recordValues(now, 1, 1);
    }
    reconcile(st, true);
  }

  function onStat(stat: StatMessage): void {
    const st = states.get(resourceKey(stat.namespace, stat.revision));
    if (!st) return;
    const now = clock.now();
    // An activator report covers the second before its time: one that opened before the admin verb
    // forgot the history is that history (it would bring the revision straight back with no request).
    if (stat.fromActivator && stat.time - ACTIVATOR_REPORT_MS < st.forgottenAt) return;
    if (!stat.fromActivator) {
      // A draining instance's last reports would count load that is already gone.
      const t = cluster.get(stat.source);
      if (t?.state === 'stopping' || (!t && cluster.recentlyGone(stat.source, now))) return;
    }
    st.metrics.record(now, stat);
    if (st.desiredScale === 0 && stat.averageConcurrency > 0) reconcile(st, true);
  }

  function onHeartbeat(hb: NodeHeartbeat): void {
    const now = clock.now();
    const { joined, changed } = cluster.heartbeat(hb, now);
    if (joined) {
      log.info({ node: hb.nodeId, capacity: hb.capacity }, 'runner node joined');
      for (const st of states.values()) reconcile(st, false);
    } else for (const key of changed) {
      const st = states.get(key);
      if (st) reconcile(st, false);
    }
    if (!settled) return;
    for (const t of cluster.orphans((k) => states.has(k))) {
      if (t.nodeId !== hb.nodeId || !owners.owns(t.revKey)) continue;
      cluster.markStopping(t.id, now);
      const [ns, rev] = t.revKey.split('/') as [string, string];
      void bus
        .request(subjects.runnerStop(t.nodeId), { namespace: ns, revision: rev, instanceId: t.id } satisfies StopInstanceRequest)
        .catch((err) => log.warn({ err, instance: t.id }, 'orphan stop failed'))
        .finally(() => cluster.remove(t.id, clock.now()));
    }
  }

  function onEndpoints(msg: EndpointsMessage): void {
    const key = resourceKey(msg.namespace, msg.revision);
    if (cluster.endpoints(msg, key)) {
      const st = states.get(key);
      if (st) reconcile(st, false);
    }
  }

  async function onAdminScale(subject: string, data: AdminScaleRequest, respond?: (d: unknown) => void): Promise<void> {
    const reply = (r: AdminScaleReply) => respond?.(r);
    const parts = subject.split('.');
    const key = resourceKey(parts[3] ?? '', parts[4] ?? '');
    // The owner answers; every replica hears the request.
    if (!owners.owns(key)) return;
    if (data?.to !== 0) return reply({ ok: false, error: `to: only 0 is supported, got ${JSON.stringify(data?.to)}` });
    const st = states.get(key);
    if (!st) return reply({ ok: false, error: `revision ${key} not found` });
    const now = clock.now();
    // Forget the load history too, or the next tick would scale straight back up.
    st.metrics = new RevisionMetrics(collectorSettings(st.settings));
    // The poke guard counts for the windows just dropped: a poke in this same second must record
    // its first-request stat again, or the decider sees no load and the request waits ~1 s for
    // the activator's next report.
    st.lastPokeSecond = -1;
    st.forgottenAt = now;
    st.decider = createDecider(st.settings.decider, { readyPodsAtCreation: 0, now });
    st.desiredScale = 0;
    st.ebc = st.settings.decider.targetBurstCapacity > 0 ? -st.settings.decider.targetBurstCapacity : st.settings.decider.targetBurstCapacity;
    st.replicas = 0;
    st.want = 0;
    st.pa = markInactive(st.pa, now, REASON_NO_TRAFFIC, MESSAGE_NO_TRAFFIC);
    if (st.mode !== 'Proxy') {
      st.mode = 'Proxy';
      st.proxySince = now;
    }
    const act = acting(st);
    const stops = act ? place(st, now) : [];
    if (act) {
      publish(st, now);
      scheduleWrite(st);
    }
    await Promise.allSettled(stops);
    st.pa = { ...st.pa, actualScale: cluster.readyCount(key) };
    reply({ ok: true, stopped: stops.length });
  }

  function onConfigMap(data: Record<string, string> | undefined): void {
    try {
      config = parseAutoscalerConfig(data ?? {});
    } catch (err) {
      log.error({ err: (err as Error).message }, `${CONFIG_AUTOSCALER} rejected; keeping the previous configuration`);
      return;
    }
    const now = clock.now();
    for (const st of states.values()) refreshSettings(st, now);
  }

  const onSynced = () => {
    syncedWatches++;
    maybeSettle();
  };

  /**
   * Act only once every watch delivered its snapshot (or an unknown revision's instances would look
   * orphaned) and peers and nodes had DISCOVERY_MS to announce themselves.
   */
  function maybeSettle(): void {
    if (settled || !discovered || syncedWatches < WATCHES || !running) return;
    settled = true;
    const now = clock.now();
    for (const st of states.values()) {
      st.owned = owners.owns(st.key);
      if (st.owned) adopt(st);
      // Knative reads the ready count when it builds a decider; ≥ 2 starts in panic so a restarted
      // autoscaler holds the current scale until its windows refill. Now the runners have answered.
      if (st.desiredScale < 0) st.decider = createDecider(st.settings.decider, { readyPodsAtCreation: cluster.readyCount(st.key), now });
    }
    for (const st of states.values()) reconcile(st, false);
  }

  /** A gateway (re)started: it has no decisions yet, so repeat ours for the revisions this replica owns. */
  function onResync(from: string): void {
    if (from === id) return;
    const now = clock.now();
    for (const st of states.values()) {
      if (!acting(st)) continue;
      st.published = undefined;
      publish(st, now);
    }
  }

  /**
   * Decisions need the metrics the bus carries: while it is down (nats-server restarting) the
   * autoscaler decides nothing and keeps the current scale, like Knative when it cannot scrape.
   */
  function tick(): void {
    if (!bus.connected()) return;
    for (const st of states.values()) reconcile(st, true);
  }

  /** Once a second: node liveness, and Knative's scrape of revisions with ready instances that reported nothing. */
  function everySecond(): void {
    const now = clock.now();
    if (!bus.connected()) {
      // Nobody can be heard, so nobody is gone: no node's instances re-placed, no peer's revisions taken.
      owners.touch(now);
      cluster.touch(now);
      return;
    }
    if (owners.expire(now)) rebalance();
    const { left, changed } = cluster.expire(now);
    for (const nodeId of left) log.warn({ node: nodeId }, 'runner node left; re-placing its instances');
    for (const key of changed) {
      const st = states.get(key);
      if (st) reconcile(st, false);
    }
    // A pod that reports zeros is still scraped in Knative: record 0 so "no data" means "no instances".
    for (const st of states.values()) if (st.ready > 0) st.metrics.recordValues(now, 0, 0);
    heartbeat(now);
  }

  function heartbeat(now: number): void {
    const hb: ComponentHeartbeat = {
      role: 'autoscaler',
      id,
      nodeId: id,
      ready: true,
      restarts: 0,
      startedAt,
      version: KEDGE_VERSION,
      time: now,
    };
    try {
      bus.publish(subjects.componentHeartbeat, hb);
    } catch {
      // The bus is closing; the next second tells.
    }
  }

  return {
    get config() {
      return config;
    },
    tick,
    state: (ns, name) => states.get(resourceKey(ns, name)),
    async idle() {
      while (pendingWrites.size > 0) await Promise.allSettled([...pendingWrites]);
    },
    async start() {
      if (running) return;
      stopping = new AbortController();
      unwatch.push(
        store.watch({ kind: 'ConfigMap', namespace: SYSTEM_NAMESPACE, onSynced }, (ev) => {
          if (ev.object.metadata.name !== CONFIG_AUTOSCALER) return;
          onConfigMap(ev.type === 'DELETED' ? undefined : (ev.object as { data?: Record<string, string> }).data);
        }),
      );
      unwatch.push(
        store.watch({ kind: 'PodAutoscaler', onSynced }, (ev) => {
          const pa = ev.object as PodAutoscaler;
          const key = resourceKey(pa.metadata.namespace, pa.metadata.name);
          if (ev.type === 'DELETED') {
            pas.delete(key);
            return;
          }
          pas.set(key, pa);
          const st = states.get(key);
          if (st && st.reachability !== pa.spec.reachability) {
            st.reachability = pa.spec.reachability;
            refreshSettings(st, clock.now());
            if (running) reconcile(st, false);
          }
        }),
      );
      unwatch.push(
        store.watch({ kind: 'Revision', onSynced }, (ev) => {
          const rev = ev.object as Revision;
          if (ev.type === 'DELETED') removeRevision(resourceKey(rev.metadata.namespace, rev.metadata.name));
          else upsertRevision(rev);
        }),
      );
      subs.push(bus.subscribe<StatMessage>(subjects.metricsAll, (m) => onStat(m.data)));
      subs.push(bus.subscribe<PokeMessage>(subjects.pokeAll, (m) => onPoke(m.data)));
      subs.push(bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => onHeartbeat(m.data)));
      subs.push(bus.subscribe<EndpointsMessage>(subjects.endpointsAll, (m) => onEndpoints(m.data)));
      subs.push(bus.subscribe<AdminScaleRequest>(subjects.adminScaleAll, (m) => onAdminScale(m.subject, m.data, m.respond)));
      subs.push(bus.subscribe<{ gatewayId: string }>(subjects.endpointsResync, (m) => onResync(m.data?.gatewayId)));
      subs.push(
        bus.subscribe<ComponentHeartbeat>(subjects.componentHeartbeat, (m) => {
          if (m.data.role === 'autoscaler' && owners.seen(m.data.id, clock.now())) rebalance();
        }),
      );
      running = true;
      heartbeat(clock.now());
      // Runners answer with their current endpoints, so a restarted autoscaler counts ready instances at once.
      bus.publish(subjects.endpointsResync, { gatewayId: id, time: clock.now() });
      timers.push(clock.setInterval(tick, TICK_INTERVAL_SECONDS * 1000));
      timers.push(clock.setInterval(everySecond, 1000));
      timers.push(
        clock.setTimeout(() => {
          discovered = true;
          maybeSettle();
        }, deps.discoveryMs ?? DISCOVERY_MS),
      );
      for (const st of states.values()) reconcile(st, false);
      log.info({ revisions: states.size }, 'autoscaler started');
    },
    async stop() {
      if (!running) return;
      running = false;
      stopping.abort();
      for (const t of timers.splice(0)) clock.clearTimeout(t);
      for (const s of subs.splice(0)) s.unsubscribe();
      for (const u of unwatch.splice(0)) u();
      while (pendingWrites.size > 0) await Promise.allSettled([...pendingWrites]);
    },
  };
}

