import {
  getCondition,
  resourceKey,
  retry,
  RetryAborted,
  setCondition,
  StoreError,
  type Clock,
  type Logger,
  type ServerlessService,
  type Store,
  type TimerHandle,
} from '@kedge/core';

/** Endpoints counts are trusted only after this long: a fresh gateway hears the runners' resync first. */
export const SKS_SETTLE_MS = 2_500;
/**
 * Real time (not the injected clock: it only defers, it decides nothing) from a change to its write.
 * Endpoints change when a cold start's instance appears, and a write there (SQLite, plus every Store
 * watcher it wakes) would run before the held request goes on; coalesced a moment later it costs
 * that request nothing.
 */
const WRITE_DELAY_MS = 25;

/**
 * The ServerlessService's status half: how many ready instances back the revision (Knative's
 * private-service endpoints) and Ready / EndpointsPopulated with reason NoHealthyBackends when
 * none. The autoscaler owns the object and its spec (mode, numActivators); the gateway, which
 * follows every runner's endpoints, owns these status fields only. Writes happen only when the
 * value changes, as a compare-and-swap on resourceVersion so the autoscaler's spec writes are never
 * overwritten; every gateway computes the same count from the same bus, so they agree.
 */
export class ServerlessServiceStatusWriter {
  private readonly counts = new Map<string, number>();
  private readonly known = new Map<string, ServerlessService>();
  private readonly dirty = new Set<string>();
  private unwatch?: () => void;
  private settle?: TimerHandle;
  private settled = false;
  private flushing = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: { store: Store; clock: Clock; logger: Logger; settleMs?: number }) {}

  async start(): Promise<void> {
    this.unwatch = this.deps.store.watch({ kind: 'ServerlessService' }, (ev) => {
      const sks = ev.object as ServerlessService;
      const key = resourceKey(sks.metadata.namespace, sks.metadata.name);
      if (ev.type === 'DELETED') {
        this.known.delete(key);
        return;
      }
      this.known.set(key, sks);
      this.mark(key);
    });
    this.settle = this.deps.clock.setTimeout(() => {
      this.settled = true;
      for (const key of this.known.keys()) this.dirty.add(key);
      this.flushSoon();
    }, this.deps.settleMs ?? SKS_SETTLE_MS);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.unwatch?.();
    if (this.settle) this.deps.clock.clearTimeout(this.settle);
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  observe(key: string, ready: number): void {
    this.counts.set(key, ready);
    this.mark(key);
  }

  private mark(key: string): void {
    if (!this.known.has(key)) return;
    const sks = this.known.get(key)!;
    if (this.matches(sks, this.counts.get(key) ?? 0)) return;
    this.dirty.add(key);
    if (this.settled && this.flushTimer === undefined)
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flushSoon();
      }, WRITE_DELAY_MS);
  }

  private flushSoon(): void {
    // flush() handles its own failures; anything reaching here is a bug, and says so.
    this.flush().catch((err) => this.deps.logger.error({ err }, 'ServerlessService status writer failed'));
  }

  private matches(sks: ServerlessService, ready: number): boolean {
    const st = sks.status;
    const cond = getCondition(st?.conditions, 'Ready');
    return st?.readyEndpoints === ready && cond?.status === (ready > 0 ? 'True' : 'False');
  }

  private async flush(): Promise<void> {
    if (this.flushing || !this.settled) return;
    this.flushing = true;
    try {
      while (this.dirty.size > 0 && !this.stopping.signal.aborted) {
        const key = this.dirty.values().next().value as string;
        this.dirty.delete(key);
        // While the Store is unreachable the write waits and tries again (each attempt reads the
        // latest count); routing never waits on it.
        await retry(() => this.write(key), {
          clock: this.deps.clock,
          what: `ServerlessService status ${key}`,
          logger: this.deps.logger,
          signal: this.stopping.signal,
        }).catch((err) => {
          if (!(err instanceof RetryAborted))
            this.deps.logger.warn({ err, sks: key }, 'ServerlessService status not written');
        });
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.deps.store.get<ServerlessService>('ServerlessService', ns, name);
      if (!cur) return;
      const ready = this.counts.get(key) ?? 0;
      if (this.matches(cur, ready)) return;
      const now = new Date(this.deps.clock.now()).toISOString();
      const populated =
        ready > 0
          ? { status: 'True' as const }
          : { status: 'False' as const, reason: 'NoHealthyBackends', message: 'No healthy backends' };
      let conditions = setCondition(cur.status?.conditions, { type: 'EndpointsPopulated', ...populated }, now);
      conditions = setCondition(conditions, { type: 'Ready', ...populated }, now);
      const next: ServerlessService = {
        ...cur,
        status: {
          ...cur.status,
          serviceName: cur.status?.serviceName ?? name,
          privateServiceName: cur.status?.privateServiceName ?? `${name}-private`,
          readyEndpoints: ready,
          conditions,
        },
      };
      try {
        await this.deps.store.update(next);
        return;
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict') continue;
        if (err instanceof StoreError && err.code === 'NotFound') return;
        throw err;
      }
    }
  }
}
