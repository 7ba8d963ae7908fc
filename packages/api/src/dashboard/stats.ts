import {
  resourceKey,
  subjects,
  type Bus,
  type Clock,
  type ColdStartRecord,
  type DecisionMessage,
  type EndpointsMessage,
  type GatewayStatsMessage,
  type Logger,
  type RevisionHealth,
  type Subscription,
  type TimerHandle,
} from '@kedge/core';
import { histogramQuantileMs } from './percentile.js';

/** One second of one revision: `[time, ready replicas, desired replicas, requests/s, p50 ms, p99 ms, 5xx/s]`. */
export type StatsSample = [number, number, number, number, number | null, number | null, number];

export interface RevisionStats {
  namespace: string;
  revision: string;
  /** Seconds with anything happening, oldest first; a second missing between two is all zeros. */
  samples: StatsSample[];
}

export interface ColdStart extends ColdStartRecord {
  namespace: string;
  revision: string;
  gatewayId: string;
}

/** What the autoscaler and the runners said, for the dashboard's event list. */
export interface StatsEvent {
  time: number;
  namespace: string;
  revision: string;
  reason: 'ScaleDecision' | 'RevisionFailed' | 'RevisionReady';
  message: string;
}

export interface StatsSnapshot {
  time: number;
  intervalMs: number;
  historySeconds: number;
  revisions: RevisionStats[];
  coldStarts: ColdStart[];
  events: StatsEvent[];
}

/** What a watcher gets after the snapshot. */
export type StatsUpdate =
  | { type: 'TICK'; object: { time: number; samples: { namespace: string; revision: string; sample: StatsSample }[] } }
  | { type: 'COLDSTART'; object: ColdStart }
  | { type: 'EVENT'; object: StatsEvent };

export interface DashboardStatsOptions {
  /** Seconds of samples kept per revision (default 300). */
  historySeconds?: number;
  /** Seconds of latency the p50/p99 are taken over (default 10: a second alone is too few requests). */
  latencyWindowSeconds?: number;
  /** Cold starts and events kept for a new watcher (default 100 each). */
  recent?: number;
}

interface Tracked {
  namespace: string;
  revision: string;
  readyByNode: Map<string, number>;
  desired: number;
  /** Since the last sample. */
  requests: number;
  errors: number;
  /** Latency histograms of the last latencyWindowSeconds samples, newest last. */
  durations: number[][];
  pending: number[];
  samples: StatsSample[];
  lastHealth?: boolean;
}

const INTERVAL_MS = 1_000;

/**
 * Read-only statistics for the dashboard, gathered from what already travels on the bus: ready
 * replicas from the runners' endpoints, desired replicas from the autoscaler's decisions, request
 * rate, latency and cold starts from the gateways' once-a-second stats, failures from revision health.
 * Sampled once a second into a bounded history per revision; nothing here is stored or decides anything.
 */
export class DashboardStats {
  private readonly revisions = new Map<string, Tracked>();
  private readonly coldStarts: ColdStart[] = [];
  private readonly events: StatsEvent[] = [];
  private readonly listeners = new Set<(u: StatsUpdate) => void>();
  private readonly subs: Subscription[] = [];
  private timer: TimerHandle | undefined;
  private readonly historySeconds: number;
  private readonly latencyWindow: number;
  private readonly recent: number;

  constructor(
    private readonly deps: { bus: Bus; clock: Clock; logger: Logger },
    opts: DashboardStatsOptions = {},
  ) {
    this.historySeconds = opts.historySeconds ?? 300;
    this.latencyWindow = opts.latencyWindowSeconds ?? 10;
    this.recent = opts.recent ?? 100;
  }

  start(): void {
    if (this.timer) return;
    const { bus, clock } = this.deps;
    this.subs.push(
      bus.subscribe<EndpointsMessage>(subjects.endpointsAll, (m) => this.onEndpoints(m.data)),
      bus.subscribe<DecisionMessage>(subjects.decisionAll, (m) => this.onDecision(m.data)),
      bus.subscribe<GatewayStatsMessage>(subjects.gatewayStatsAll, (m) => this.onGatewayStats(m.data)),
      bus.subscribe<RevisionHealth>(subjects.revisionHealthAll, (m) => this.onHealth(m.data)),
    );
    this.timer = clock.setInterval(() => this.sample(), INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) this.deps.clock.clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.listeners.clear();
  }

  snapshot(): StatsSnapshot {
    return {
      time: this.deps.clock.now(),
      intervalMs: INTERVAL_MS,
      historySeconds: this.historySeconds,
      revisions: [...this.revisions.values()]
        .filter((t) => t.samples.length > 0)
        .map((t) => ({ namespace: t.namespace, revision: t.revision, samples: [...t.samples] })),
      coldStarts: [...this.coldStarts],
      events: [...this.events],
    };
  }

  /** Calls `fn` with every update from now on; returns the unsubscribe. */
  subscribe(fn: (u: StatsUpdate) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private tracked(namespace: string, revision: string): Tracked {
    const key = resourceKey(namespace, revision);
    let t = this.revisions.get(key);
    if (!t) {
      t = {
        namespace,
        revision,
        readyByNode: new Map(),
        desired: 0,
        requests: 0,
        errors: 0,
        durations: [],
        pending: [],
        samples: [],
      };
      this.revisions.set(key, t);
    }
    return t;
  }

  private emit(u: StatsUpdate): void {
    for (const fn of this.listeners) {
      try {
        fn(u);
      } catch (err) {
        this.deps.logger.debug({ err }, 'dashboard stats listener failed');
      }
    }
  }

  private remember<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > this.recent) list.splice(0, list.length - this.recent);
  }

  private event(namespace: string, revision: string, reason: StatsEvent['reason'], message: string): void {
    const e: StatsEvent = { time: this.deps.clock.now(), namespace, revision, reason, message };
    this.remember(this.events, e);
    this.emit({ type: 'EVENT', object: e });
  }

  private onEndpoints(m: EndpointsMessage): void {
    const t = this.tracked(m.namespace, m.revision);
    if (m.endpoints.length > 0) t.readyByNode.set(m.nodeId, m.endpoints.length);
    else t.readyByNode.delete(m.nodeId);
  }

  private onDecision(m: DecisionMessage): void {
    const t = this.tracked(m.namespace, m.revision);
    if (m.desiredScale !== t.desired)
      this.event(
        m.namespace,
        m.revision,
        'ScaleDecision',
        `desired scale ${t.desired} → ${m.desiredScale} (${m.mode} mode)`,
      );
    t.desired = m.desiredScale;
  }

  private onGatewayStats(m: GatewayStatsMessage): void {
    const t = this.tracked(m.namespace, m.revision);
    t.requests += m.requests;
    t.errors += m.errors;
    if (m.durations.length > 0) {
      if (t.pending.length === 0) t.pending = new Array<number>(m.durations.length).fill(0);
      for (let i = 0; i < m.durations.length; i++) t.pending[i] = (t.pending[i] ?? 0) + m.durations[i]!;
    }
    for (const r of m.coldStarts) {
      const c: ColdStart = { ...r, namespace: m.namespace, revision: m.revision, gatewayId: m.gatewayId };
      this.remember(this.coldStarts, c);
      this.emit({ type: 'COLDSTART', object: c });
    }
  }

  private onHealth(m: RevisionHealth): void {
    const t = this.tracked(m.namespace, m.revision);
    if (t.lastHealth === m.ready) return;
    const recovered = t.lastHealth === false;
    t.lastHealth = m.ready;
    // Every revision loads once on every runner: only a recovery from a failure is news.
    if (m.ready) {
      if (recovered) this.event(m.namespace, m.revision, 'RevisionReady', `loads again on node ${m.nodeId}`);
    } else
      this.event(
        m.namespace,
        m.revision,
        'RevisionFailed',
        `${m.reason ?? 'Failed'} on node ${m.nodeId}: ${m.message ?? ''}`.trim(),
      );
  }

  /** Cuts one second for every revision; revisions with nothing to say add no sample and cost nothing to watchers. */
  private sample(): void {
    const now = this.deps.clock.now();
    const seconds = INTERVAL_MS / 1000;
    const changed: { namespace: string; revision: string; sample: StatsSample }[] = [];
    for (const [key, t] of this.revisions) {
      t.durations.push(t.pending);
      t.pending = [];
      if (t.durations.length > this.latencyWindow) t.durations.shift();
      let replicas = 0;
      for (const n of t.readyByNode.values()) replicas += n;
      const merged: number[] = [];
      for (const h of t.durations) for (let i = 0; i < h.length; i++) merged[i] = (merged[i] ?? 0) + h[i]!;
      const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 100) / 100);
      const sample: StatsSample = [
        now,
        replicas,
        t.desired,
        t.requests / seconds,
        round(histogramQuantileMs(merged, 0.5)),
        round(histogramQuantileMs(merged, 0.99)),
        t.errors / seconds,
      ];
      t.requests = 0;
      t.errors = 0;
      const last = t.samples.at(-1);
      const quiet = replicas === 0 && t.desired === 0 && sample[3] === 0 && sample[6] === 0;
      // A quiet revision records one quiet sample (so its chart drops to zero), then nothing.
      const lastQuiet = last !== undefined && last[1] === 0 && last[2] === 0 && last[3] === 0 && last[6] === 0;
      if (!quiet || (last && !lastQuiet)) {
        t.samples.push(sample);
        changed.push({ namespace: t.namespace, revision: t.revision, sample });
      }
      const horizon = now - this.historySeconds * 1000;
      while (t.samples.length > 0 && t.samples[0]![0] < horizon) t.samples.shift();
      if (quiet && t.samples.length === 0 && t.lastHealth === undefined && t.durations.every((h) => h.length === 0))
        this.revisions.delete(key);
    }
    if (changed.length > 0) this.emit({ type: 'TICK', object: { time: now, samples: changed } });
  }
}
