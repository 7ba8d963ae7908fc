import { createHash } from 'node:crypto';
import {
  EVENTS_SUBJECT,
  StoreError,
  type AnyResource,
  type Bus,
  type Clock,
  type KedgeEvent,
  type Logger,
  type Store,
  type Subscription,
} from '@kedge/core';
import { SerialWrites } from '../serial-writes.js';

/** Kubernetes keeps Events an hour (kube-apiserver --event-ttl=1h). */
export const EVENT_TTL_MS = 3_600_000;
/** At most this many Events are kept; the oldest go first (a bound the TTL alone does not give). */
export const MAX_EVENTS = 2_000;

interface StoredEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: KedgeEvent['involvedObject'];
  reason: string;
  message: string;
  type: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
}

/**
 * Records the components' KedgeEvents as `v1` Events in the Store, the apiserver's way: the same
 * object, reason and message within the TTL is one Event whose count grows (client-go's event
 * correlator), Events expire after an hour, and there are never more than MAX_EVENTS.
 */
export class EventRecorder {
  private sub: Subscription | undefined;
  private timer: unknown;
  /** name → ns and last time, for expiry and the cap (filled from the Store at start). */
  private readonly known = new Map<string, { namespace: string; last: number }>();
  private readonly writes: SerialWrites;

  private readonly max: number;

  constructor(private readonly deps: { store: Store; bus: Bus; clock: Clock; logger: Logger; maxEvents?: number }) {
    this.max = deps.maxEvents ?? MAX_EVENTS;
    this.writes = new SerialWrites(deps.logger, 'event not recorded');
  }

  async start(): Promise<void> {
    const { items } = await this.deps.store.list('Event' as never);
    for (const e of items as unknown as StoredEvent[])
      this.known.set(`${e.metadata.namespace}/${e.metadata.name}`, {
        namespace: e.metadata.namespace,
        last: Date.parse(e.lastTimestamp) || 0,
      });
    this.sub = this.deps.bus.subscribe<KedgeEvent>(EVENTS_SUBJECT, (m) => this.record(m.data));
    this.timer = this.deps.clock.setInterval(() => this.expire(), 60_000);
    this.expire();
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    if (this.timer) this.deps.clock.clearInterval(this.timer as never);
    await this.writes.idle();
  }

  async idle(): Promise<void> {
    await this.writes.idle();
  }

  record(ev: KedgeEvent): void {
    if (!ev?.involvedObject?.name || !ev.reason) return;
    this.writes.enqueue(() => this.write(ev));
  }

  private async write(ev: KedgeEvent): Promise<void> {
    const { store } = this.deps;
    const o = ev.involvedObject;
    // One name per (object, reason, message): a repeat bumps the count (kubectl shows "x3 over 5m").
    const digest = createHash('sha256')
      .update(`${o.kind}\n${o.uid ?? ''}\n${ev.type}\n${ev.reason}\n${ev.message}`)
      .digest('hex')
      .slice(0, 16);
    const name = `${o.name}.${digest}`;
    const at = new Date(ev.time || this.deps.clock.now()).toISOString();
    for (let attempt = 0; attempt < 5; attempt++) {
      const old = (await store.get('Event' as never, o.namespace, name)) as unknown as StoredEvent | undefined;
      try {
        if (old) {
          await store.update({ ...old, count: old.count + 1, lastTimestamp: at } as unknown as AnyResource);
        } else {
          const e: StoredEvent = {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name, namespace: o.namespace },
            involvedObject: o,
            reason: ev.reason,
            message: ev.message,
            type: ev.type,
            count: 1,
            firstTimestamp: at,
            lastTimestamp: at,
            source: { component: ev.component, ...(ev.host ? { host: ev.host } : {}) },
            reportingComponent: `kedge-${ev.component}`,
            reportingInstance: ev.host ?? '',
          };
          await store.create(e as unknown as AnyResource);
        }
        this.known.set(`${o.namespace}/${name}`, { namespace: o.namespace, last: Date.parse(at) });
        break;
      } catch (err) {
        if (!(err instanceof StoreError && (err.code === 'Conflict' || err.code === 'AlreadyExists'))) throw err;
      }
    }
    if (this.known.size > this.max) this.expire();
  }

  /** Deletes what is past the TTL, then the oldest beyond the cap. */
  private expire(): void {
    const cutoff = this.deps.clock.now() - EVENT_TTL_MS;
    const byAge = [...this.known].sort((a, b) => a[1].last - b[1].last);
    const over = Math.max(0, byAge.length - this.max);
    const doomed = byAge.filter(([, v], i) => i < over || v.last < cutoff);
    for (const [key, v] of doomed) {
      this.known.delete(key);
      const name = key.slice(v.namespace.length + 1);
      this.writes.enqueue(async () => {
        await this.deps.store.delete('Event' as never, v.namespace, name).catch(() => undefined);
      });
    }
  }
}
