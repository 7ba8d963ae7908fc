import { KEDGE_VERSION, subjects, type Bus, type Clock, type ComponentHeartbeat } from '@kedge/core';
import { Owners } from './owners.js';

/**
 * This replica among its peers: its own heartbeat every second, the peers' heartbeats, and which
 * revisions it owns (rendezvous hashing, see owners.ts). `onMoved` runs when ownership may have moved.
 */
export class Ownership {
  private readonly owners: Owners;
  private readonly startedAt: number;

  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    readonly id: string,
    private readonly onMoved: () => void,
  ) {
    this.owners = new Owners(id);
    this.startedAt = clock.now();
  }

  owns(key: string): boolean {
    return this.owners.owns(key);
  }

  get replicas(): number {
    return this.owners.size;
  }

  /** Another component's heartbeat: a new autoscaler replica moves ownership. */
  onHeartbeat(hb: ComponentHeartbeat): void {
    if (hb.role === 'autoscaler' && this.owners.seen(hb.id, this.clock.now())) this.onMoved();
  }

  /**
   * Peers that went silent lose their revisions. Without the bus nobody can be
   * heard, so nobody is gone: no peer's revisions are taken.
   */
  expire(now: number, connected: boolean): void {
    if (!connected) this.owners.touch(now);
    else if (this.owners.expire(now)) this.onMoved();
  }

  heartbeat(now: number): void {
    const hb: ComponentHeartbeat = {
      role: 'autoscaler',
      id: this.id,
      nodeId: this.id,
      ready: true,
      restarts: 0,
      startedAt: this.startedAt,
      version: KEDGE_VERSION,
      time: now,
    };
    try {
      this.bus.publish(subjects.componentHeartbeat, hb);
    } catch {
      // The bus is closing; the next second tells.
    }
  }
}
