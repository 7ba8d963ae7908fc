import {
  getCondition,
  resourceKey,
  subjects,
  type Bus,
  type Clock,
  type DecisionMessage,
  type Endpoint,
  type Logger,
  type PokeMessage,
  type Revision,
  RequestStats,
  type StatMessage,
} from '@kedge/core';
import { RevisionThrottler, ThrottlerError, type Backend } from './throttler.js';

export const DEFAULT_QUEUE_SIZE = 10_000;
export const DEFAULT_HOLD_TIMEOUT_MS = 60_000;
export const DEFAULT_REVISION_TIMEOUT_SECONDS = 300;
export const REPORT_INTERVAL_MS = 1_000;

export interface ActivatorOptions {
  /** Requests held per revision at most; more → 503 at once. */
  queueSize?: number;
  /** How long a request may wait for an instance; then → 503. */
  timeoutMs?: number;
}

/** Everything the gateway knows about one revision. */
export interface RevisionState {
  namespace: string;
  revision: string;
  key: string;
  throttler: RevisionThrottler;
  stats: RequestStats;
  /** Proxy until the autoscaler says otherwise (Knative: no decision yet ⇒ Proxy). */
  mode: 'Proxy' | 'Serve';
  failure?: { reason: string; message: string };
  timeoutSeconds: number;
  responseStartTimeoutSeconds?: number;
  /** performance.now() of the last poke and of the moment instances (re)appeared — for Server-Timing. */
  pokedAt?: number;
  /** The last poke's clock time and the concurrency it reported (the next one waits for news). */
  lastPoke?: { time: number; concurrency: number };
  readyAt?: number;
  /** Reported to the autoscaler at least once since it last went quiet. */
  active: boolean;
  /** Requests sent to instances on the gateway's own node and elsewhere (kedge_gateway_forwarded_total). */
  forwardedLocal: number;
  forwardedRemote: number;
}

/** A slot on one instance, to give back when the response is over. */
export interface Lease {
  backend: Backend;
  /** Went through the activator (counted in its stats, marked for the queue). */
  proxied: boolean;
  /** Set when the request had to wait. */
  held?: { ms: number; cold: boolean; pokeMs?: number };
  /** `refused`: the instance had no free slot after all (see RevisionThrottler.release). */
  release(refused?: boolean): void;
}

export interface ActivatorEvents {
  coldStart(s: RevisionState): void;
  held(s: RevisionState, ms: number): void;
}

/**
 * The activator (Knative's pkg/activator; https://github.com/knative/serving/blob/main/docs/scaling/SYSTEM.md):
 * per revision a throttler that holds requests while no instance has room, a poke to the autoscaler
 * the moment a request is held, and a once-a-second report of the concurrency it carries. The SKS
 * mode from the autoscaler's decision says whether requests pass through it (Proxy) or go straight
 * to instances (Serve).
 *
 * Knative pokes only for a revision with no instance. Kedge also pokes when requests are held behind
 * full instances, with the concurrency it carries (held + on instances), so the autoscaler can act on
 * queued demand before its windows fill (docs/autoscaling.md, "Capacity pokes").
 */
export class Activator {
  private readonly states = new Map<string, RevisionState>();
  private readonly queueSize: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly deps: {
      bus: Bus;
      clock: Clock;
      logger: Logger;
      id: string;
      /** The gateway's node: its instances are preferred, and pokes ask for cold starts there. */
      nodeId?: string;
      events?: Partial<ActivatorEvents>;
    },
    opts: ActivatorOptions = {},
  ) {
    this.queueSize = opts.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_HOLD_TIMEOUT_MS;
  }

  state(namespace: string, revision: string, key = resourceKey(namespace, revision)): RevisionState {
    let s = this.states.get(key);
    if (!s) {
      s = {
        namespace,
        revision,
        key,
        throttler: new RevisionThrottler(this.deps.clock, this.queueSize, Math.random, this.deps.nodeId),
        stats: new RequestStats(this.deps.clock.now()),
        mode: 'Proxy',
        timeoutSeconds: DEFAULT_REVISION_TIMEOUT_SECONDS,
        active: false,
        forwardedLocal: 0,
        forwardedRemote: 0,
      };
      this.states.set(key, s);
    }
    return s;
  }

  all(): Iterable<RevisionState> {
    return this.states.values();
  }

  setEndpoints(key: string, endpoints: Endpoint[]): void {
    const first = endpoints[0];
    const s = this.states.get(key) ?? (first ? this.state(first.namespace, first.revision, key) : undefined);
    if (!s) return;
    const was = s.throttler.size;
    if (was === 0 && endpoints.length > 0) s.readyAt = performance.now();
    s.throttler.setBackends(endpoints);
    if (s.mode === 'Serve') this.flushHeld(s);
  }

  setDecision(msg: DecisionMessage): void {
    const s = this.state(msg.namespace, msg.revision);
    s.mode = msg.mode === 'Serve' ? 'Serve' : 'Proxy';
    if (s.mode === 'Serve') this.flushHeld(s);
  }

  setRevision(rev: Revision): void {
    const s = this.state(rev.metadata.namespace, rev.metadata.name);
    s.timeoutSeconds = rev.spec.timeoutSeconds ?? DEFAULT_REVISION_TIMEOUT_SECONDS;
    if (rev.spec.responseStartTimeoutSeconds) s.responseStartTimeoutSeconds = rev.spec.responseStartTimeoutSeconds;
    else delete s.responseStartTimeoutSeconds;
    const ready = getCondition(rev.status?.conditions, 'Ready');
    if (ready?.status === 'False') {
      s.failure = { reason: ready.reason ?? 'RevisionFailed', message: ready.message ?? 'revision is not ready' };
      s.throttler.failAll(new ThrottlerError('Failed', `revision failed: ${s.failure.reason}: ${s.failure.message}`));
    } else delete s.failure;
  }

  deleteRevision(namespace: string, name: string): void {
    const key = resourceKey(namespace, name);
    const s = this.states.get(key);
    if (!s) return;
    s.throttler.failAll(new ThrottlerError('Failed', 'revision was deleted'));
    if (s.stats.inFlight === 0) this.states.delete(key);
  }

  /** A slot right now without waiting, or undefined (nothing counted then). */
  tryAcquire(s: RevisionState): Lease | undefined {
    const t = s.throttler;
    if (s.mode === 'Serve' && t.size > 0) return this.lease(s, t.pickDirect()!, false);
    const b = t.tryAcquire();
    if (!b) return undefined;
    s.stats.in(this.deps.clock.now());
    s.active = true;
    return this.lease(s, b, true);
  }

  /**
   * A slot for one request. Serve mode with instances: straight to the least loaded of two. Proxy
   * mode: a free slot now, or wait in the queue (publishing a poke when there is no instance at all).
   * Rejects with ThrottlerError.
   */
  async acquire(s: RevisionState, waitMs: number, signal?: AbortSignal): Promise<Lease> {
    const t = s.throttler;
    if (s.mode === 'Serve' && t.size > 0) {
      const b = t.pickDirect()!;
      return this.lease(s, b, false);
    }
    const clock = this.deps.clock;
    s.stats.in(clock.now());
    s.active = true;
    const now = t.tryAcquire();
    if (now) return this.lease(s, now, true);
    const cold = t.size === 0;
    const start = performance.now();
    let b: Backend;
    try {
      const before = t.held;
      const waiting = t.acquire(Math.min(waitMs, this.timeoutMs), signal);
      if (t.held > before) {
        if (!cold) this.pokeOnNews(s);
        else {
          this.deps.events?.coldStart?.(s);
          if (t.held === 1) this.poke(s);
        }
      }
      b = await waiting;
    } catch (err) {
      s.stats.out(clock.now());
      throw err;
    }
    const ms = performance.now() - start;
    this.deps.events?.held?.(s, ms);
    const lease = this.lease(s, b, true);
    lease.held = { ms, cold };
    if (cold && s.pokedAt !== undefined && s.readyAt !== undefined && s.readyAt >= s.pokedAt)
      lease.held.pokeMs = s.readyAt - s.pokedAt;
    return lease;
  }

  private lease(s: RevisionState, backend: Backend, proxied: boolean): Lease {
    if (backend.endpoint.nodeId === this.deps.nodeId) s.forwardedLocal++;
    else s.forwardedRemote++;
    let done = false;
    return {
      backend,
      proxied,
      release: (refused = false) => {
        if (done) return;
        done = true;
        if (proxied) s.stats.out(this.deps.clock.now());
        s.throttler.release(backend, refused);
      },
    };
  }

  /** Serve mode takes the activator out of the path: whatever it still holds goes on at once. */
  private flushHeld(s: RevisionState): void {
    s.throttler.releaseHeldDirect();
  }

  /**
   * Another request was held: poke again only with news — a report interval since the last poke, or
   * twice the concurrency it reported (the KPA's panic threshold), so a burst arriving over a few ms
   * costs a handful of pokes, not one per request.
   */
  private pokeOnNews(s: RevisionState): void {
    const last = s.lastPoke;
    if (last && this.deps.clock.now() - last.time < REPORT_INTERVAL_MS && s.stats.inFlight < 2 * last.concurrency)
      return;
    this.poke(s);
  }

  private poke(s: RevisionState): void {
    // Server-Timing's poke;dur measures a cold start: from the poke for no instance to the first one.
    if (s.throttler.size === 0) s.pokedAt = performance.now();
    const time = this.deps.clock.now();
    const concurrency = s.stats.inFlight;
    s.lastPoke = { time, concurrency };
    const msg: PokeMessage = {
      namespace: s.namespace,
      revision: s.revision,
      held: s.throttler.held,
      concurrency,
      time,
    };
    if (this.deps.nodeId !== undefined) msg.nodeId = this.deps.nodeId;
    try {
      this.deps.bus.publish(subjects.poke(s.namespace, s.revision), msg);
    } catch (err) {
      this.deps.logger.warn({ err, revision: s.key }, 'poke failed');
    }
  }

  /**
   * Once a second: what the activator carried per revision (Knative's
   * pkg/activator/handler/concurrency_reporter.go); re-pokes revisions that still have requests held.
   */
  report(): void {
    const now = this.deps.clock.now();
    // A second's report sent while the bus is down would be buffered by the client and arrive with
    // all the others at the reconnect, read by the autoscaler as one burst: that second is dropped.
    const connected = this.deps.bus.connected();
    for (const s of this.states.values()) {
      if (!s.active) continue;
      const r = s.stats.report(now);
      if (r.averageConcurrency === 0 && r.requestCount === 0 && s.stats.inFlight === 0) {
        s.active = false;
        continue;
      }
      if (!connected) continue;
      const stat: StatMessage = {
        namespace: s.namespace,
        revision: s.revision,
        source: this.deps.id,
        fromActivator: true,
        averageConcurrency: r.averageConcurrency,
        // Arrivals per second of the period (the activator's period is the 1 s report tick).
        requestCount: r.elapsedMs > 0 ? r.requestCount / (r.elapsedMs / 1000) : r.requestCount,
        time: now,
      };
      try {
        this.deps.bus.publish(subjects.metrics(s.namespace, s.revision), stat);
        if (s.throttler.held > 0) this.poke(s);
      } catch (err) {
        this.deps.logger.warn({ err, revision: s.key }, 'activator stat not sent');
      }
    }
  }
}
