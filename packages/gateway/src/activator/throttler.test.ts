import { describe, expect, it } from 'vitest';
import { ManualClock, type Endpoint } from '@kedge/core';
import { FULL_BACKOFF_MS, LOCAL_SOFT_CAPACITY, RevisionThrottler, ThrottlerError } from './throttler.js';

const ep = (instanceId: string, concurrency: number): Endpoint => ({
  namespace: 'ns',
  revision: 'r',
  instanceId,
  nodeId: 'n',
  url: 'http://127.0.0.1:1',
  concurrency,
});

describe('RevisionThrottler', () => {
  it('CC 1–3: first instance (in order) with a free slot', () => {
    const t = new RevisionThrottler(new ManualClock(), 100);
    t.setBackends([ep('b', 2), ep('a', 2)]);
    const picks = [t.tryAcquire(), t.tryAcquire(), t.tryAcquire(), t.tryAcquire()].map((b) => b?.endpoint.instanceId);
    expect(picks).toEqual(['a', 'a', 'b', 'b']);
    expect(t.tryAcquire()).toBeUndefined();
  });

  it('CC > 3: round robin, skipping full instances', () => {
    const t = new RevisionThrottler(new ManualClock(), 100);
    t.setBackends([ep('a', 4), ep('b', 4), ep('c', 4)]);
    const first = [1, 2, 3, 4, 5, 6].map(() => t.tryAcquire()!);
    expect(first.map((b) => b.endpoint.instanceId)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    // fill b completely, then round robin must skip it
    t.tryAcquire(); // a
    t.tryAcquire(); // b (3)
    t.tryAcquire(); // c
    t.tryAcquire(); // a (4, full)
    t.tryAcquire(); // b (4, full)
    expect(t.tryAcquire()?.endpoint.instanceId).toBe('c');
    expect(t.tryAcquire()).toBeUndefined();
  });

  it('CC 0: power of two choices prefers the less loaded instance', () => {
    let i = 0;
    const seq = [0.1, 0.9, 0.3]; // indices 0 and 1 of two, then coin
    const t = new RevisionThrottler(new ManualClock(), 100, () => seq[i++ % seq.length]!);
    t.setBackends([ep('a', 0), ep('b', 0)]);
    const a = t.tryAcquire()!;
    // now a has 1 in flight, b 0: the next pick of (a, b) must take b
    expect(t.tryAcquire()?.endpoint.instanceId).not.toBe(a.endpoint.instanceId);
  });

  it('queues FIFO, overflows at queueSize and times out on the clock', async () => {
    const clock = new ManualClock();
    const t = new RevisionThrottler(clock, 2);
    const order: string[] = [];
    const w1 = t.acquire(1000).then((b) => order.push(`1:${b.endpoint.instanceId}`));
    const w2 = t.acquire(5000).then((b) => order.push(`2:${b.endpoint.instanceId}`));
    await expect(t.acquire(1000)).rejects.toMatchObject({ reason: 'QueueFull' });
    expect(t.held).toBe(2);
    t.setBackends([ep('a', 1)]);
    await w1;
    expect(order).toEqual(['1:a']);
    expect(t.held).toBe(1);
    const w3 = t.acquire(1000);
    clock.advance(1000);
    await expect(w3).rejects.toBeInstanceOf(ThrottlerError);
    t.release(t.list()[0]!);
    await w2;
    expect(order).toEqual(['1:a', '2:a']);
  });

  it('keeps in-flight counts of instances that stay when the set changes', () => {
    const t = new RevisionThrottler(new ManualClock(), 10);
    t.setBackends([ep('a', 1)]);
    t.tryAcquire();
    t.setBackends([ep('a', 1), ep('b', 1)]);
    expect(t.tryAcquire()?.endpoint.instanceId).toBe('b');
    expect(t.tryAcquire()).toBeUndefined();
  });
  it('an instance that refused a request for want of a slot is skipped until one of ours on it ends, or the backoff passes', async () => {
    const clock = new ManualClock(1000);
    const t = new RevisionThrottler(clock, 100);
    t.setBackends([ep('a', 4)]);
    const mine = t.tryAcquire()!;
    const refused = t.tryAcquire()!;
    // Other gateways filled it: the refused request waits here instead of being sent back at once.
    t.release(refused, true);
    expect(t.tryAcquire()).toBeUndefined();
    const waiting = t.acquire(60_000);
    let got: string | undefined;
    void waiting.then((b) => (got = b.endpoint.instanceId));
    await Promise.resolve();
    expect(got).toBeUndefined();
    // One of our own requests on it ended: a slot is known free again.
    t.release(mine);
    await waiting;
    expect(got).toBe('a');
    // Refused again with nothing of ours ending: the backoff alone brings it back.
    const again = t.tryAcquire()!;
    t.release(again, true);
    const later = t.acquire(60_000);
    clock.advance(FULL_BACKOFF_MS);
    expect((await later).endpoint.instanceId).toBe('a');
  });

  describe('local-first (preferNode)', () => {
    const on = (instanceId: string, nodeId: string, concurrency: number): Endpoint => ({
      ...ep(instanceId, concurrency),
      nodeId,
    });

    it('uses its own node while an instance there has a free slot, then spills to the others', () => {
      const t = new RevisionThrottler(new ManualClock(), 100, Math.random, 'near');
      t.setBackends([on('a', 'far', 2), on('z', 'near', 2), on('b', 'far', 2)]);
      expect(t.localSize).toBe(1);
      const picks = [1, 2, 3, 4, 5, 6].map(() => t.tryAcquire()?.endpoint.instanceId);
      expect(picks).toEqual(['z', 'z', 'a', 'a', 'b', 'b']);
      expect(t.tryAcquire()).toBeUndefined();
    });

    it('CC > 3: round robin over local instances first', () => {
      const t = new RevisionThrottler(new ManualClock(), 100, Math.random, 'near');
      t.setBackends([on('a', 'far', 4), on('x', 'near', 4), on('y', 'near', 4)]);
      const picks = Array.from({ length: 9 }, () => t.tryAcquire()!.endpoint.instanceId);
      expect(picks.slice(0, 8).sort()).toEqual(['x', 'x', 'x', 'x', 'y', 'y', 'y', 'y']);
      expect(picks[8]).toBe('a');
    });

    it('CC 0: local until LOCAL_SOFT_CAPACITY in flight, also in Serve mode (pickDirect)', () => {
      const t = new RevisionThrottler(new ManualClock(), 100, Math.random, 'near');
      t.setBackends([on('a', 'far', 0), on('z', 'near', 0)]);
      const picks = Array.from({ length: LOCAL_SOFT_CAPACITY }, () => t.tryAcquire()!.endpoint.instanceId);
      expect(new Set(picks)).toEqual(new Set(['z']));
      expect(t.tryAcquire()!.endpoint.instanceId).toBe('a');
      const direct = new RevisionThrottler(new ManualClock(), 100, Math.random, 'near');
      direct.setBackends([on('a', 'far', 0), on('b', 'far', 0), on('z', 'near', 0)]);
      expect(Array.from({ length: 50 }, () => direct.pickDirect()!.endpoint.instanceId).every((id) => id === 'z')).toBe(
        true,
      );
    });

    it('without a local instance every instance is used, as before', () => {
      const t = new RevisionThrottler(new ManualClock(), 100, Math.random, 'near');
      t.setBackends([on('a', 'far', 1), on('b', 'far', 1)]);
      expect(t.localSize).toBe(0);
      expect([t.tryAcquire(), t.tryAcquire()].map((b) => b?.endpoint.instanceId)).toEqual(['a', 'b']);
    });
  });
});
