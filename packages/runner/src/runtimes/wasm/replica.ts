import type { Cancellation } from '@kedge/core';
import { GuestFailure } from './pool.js';

export interface ReplicaOptions {
  /** Guest instances at most: containerConcurrency, or the runner's cap when that is 0. */
  maxGuests: number;
  /**
   * Calls one guest may have in flight. 1 for a guest that can suspend: a jco instance is not
   * re-entrant, and a second call would interleave with the first. A synchronous guest can take
   * more: its worker runs them one after another, and having them posted ahead keeps the worker
   * from idling for a round trip to the main thread between two calls (default 1).
   */
  callsPerGuest?: number;
  /** A guest for this replica: a warm one claimed, or a fresh instantiation. */
  claim(): Promise<string>;
  drop(guest: string): void;
}

interface Waiter {
  resolve(guest: string): void;
  reject(err: Error): void;
}

/**
 * One replica (Knative: a pod) of a WebAssembly revision: a pool of guest instances, grown on demand
 * up to `maxGuests`. A request takes an idle guest, else a new one while the pool may grow, else the
 * least loaded guest below `callsPerGuest`, else waits for the first one freed (the queue in front
 * already bounds how many get here).
 */
export class Replica {
  /** Guest → calls in flight on it. */
  private readonly calls = new Map<string, number>();
  private creating = 0;
  private readonly waiters: Waiter[] = [];
  private stopped = false;
  private readonly callsPerGuest: number;

  constructor(private readonly opts: ReplicaOptions) {
    this.callsPerGuest = Math.max(1, opts.callsPerGuest ?? 1);
  }

  /** Instances of this replica (busy or idle). */
  get size(): number {
    return this.calls.size;
  }

  /** Instances with a call in flight. */
  get busy(): number {
    let n = 0;
    for (const c of this.calls.values()) if (c > 0) n++;
    return n;
  }

  /** Adds a guest made before the first request (the replica's start claims one). */
  adopt(guest: string): void {
    this.calls.set(guest, 1);
    this.release(guest);
  }

  acquire(cancel: Cancellation): Promise<string> {
    const least = this.leastLoaded();
    if (least && least[1] === 0) return Promise.resolve(this.take(least[0]));
    if (this.calls.size + this.creating < this.opts.maxGuests) return this.grow();
    if (least && least[1] < this.callsPerGuest) return Promise.resolve(this.take(least[0]));
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.waiters.push(waiter);
      const stop = cancel.onCancel((why) => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        const deadline = (why as { name?: string } | undefined)?.name === 'TimeoutError';
        reject(
          new GuestFailure(deadline ? 'timeout' : 'aborted', (why as Error | undefined)?.message ?? 'request aborted'),
        );
      });
      waiter.resolve = (g) => {
        stop();
        resolve(g);
      };
    });
  }

  /** A call on the guest has left its worker: the next waiting request takes its place. */
  release(guest: string): void {
    const n = this.calls.get(guest);
    if (n === undefined) return;
    if (!this.stopped) {
      const next = this.waiters.shift();
      if (next) return next.resolve(guest);
    }
    if (n > 1 || !this.stopped) {
      this.calls.set(guest, n - 1);
      return;
    }
    this.calls.delete(guest);
    this.opts.drop(guest);
  }

  /** Drops every instance (the queue drained first: none has a call in flight). */
  stop(): void {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w.reject(new GuestFailure('crashed', 'the instance is stopping'));
    for (const [g, n] of this.calls) {
      if (n > 0) continue;
      this.calls.delete(g);
      this.opts.drop(g);
    }
  }

  private take(guest: string): string {
    this.calls.set(guest, (this.calls.get(guest) ?? 0) + 1);
    return guest;
  }

  private grow(): Promise<string> {
    this.creating++;
    return this.opts.claim().then(
      (g) => {
        this.creating--;
        this.calls.set(g, 1);
        return g;
      },
      (err: unknown) => {
        this.creating--;
        throw err;
      },
    );
  }

  private leastLoaded(): [string, number] | undefined {
    let best: [string, number] | undefined;
    for (const entry of this.calls) {
      if (!best || entry[1] < best[1]) best = entry;
      if (entry[1] === 0) break;
    }
    return best;
  }
}
