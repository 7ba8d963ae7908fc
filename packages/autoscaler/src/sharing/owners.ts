/** An autoscaler replica silent this long (heartbeats come every second) no longer owns revisions. */
export const PEER_TIMEOUT_MS = 5_000;
/** How long a starting replica listens for peers and runner nodes before it acts on anything. */
export const DISCOVERY_MS = 1_500;

/**
 * FNV-1a then murmur3's finalizer: stable across processes and versions, and well mixed even when
 * replica ids differ in one character (plain FNV leaves such scores correlated).
 */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Which autoscaler replica owns which revision: rendezvous (highest random weight) hashing over the
 * live replicas, so every replica computes the same owner from the same heartbeats, and when one
 * dies only its revisions move. Every replica keeps deciding for every revision (they all see
 * every metric), so the one that takes over has warm windows; only the owner acts.
 */
export class Owners {
  private readonly peers = new Map<string, number>();

  constructor(readonly self: string) {}

  /** Records a peer's heartbeat; true when the peer is new (ownership moves). */
  seen(peerId: string, now: number): boolean {
    if (peerId === this.self) return false;
    const isNew = !this.peers.has(peerId);
    this.peers.set(peerId, now);
    return isNew;
  }

  /** Counts every peer as heard from now (this replica cannot hear the bus: their silence is not theirs). */
  touch(now: number): void {
    for (const id of this.peers.keys()) this.peers.set(id, now);
  }

  /** Forgets silent peers; true when one left (ownership moves). */
  expire(now: number): boolean {
    let left = false;
    for (const [id, at] of this.peers)
      if (now - at > PEER_TIMEOUT_MS) {
        this.peers.delete(id);
        left = true;
      }
    return left;
  }

  ownerOf(key: string): string {
    let best = this.self;
    let bestScore = fnv1a(`${this.self}\u0000${key}`);
    for (const id of this.peers.keys()) {
      const score = fnv1a(`${id}\u0000${key}`);
      if (score > bestScore || (score === bestScore && id < best)) {
        best = id;
        bestScore = score;
      }
    }
    return best;
  }

  owns(key: string): boolean {
    return this.peers.size === 0 || this.ownerOf(key) === this.self;
  }

  get size(): number {
    return this.peers.size + 1;
  }
}
