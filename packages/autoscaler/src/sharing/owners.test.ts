import { describe, expect, it } from 'vitest';
import { Owners, PEER_TIMEOUT_MS } from './owners.js';

describe('revision ownership between autoscaler replicas', () => {
  it('every replica computes the same owner, and revisions spread over replicas', () => {
    const a = new Owners('as-1');
    const b = new Owners('as-2');
    a.seen('as-2', 0);
    b.seen('as-1', 0);
    const keys = Array.from({ length: 200 }, (_, i) => `ns/rev-${i}`);
    for (const k of keys) expect(a.owns(k)).toBe(!b.owns(k));
    const mine = keys.filter((k) => a.owns(k)).length;
    expect(mine).toBeGreaterThan(60);
    expect(mine).toBeLessThan(140);
  });

  it('a silent replica loses its revisions and only those move', () => {
    const a = new Owners('as-1');
    expect(a.seen('as-2', 0)).toBe(true);
    expect(a.seen('as-2', 5000)).toBe(false);
    expect(a.seen('as-3', 0)).toBe(true);
    const keys = Array.from({ length: 300 }, (_, i) => `ns/rev-${i}`);
    const before = new Map(keys.map((k) => [k, a.ownerOf(k)]));
    expect(new Set(before.values())).toEqual(new Set(['as-1', 'as-2', 'as-3']));
    expect(a.expire(PEER_TIMEOUT_MS)).toBe(false);
    expect(a.expire(PEER_TIMEOUT_MS + 1)).toBe(true); // as-3 went silent
    for (const k of keys) {
      if (before.get(k) !== 'as-3') expect(a.ownerOf(k)).toBe(before.get(k));
      else expect(a.ownerOf(k)).not.toBe('as-3');
    }
    expect(a.size).toBe(2);
  });
});
