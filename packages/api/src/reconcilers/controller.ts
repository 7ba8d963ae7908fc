import { StoreError, type Clock, type Logger, type TimerHandle } from '@kedge/core';

export interface ReconcileResult {
  /** Look again after this long even without an event (time-based rules such as revision GC). */
  requeueAfterMs?: number;
}

export type ReconcileFn = (key: string) => Promise<ReconcileResult | void>;

const MAX_BACKOFF_MS = 30_000;

/**
 * Knative's controller shape: events only enqueue keys (`ns/name`); one worker per controller takes
 * keys in order, a key queued while it is being reconciled runs again afterwards, failures retry
 * with exponential backoff on the injected clock. Reconcile functions are level-based, so any number
 * of events for a key collapse into one pass.
 */
export class Controller {
  private readonly queue = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private stopped = true;
  private worker?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly reconcile: ReconcileFn,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
    await this.worker;
  }

  enqueue(key: string): void {
    this.queue.add(key);
    this.kick();
  }

  enqueueAfter(key: string, ms: number): void {
    const prev = this.timers.get(key);
    if (prev) this.clock.clearTimeout(prev);
    this.timers.set(
      key,
      this.clock.setTimeout(() => {
        this.timers.delete(key);
        this.enqueue(key);
      }, ms),
    );
  }

  get idle(): boolean {
    return this.queue.size === 0 && this.inFlight.size === 0;
  }

  private kick(): void {
    if (this.running || this.stopped || this.queue.size === 0) return;
    this.running = true;
    this.worker = this.drain().finally(() => {
      this.running = false;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.queue.size > 0) {
      const key = this.queue.values().next().value as string;
      this.queue.delete(key);
      this.inFlight.add(key);
      try {
        const res = await this.reconcile(key);
        this.failures.delete(key);
        if (res?.requeueAfterMs !== undefined) this.enqueueAfter(key, Math.max(0, res.requeueAfterMs));
      } catch (err) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        if (err instanceof StoreError && (err.code === 'Conflict' || err.code === 'AlreadyExists') && n <= 3) {
          // Someone wrote in between: read again at once.
          this.log.debug({ key, controller: this.name, err: err.message }, 'reconcile conflict, retrying');
          this.queue.add(key);
        } else {
          const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(n, 10));
          this.log.warn(
            { key, controller: this.name, err: (err as Error).message, retryInMs: delay },
            'reconcile failed',
          );
          this.enqueueAfter(key, delay);
        }
      } finally {
        this.inFlight.delete(key);
      }
    }
  }
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
