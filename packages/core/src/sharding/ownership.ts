import { createHash } from 'node:crypto';
import type { Bus, Subscription } from '../bus/bus.js';
import { subjects, type ComponentHeartbeat } from '../bus/subjects.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';

/** A replica whose heartbeat is older than this has left (three missed beats). */
export const MEMBER_TIMEOUT_MS = 3_000;

export interface OwnershipOptions {
  bus: Bus;
  clock: Clock;
  logger?: Logger;
  /** The role whose replicas share the keys (e.g. `autoscaler`); members are learnt from ComponentHeartbeats. */
  role: ComponentHeartbeat['role'];
  /** This replica's id, as it appears in its own heartbeats. */
  id: string;
  timeoutMs?: number;
}

/**
 * Splits keys (e.g. revisions `ns/name`) between the live replicas of one role by rendezvous
 * hashing: every replica computes the same owner from the same member list, a key moves only when
 * its owner leaves or a replica joins, and no coordination round-trips are needed. Membership comes
 * from the ComponentHeartbeats every role publishes each second; a replica that stops beating is
 * dropped after `timeoutMs` (checked every second), one that says `ready: false` at once. Takeover
 * of a dead replica's keys therefore happens within timeoutMs + 1 s.
 */
export class Ownership {
  private readonly seen = new Map<string, number>();
  private readonly listeners = new Set<(members: string[]) => void>();
  private readonly cache = new Map<string, string>();
  private members: string[];
  private sub: Subscription | undefined;
  private timer: TimerHandle | undefined;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  constructor(private readonly opts: OwnershipOptions) {
    this.timeoutMs = opts.timeoutMs ?? MEMBER_TIMEOUT_MS;
    this.log = opts.logger ?? silentLogger;
    this.members = [opts.id];
  }

  start(): void {
    if (this.sub) return;
    this.sub = this.opts.bus.subscribe<ComponentHeartbeat>(subjects.componentHeartbeat, (m) => this.onHeartbeat(m.data));
    this.timer = this.opts.clock.setInterval(() => this.expire(), 1_000);
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    if (this.timer) this.opts.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Live replicas, sorted; always includes this one. */
  liveMembers(): string[] {
    return [...this.members];
  }

  owner(key: string): string {
    let o = this.cache.get(key);
    if (o === undefined) {
      let best = -1;
      for (const m of this.members) {
        const score = createHash('md5').update(m).update('\0').update(key).digest().readUInt32BE(0);
        if (score > best || (score === best && o !== undefined && m < o)) {
          best = score;
          o = m;
        }
      }
      o ??= this.opts.id;
      this.cache.set(key, o);
    }
    return o;
  }

  owns(key: string): boolean {
    return this.owner(key) === this.opts.id;
  }

  /** Called with the new member list whenever a replica joins or leaves. */
  onChange(fn: (members: string[]) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private onHeartbeat(hb: ComponentHeartbeat): void {
    if (hb.role !== this.opts.role || hb.id === this.opts.id) return;
    if (!hb.ready) {
      if (this.seen.delete(hb.id)) this.update();
      return;
    }
    const known = this.seen.has(hb.id);
    this.seen.set(hb.id, this.opts.clock.now());
    if (!known) this.update();
  }

  private expire(): void {
    const now = this.opts.clock.now();
    let changed = false;
    for (const [id, at] of this.seen) {
      if (now - at > this.timeoutMs) {
        this.seen.delete(id);
        changed = true;
      }
    }
    if (changed) this.update();
  }

  private update(): void {
    this.members = [this.opts.id, ...this.seen.keys()].sort();
    this.cache.clear();
    this.log.info({ role: this.opts.role, members: this.members }, 'replica membership changed');
    for (const fn of this.listeners) {
      try {
        fn(this.liveMembers());
      } catch (err) {
        this.log.error({ err }, 'ownership listener failed');
      }
    }
  }
}
