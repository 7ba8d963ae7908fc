import type { Cancellation } from '../../queue/cancellation.js';
import { GuestFailure } from './pool.js';

export interface ReplicaOptions {
  /** Guest instances at most: containerConcurrency, or the runner's cap when that is 0. */
  maxGuests: number;
  /** A guest for this replica: a warm one claimed, or a fresh instantiation. */
  claim(): Promise<string>;
  drop(guest: string): void;
}

/**
 * One replica (Knative: a pod) of a WebAssembly revision: a pool of guest instances, one call in
 * flight per instance (a jco instance is not re-entrant), grown on demand up to `maxGuests`. A
 * request that finds every instance busy at the cap waits for the first one freed (the queue in
 * front already bounds how many get here).
 */
export class Replica {
  private readonly idle: string[] = [];
  private readonly guests = new Set<string>();
  private creating = 0;
  private readonly waiters: { resolve(guest: string): void; reject(err: Error): void }[] = [];
  private stopped = false;

  constructor(private readonly opts: ReplicaOptions) {}

  /** Instances of this replica (busy or idle). */
  get size(): number {
    return this.guests.size;
  }

  /** Instances with a call in flight. */
  get busy(): number {
    return this.guests.size - this.idle.length;
  }

  /** Adds a guest made before the first request (the replica's start claims one). */
  adopt(guest: string): void {
    this.guests.add(guest);
    this.release(guest);
  }

  acquire(cancel: Cancellation): Promise<string> {
    const guest = this.idle.pop();
    if (guest) return Promise.resolve(guest);
    if (this.guests.size + this.creating < this.opts.maxGuests) {
      this.creating++;
      return this.opts.claim().then(
        (g) => {
          this.creating--;
          this.guests.add(g);
          return g;
        },
        (err: unknown) => {
          this.creating--;
          throw err;
        },
      );
    }
    return new Promise<string>((resolve, reject) => {
      const waiter = { resolve, reject };
      this.waiters.push(waiter);
      const stop = cancel.onCancel((why) => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        const deadline = (why as { name?: string } | undefined)?.name === 'TimeoutError';
        reject(new GuestFailure(deadline ? 'timeout' : 'aborted', (why as Error | undefined)?.message ?? 'request aborted'));
      });
      waiter.resolve = (g) => {
        stop();
        resolve(g);
      };
    });
  }

  /** The guest's call has left its worker: the next waiting request takes it. */
  release(guest: string): void {
    if (!this.guests.has(guest)) return;
    if (this.stopped) {
      this.guests.delete(guest);
      this.opts.drop(guest);
      return;
    }
    const next = this.waiters.shift();
    if (next) next.resolve(guest);
    else this.idle.push(guest);
  }

  /** Drops every instance (the queue drained first: none has a call in flight). */
  stop(): void {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w.reject(new GuestFailure('crashed', 'the instance is stopping'));
    for (const g of this.idle.splice(0)) {
      this.guests.delete(g);
      this.opts.drop(g);
    }
  }
}
