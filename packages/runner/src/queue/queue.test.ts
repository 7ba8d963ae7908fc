import { type Cancellation, HOPS_HEADER, ManualClock } from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { Queue, type QueueOptions } from './queue.js';

function queue(clock: ManualClock, o: Partial<QueueOptions> = {}): Queue {
  return new Queue({
    namespace: 'ns',
    revision: 'r-00001',
    instanceId: 'i1',
    clock,
    concurrency: 1,
    queueDepth: 2,
    timeoutSeconds: 10,
    ...o,
  });
}

/** A handler whose requests finish when the test says so, recording how many run at once. */
function controlled() {
  const pending: ((r: Response) => void)[] = [];
  let running = 0;
  let peak = 0;
  const handler = (_req: Request, cancel: Cancellation) =>
    new Promise<Response>((resolve, reject) => {
      running++;
      peak = Math.max(peak, running);
      cancel.onCancel(reject);
      pending.push((r) => {
        running--;
        resolve(r);
      });
    });
  return { handler, pending, peak: () => peak, running: () => running };
}

const req = () => new Request('http://x/');
const flush = () => new Promise((r) => setImmediate(r));

describe('Queue (queue-proxy)', () => {
  it('lets containerConcurrency requests through, queues up to the depth, refuses the rest with 503', async () => {
    const clock = new ManualClock(1000);
    const q = queue(clock);
    const c = controlled();
    const results = [1, 2, 3].map(() => q.serve(req(), false, c.handler));
    const overflow = await q.serve(req(), false, c.handler);
    expect(overflow.status).toBe(503);
    expect(((await overflow.json()) as { error: string }).error).toBe('QueueFull');
    await flush();
    expect(c.running()).toBe(1);
    for (let i = 0; i < 3; i++) {
      await flush();
      c.pending.shift()!(new Response(`r${i}`));
      expect(await (await results[i]!).text()).toBe(`r${i}`);
    }
    expect(c.peak()).toBe(1);
    expect(q.inFlight).toBe(0);
  });

  it('refuses a nested call from the activator when no slot is free (NoFreeSlot); others still queue', async () => {
    const clock = new ManualClock(1000);
    const q = queue(clock);
    const c = controlled();
    const nested = () => new Request('http://x/', { headers: { [HOPS_HEADER]: '3' } });
    const first = q.serve(nested(), true, c.handler);
    await flush();
    // Full: a service-to-service call the activator sent goes back to it at once, uncounted.
    const refused = await q.serve(nested(), true, c.handler);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toBe('NoFreeSlot');
    expect(q.inFlight).toBe(1);
    // Sent directly (Serve mode: no activator to hold it), or an outside request: Knative's queue.
    const direct = q.serve(nested(), false, c.handler);
    const outside = q.serve(req(), true, c.handler);
    await flush();
    expect(q.inFlight).toBe(3);
    for (const r of [first, direct, outside]) {
      await flush();
      c.pending.shift()!(new Response('ok'));
      expect(await (await r).text()).toBe('ok');
    }
    expect(c.peak()).toBe(1);
  });

  it('reports time-weighted concurrency and request counts per period, proxied apart', async () => {
    const clock = new ManualClock(0);
    const q = queue(clock, { concurrency: 0 });
    const c = controlled();
    const a = q.serve(req(), false, c.handler);
    const b = q.serve(req(), true, c.handler);
    await flush();
    clock.advance(500);
    c.pending.shift()!(new Response('a'));
    await (await a).text();
    clock.advance(500);
    const s = q.report();
    // two in flight for 0.5 s, one for 0.5 s → 1.5; the proxied one the whole second → 1
    expect(s.averageConcurrency).toBeCloseTo(1.5);
    expect(s.averageProxiedConcurrency).toBeCloseTo(1);
    expect(s.requestCount).toBe(2);
    expect(s.proxiedRequestCount).toBe(1);
    expect(s).toMatchObject({ namespace: 'ns', revision: 'r-00001', source: 'i1' });
    clock.advance(1000);
    // the proxied request is still in flight: it carries over, arrivals do not
    expect(q.report()).toMatchObject({ averageConcurrency: 1, requestCount: 0 });
    c.pending.shift()!(new Response('b'));
    await (await b).text();
  });

  it('answers 504 at timeoutSeconds, also for a request still waiting at the gate, and frees its place', async () => {
    const clock = new ManualClock(0);
    const q = queue(clock, { timeoutSeconds: 2 });
    const c = controlled();
    const first = q.serve(req(), false, c.handler);
    const waiting = q.serve(req(), false, c.handler);
    await flush();
    clock.advance(2000);
    expect((await first).status).toBe(504);
    expect((await waiting).status).toBe(504);
    expect(q.inFlight).toBe(0);
    const next = q.serve(req(), false, c.handler);
    await flush();
    c.pending.at(-1)!(new Response('ok'));
    expect(await (await next).text()).toBe('ok');
  });

  it('lets a request whose client went away leave the line without taking a slot', async () => {
    const clock = new ManualClock(0);
    const q = queue(clock);
    const c = controlled();
    const first = q.serve(req(), false, c.handler);
    const gone = new AbortController();
    const waiting = q.serve(req(), false, c.handler, gone.signal);
    await flush();
    gone.abort();
    expect((await waiting).status).toBe(499);
    c.pending.shift()!(new Response('first'));
    expect(await (await first).text()).toBe('first');
    const next = q.serve(req(), false, c.handler);
    await flush();
    expect(c.running()).toBe(1);
    c.pending.shift()!(new Response('next'));
    expect(await (await next).text()).toBe('next');
    expect(q.inFlight).toBe(0);
  });

  it('answers 504 when the response does not start within responseStartTimeoutSeconds', async () => {
    const clock = new ManualClock(0);
    const q = queue(clock, { responseStartTimeoutSeconds: 1 });
    const c = controlled();
    const r = q.serve(req(), false, c.handler);
    await flush();
    clock.advance(1000);
    const res = await r;
    expect(res.status).toBe(504);
    expect(((await res.json()) as { message: string }).message).toMatch(/responseStartTimeoutSeconds/);
  });

  it('cuts a response body that goes idle longer than idleTimeoutSeconds', async () => {
    const clock = new ManualClock(0);
    const q = queue(clock, { idleTimeoutSeconds: 1 });
    let push!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (ctl) => void (push = ctl) });
    const res = await q.serve(req(), false, async () => new Response(body));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    push.enqueue(new TextEncoder().encode('a'));
    expect((await reader.read()).value).toEqual(new TextEncoder().encode('a'));
    const next = reader.read();
    await flush();
    clock.advance(1000);
    await expect(next).rejects.toThrow(/idleTimeoutSeconds/);
    expect(q.inFlight).toBe(0);
  });

  it('resolves drained() once the last response body was sent', async () => {
    const clock = new ManualClock(0);
    const q = queue(clock, { concurrency: 0 });
    const res = await q.serve(req(), false, async () => new Response('body'));
    let drained = false;
    const d = q.drained().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    await res.text();
    await d;
    expect(drained).toBe(true);
  });
});
