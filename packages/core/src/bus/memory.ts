import {
  BusError,
  DEFAULT_REQUEST_TIMEOUT_MS,
  subjectMatches,
  type Bus,
  type BusMessage,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from './bus.js';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';

interface Sub {
  pattern: string;
  literal: boolean;
  queue?: string;
  handler: (msg: BusMessage) => void | Promise<void>;
  closed: boolean;
}

/**
 * The embedded Bus: everything in one process. Delivery is asynchronous (a microtask), like a
 * network bus, so a publisher never re-enters its own subscribers; payloads are passed by reference.
 */
export class MemoryBus implements Bus {
  private readonly literal = new Map<string, Set<Sub>>();
  private readonly wildcard = new Set<Sub>();
  private readonly rr = new Map<string, number>();
  private closed = false;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(deps: { clock?: Clock; logger?: Logger } = {}) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.logger ?? silentLogger;
  }

  publish(subject: string, data: unknown): void {
    this.deliver(subject, data);
  }

  subscribe<T = unknown>(
    subject: string,
    handler: (msg: BusMessage<T>) => void | Promise<void>,
    opts: SubscribeOptions = {},
  ): Subscription {
    const literal = !subject.includes('*') && !subject.includes('>');
    const sub: Sub = {
      pattern: subject,
      literal,
      handler: handler as Sub['handler'],
      closed: false,
      ...(opts.queue ? { queue: opts.queue } : {}),
    };
    if (literal) {
      let set = this.literal.get(subject);
      if (!set) this.literal.set(subject, (set = new Set()));
      set.add(sub);
    } else {
      this.wildcard.add(sub);
    }
    return {
      unsubscribe: () => {
        sub.closed = true;
        if (literal) {
          const set = this.literal.get(subject);
          set?.delete(sub);
          if (set && set.size === 0) this.literal.delete(subject);
        } else this.wildcard.delete(sub);
      },
    };
  }

  request<T = unknown>(subject: string, data: unknown, opts: RequestOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const timer = this.clock.setTimeout(() => {
        if (done) return;
        done = true;
        reject(new BusError('Timeout', `request on ${subject} timed out`));
      }, opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
      const respond = (reply: unknown) => {
        if (done) return;
        done = true;
        this.clock.clearTimeout(timer);
        resolve(reply as T);
      };
      const delivered = this.deliver(subject, data, respond);
      if (delivered === 0 && !done) {
        done = true;
        this.clock.clearTimeout(timer);
        reject(new BusError('NoResponders', `no responders on ${subject}`));
      }
    });
  }

  async flush(): Promise<void> {
    await Promise.resolve();
  }

  connected(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.literal.clear();
    this.wildcard.clear();
  }

  private deliver(subject: string, data: unknown, respond?: (d: unknown) => void): number {
    if (this.closed) throw new BusError('Closed', 'bus is closed');
    const targets: Sub[] = [];
    const groups = new Map<string, Sub[]>();
    const consider = (s: Sub) => {
      if (s.queue) {
        const key = `${s.pattern}\u0000${s.queue}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        g.push(s);
      } else targets.push(s);
    };
    const exact = this.literal.get(subject);
    if (exact) for (const s of exact) consider(s);
    for (const s of this.wildcard) if (subjectMatches(s.pattern, subject)) consider(s);
    for (const [key, members] of groups) {
      const n = this.rr.get(key) ?? 0;
      this.rr.set(key, n + 1);
      targets.push(members[n % members.length]!);
    }
    const msg: BusMessage = respond ? { subject, data, respond } : { subject, data };
    for (const s of targets) {
      queueMicrotask(() => {
        if (s.closed) return;
        try {
          const r = s.handler(msg);
          if (r && typeof (r as Promise<void>).catch === 'function')
            (r as Promise<void>).catch((err) => this.log.error({ err, subject }, 'bus handler failed'));
        } catch (err) {
          this.log.error({ err, subject }, 'bus handler failed');
        }
      });
    }
    return targets.length;
  }
}
