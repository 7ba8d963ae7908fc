import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BusError, type Bus, type BusMessage } from './bus.js';

/** Clients on one shared bus: each `client()` is another participant (another process, for NATS). */
export interface BusNetwork {
  client(): Promise<Bus>;
  close(): Promise<void>;
}

let seq = 0;
const unique = (prefix: string) => `${prefix}.t${process.pid}x${++seq}`;

/** Collects messages and lets a test await a count (events, not sleeps). */
function collector<T = unknown>() {
  const got: BusMessage<T>[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    got,
    handler: (m: BusMessage<T>) => {
      got.push(m);
      for (const w of [...waiters]) if (got.length >= w.n) w.resolve();
    },
    waitFor(n: number): Promise<void> {
      if (got.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}

/**
 * Everything published on `pub` before this call has been delivered to `sub`'s subscribers once it
 * returns: a request travels the same ordered path as the earlier messages.
 */
async function barrier(pub: Bus, sub: Bus): Promise<void> {
  const subject = unique('barrier');
  const s = sub.subscribe(subject, (m) => m.respond?.('ok'));
  await sub.flush();
  await pub.flush();
  expect(await pub.request(subject, null, { timeoutMs: 5_000 })).toBe('ok');
  s.unsubscribe();
}

/** The Bus semantics every implementation keeps (MemoryBus is the reference). */
export function busContract(name: string, makeNetwork: () => Promise<BusNetwork>): void {
  describe(`Bus contract: ${name}`, () => {
    let net: BusNetwork;
    let a: Bus;
    let b: Bus;

    beforeEach(async () => {
      net = await makeNetwork();
      a = await net.client();
      b = await net.client();
    });
    afterEach(async () => {
      await net.close();
    });

    it('delivers JSON payloads to every plain subscriber, in order', async () => {
      const subject = unique('pubsub');
      const c1 = collector<{ n: number; s: string }>();
      const c2 = collector<{ n: number; s: string }>();
      b.subscribe(subject, c1.handler);
      b.subscribe(subject, c2.handler);
      await b.flush();
      for (let n = 0; n < 5; n++) a.publish(subject, { n, s: 'héllo' });
      await Promise.all([c1.waitFor(5), c2.waitFor(5)]);
      expect(c1.got.map((m) => m.data)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n, s: 'héllo' })));
      expect(c2.got.map((m) => m.data.n)).toEqual([0, 1, 2, 3, 4]);
      expect(c1.got[0]!.subject).toBe(subject);
      expect(c1.got[0]!.respond).toBeUndefined();
    });

    it('matches `*` to exactly one token and `>` to one or more trailing tokens', async () => {
      const root = unique('wild');
      const star = collector();
      const tail = collector();
      b.subscribe(`${root}.*`, star.handler);
      b.subscribe(`${root}.>`, tail.handler);
      await b.flush();
      a.publish(root, 0);
      a.publish(`${root}.x`, 1);
      a.publish(`${root}.x.y`, 2);
      a.publish(`${root}x.z`, 3);
      await barrier(a, b);
      expect(star.got.map((m) => m.data)).toEqual([1]);
      expect(tail.got.map((m) => [m.subject, m.data])).toEqual([
        [`${root}.x`, 1],
        [`${root}.x.y`, 2],
      ]);
    });

    it('gives each message to one member of a queue group, and to every plain subscriber', async () => {
      const subject = unique('queue');
      const c = await net.client();
      const g1 = collector<number>();
      const g2 = collector<number>();
      const other = collector<number>();
      const plain = collector<number>();
      b.subscribe(subject, g1.handler, { queue: 'workers' });
      c.subscribe(subject, g2.handler, { queue: 'workers' });
      c.subscribe(subject, other.handler, { queue: 'auditors' });
      b.subscribe(subject, plain.handler);
      await Promise.all([b.flush(), c.flush()]);
      const N = 40;
      for (let n = 0; n < N; n++) a.publish(subject, n);
      await plain.waitFor(N);
      await Promise.all([barrier(a, b), barrier(a, c)]);
      const group = [...g1.got, ...g2.got].map((m) => m.data).sort((x, y) => x - y);
      expect(group).toEqual([...Array(N).keys()]);
      expect(other.got).toHaveLength(N);
      expect(plain.got).toHaveLength(N);
    });

    it('answers a request with the reply of a responder', async () => {
      const subject = unique('rpc');
      b.subscribe<{ x: number }>(subject, (m) => m.respond?.({ doubled: m.data.x * 2 }));
      await b.flush();
      await expect(a.request(subject, { x: 21 })).resolves.toEqual({ doubled: 42 });
    });

    it('answers a request from an async handler and once only when two respond', async () => {
      const subject = unique('rpc2');
      b.subscribe(subject, async (m) => {
        await Promise.resolve();
        m.respond?.('first');
      });
      b.subscribe(subject, async (m) => {
        await new Promise((r) => setImmediate(r));
        m.respond?.('second');
      });
      await b.flush();
      await expect(a.request(subject, null)).resolves.toBe('first');
    });

    it('spreads requests over a queue group', async () => {
      const subject = unique('rpcq');
      const c = await net.client();
      b.subscribe(subject, (m) => m.respond?.('b'), { queue: 'q' });
      c.subscribe(subject, (m) => m.respond?.('c'), { queue: 'q' });
      await Promise.all([b.flush(), c.flush()]);
      const replies: string[] = [];
      for (let i = 0; i < 30; i++) replies.push(await a.request<string>(subject, i));
      expect(replies).toHaveLength(30);
      expect(new Set(replies).size).toBe(2);
    });

    it('rejects a request nobody listens to with NoResponders', async () => {
      const err = await a.request(unique('nobody'), 1, { timeoutMs: 2_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BusError);
      expect((err as BusError).code).toBe('NoResponders');
    });

    it('rejects a request that gets no answer in time with Timeout', async () => {
      const subject = unique('silent');
      const seen = collector();
      b.subscribe(subject, seen.handler);
      await b.flush();
      const err = await a.request(subject, 1, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BusError);
      expect((err as BusError).code).toBe('Timeout');
      expect(seen.got).toHaveLength(1);
    });

    it('stops delivering after unsubscribe', async () => {
      const subject = unique('unsub');
      const c = collector<number>();
      const sub = b.subscribe(subject, c.handler);
      await b.flush();
      a.publish(subject, 1);
      await c.waitFor(1);
      sub.unsubscribe();
      sub.unsubscribe();
      await b.flush();
      a.publish(subject, 2);
      await barrier(a, b);
      expect(c.got.map((m) => m.data)).toEqual([1]);
    });

    it('keeps delivering when a handler throws', async () => {
      const subject = unique('throws');
      const c = collector<number>();
      b.subscribe(subject, () => {
        throw new Error('handler bug');
      });
      b.subscribe(subject, async () => {
        throw new Error('async handler bug');
      });
      b.subscribe(subject, c.handler);
      await b.flush();
      a.publish(subject, 1);
      a.publish(subject, 2);
      await c.waitFor(2);
      expect(c.got.map((m) => m.data)).toEqual([1, 2]);
    });

    it('refuses to publish and request once closed', async () => {
      const bus = await net.client();
      await bus.close();
      await bus.close();
      expect(() => bus.publish(unique('closed'), 1)).toThrow(BusError);
      const err = await bus.request(unique('closed'), 1, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BusError);
      expect((err as BusError).code).toBe('Closed');
    });
  });
}
