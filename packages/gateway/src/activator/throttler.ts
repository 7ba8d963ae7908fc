import type { Clock, Endpoint, TimerHandle } from '@kedge/core';

/** One ready instance as the throttler sees it: where it is and how many requests it has from us. */
export interface Backend {
  endpoint: Endpoint;
  inFlight: number;
  /** Clock time until which the instance counts as full: it refused a request for want of a slot. */
  fullUntil?: number;
}

/**
 * How long an instance that answered "no free slot" is skipped when nothing of ours on it ends
 * first (other gateways, which this one cannot see, fill it).
 */
export const FULL_BACKOFF_MS = 100;

export type ThrottleReason = 'QueueFull' | 'Timeout' | 'Aborted' | 'Failed';

export class ThrottlerError extends Error {
  constructor(
    readonly reason: ThrottleReason,
    message: string,
  ) {
    super(message);
    this.name = 'ThrottlerError';
  }
}

interface Waiter {
  resolve(b: Backend): void;
  fail(err: ThrottlerError): void;
  done: boolean;
}

function capacity(b: Backend): number {
  const cc = b.endpoint.concurrency;
  return cc > 0 ? cc : Infinity;
}

function hasRoom(b: Backend, now: number): boolean {
  return b.inFlight < capacity(b) && !(b.fullUntil !== undefined && b.fullUntil > now);
}

/**
 * With no containerConcurrency limit a local instance is "saturated" for local-first routing at
 * Knative's default per-instance concurrency target (container-concurrency-target-default: 100):
 * beyond it the autoscaler would add instances anyway, so the overflow may as well use other nodes'.
 */
export const LOCAL_SOFT_CAPACITY = 100;

function localRoom(b: Backend, now: number): boolean {
  if (b.endpoint.concurrency > 0) return hasRoom(b, now);
  return b.inFlight < LOCAL_SOFT_CAPACITY && !(b.fullUntil !== undefined && b.fullUntil > now);
}

/**
 * Knative's revision throttler (pkg/activator/net/throttler.go), per revision: requests wait FIFO in a
 * bounded queue until an instance has a free slot, and the load-balancing policy follows
 * containerConcurrency — 0: power of two random choices; 1–3: first instance with a free slot (in
 * instance order); > 3: round robin skipping full instances. Knative's two breakers (revision
 * capacity = CC × instances, then one per instance) admit exactly the requests for which some
 * instance has a free slot, which is what `reserve()` decides directly.
 *
 * No activator subsetting: every Kedge gateway is its own ingress and sees all client traffic for
 * the hosts it serves, so each one uses every instance (Knative's "index −1" case).
 */
export class RevisionThrottler {
  private backends: Backend[] = [];
  /** Instances on `preferNode` (same order as backends): tried first, the rest take the overflow. */
  private local: Backend[] = [];
  private rrLocal = 0;
  private queue: Waiter[] = [];
  private head = 0;
  private waiting = 0;
  private rr = 0;

  constructor(
    private readonly clock: Clock,
    private queueSize: number,
    private readonly random: () => number = Math.random,
    /** The gateway's own node: its instances are used while they have room (local-first routing). */
    private readonly preferNode?: string,
  ) {}

  /** Requests waiting for a slot right now. */
  get held(): number {
    return this.waiting;
  }

  get size(): number {
    return this.backends.length;
  }

  list(): readonly Backend[] {
    return this.backends;
  }

  setQueueSize(n: number): void {
    this.queueSize = n;
  }

  /** Replaces the instance set; instances that stay keep their in-flight counts. */
  setBackends(endpoints: readonly Endpoint[]): void {
    const prev = new Map(this.backends.map((b) => [b.endpoint.instanceId, b]));
    const next = [...endpoints]
      .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0))
      .map((endpoint) => {
        const old = prev.get(endpoint.instanceId);
        if (!old) return { endpoint, inFlight: 0 };
        old.endpoint = endpoint;
        return old;
      });
    this.backends = next;
    this.splitLocal();
    this.drain();
  }

  /** Stops using an instance that could not be reached until the next endpoints update lists it again. */
  remove(instanceId: string): void {
    this.backends = this.backends.filter((b) => b.endpoint.instanceId !== instanceId);
    this.splitLocal();
  }

  /** Instances on the preferred node right now (for inspect() and tests). */
  get localSize(): number {
    return this.local.length;
  }

  private splitLocal(): void {
    if (this.rr >= this.backends.length) this.rr = 0;
    if (this.preferNode === undefined) return;
    this.local = this.backends.filter((b) => b.endpoint.nodeId === this.preferNode);
    if (this.rrLocal >= this.local.length) this.rrLocal = 0;
  }

  /** A slot right now, without waiting — only when nobody is queued ahead (FIFO). */
  tryAcquire(): Backend | undefined {
    return this.waiting === 0 ? this.reserve() : undefined;
  }

  /** Waits (bounded queue, bounded time) for a slot. */
  acquire(timeoutMs: number, signal?: AbortSignal): Promise<Backend> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (this.waiting >= this.queueSize)
      return Promise.reject(new ThrottlerError('QueueFull', `pending request queue full (${this.queueSize} held)`));
    return new Promise<Backend>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const onAbort = () => w.fail(new ThrottlerError('Aborted', 'client went away while waiting'));
      const finish = () => {
        w.done = true;
        this.waiting--;
        if (timer) this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        done: false,
        resolve: (b) => {
          finish();
          resolve(b);
        },
        fail: (err) => {
          if (w.done) return;
          finish();
          reject(err);
        },
      };
      this.waiting++;
      this.queue.push(w);
      timer = this.clock.setTimeout(
        () => w.fail(new ThrottlerError('Timeout', `no instance became available within ${timeoutMs} ms`)),
        timeoutMs,
      );
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** Serve mode: the activator is out of the path, so no slot limits — spread by fewest in flight. */
  pickDirect(): Backend | undefined {
    const near = this.local.length > 0 ? this.twoChoices(this.local) : undefined;
    const b = near && localRoom(near, this.clock.now()) ? near : this.twoChoices(this.backends);
    if (b) b.inFlight++;
    return b;
  }

  /** Hands every queued request an instance regardless of slots (the activator left the path). */
  releaseHeldDirect(): void {
    if (this.waiting === 0 || this.backends.length === 0) return;
    for (let i = this.head; i < this.queue.length; i++) {
      const w = this.queue[i]!;
      if (!w.done) w.resolve(this.pickDirect()!);
    }
    this.queue = [];
    this.head = 0;
  }

  /**
   * `refused`: the instance answered that it had no free slot — other gateways, each counting only
   * its own requests, filled it. It is skipped until one of our requests on it ends or
   * FULL_BACKOFF_MS pass, so requests wait here, where a new instance can take them, rather than in
   * that instance's queue.
   */
  release(b: Backend, refused = false): void {
    b.inFlight--;
    if (refused) {
      b.fullUntil = this.clock.now() + FULL_BACKOFF_MS;
      this.clock.setTimeout(() => {
        if (this.waiting > 0) this.drain();
      }, FULL_BACKOFF_MS);
    } else delete b.fullUntil;
    if (this.waiting > 0) this.drain();
  }

  /** Fails everything queued (revision failed or deleted). */
  failAll(err: ThrottlerError): void {
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]!.fail(err);
    this.queue = [];
    this.head = 0;
  }

  private drain(): void {
    while (this.head < this.queue.length) {
      const w = this.queue[this.head]!;
      if (w.done) {
        this.head++;
        continue;
      }
      const b = this.reserve();
      if (!b) break;
      this.head++;
      w.resolve(b);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
  }

  /** Local-first: the policy over this node's instances while one has room, then over all of them. */
  private reserve(): Backend | undefined {
    if (this.backends.length === 0) return undefined;
    const now = this.clock.now();
    let chosen: Backend | undefined;
    if (this.local.length > 0) {
      chosen = this.choose(this.local, true, now);
      if (chosen && !localRoom(chosen, now)) chosen = undefined;
    }
    chosen ??= this.choose(this.backends, false, now);
    if (chosen) chosen.inFlight++;
    return chosen;
  }

  private choose(bs: Backend[], local: boolean, now: number): Backend | undefined {
    const n = bs.length;
    const cc = bs[0]!.endpoint.concurrency;
    if (cc <= 0) return this.twoChoices(bs);
    if (cc <= 3) return bs.find((b) => hasRoom(b, now));
    const start = local ? this.rrLocal : this.rr;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const b = bs[i]!;
      if (hasRoom(b, now)) {
        if (local) this.rrLocal = (i + 1) % n;
        else this.rr = (i + 1) % n;
        return b;
      }
    }
    return undefined;
  }

  private twoChoices(bs: Backend[]): Backend | undefined {
    const n = bs.length;
    if (n <= 1) return bs[0];
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const a = bs[i]!;
    const b = bs[j]!;
    if (a.inFlight === b.inFlight) return this.random() < 0.5 ? a : b;
    return a.inFlight < b.inFlight ? a : b;
  }
}
