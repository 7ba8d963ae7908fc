import { Cancellation } from '@kedge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCpuGuest, buildTestGuest } from '../../testing/components.js';
import { openWasmRuntime, wasmRevision as revision, type WasmRuntimeFixture } from '../../testing/wasm-runtime.js';
import { type WasmRuntime, guestsPerReplica } from './index.js';
import { Replica } from './replica.js';

describe('guests per replica', () => {
  it("is containerConcurrency, the runner's cap when that is 0 or above it, and what workers can pipeline for a guest that cannot wait", () => {
    expect(guestsPerReplica(10, 100, Infinity)).toBe(10);
    expect(guestsPerReplica(0, 100, Infinity)).toBe(100);
    expect(guestsPerReplica(500, 100, Infinity)).toBe(100);
    expect(guestsPerReplica(10, 100, 4)).toBe(4);
    expect(guestsPerReplica(1, 100, 4)).toBe(1);
  });

  it('grows on demand up to the cap, one call per guest, and hands a freed guest to the next waiting request', async () => {
    let made = 0;
    const replica = new Replica({ maxGuests: 2, claim: async () => `g${++made}`, drop: () => undefined });
    const c = new Cancellation();
    const [a, b] = [await replica.acquire(c), await replica.acquire(c)];
    expect([a, b]).toEqual(['g1', 'g2']);
    const third = replica.acquire(c);
    const cancelled = new Cancellation();
    const fourth = replica.acquire(cancelled);
    cancelled.cancel(Object.assign(new Error('request timeout'), { name: 'TimeoutError' }));
    await expect(fourth).rejects.toMatchObject({ kind: 'timeout' });
    replica.release(a);
    expect(await third).toBe('g1');
    expect(made).toBe(2);
    expect([replica.size, replica.busy]).toEqual([2, 2]);
  });
});

describe('a replica of a synchronous guest', () => {
  it('posts calls ahead to its guests, least loaded first, once the pool is at its cap, and drops a busy guest on its last answer after stop', async () => {
    let made = 0;
    const dropped: string[] = [];
    const replica = new Replica({
      maxGuests: 2,
      callsPerGuest: 3,
      claim: async () => `g${++made}`,
      drop: (g) => dropped.push(g),
    });
    const c = new Cancellation();
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push(await replica.acquire(c));
    expect(got).toEqual(['g1', 'g2', 'g1', 'g2', 'g1', 'g2']);
    expect(made).toBe(2);
    const seventh = replica.acquire(c);
    replica.release('g2');
    expect(await seventh).toBe('g2');
    replica.release('g1');
    expect(await replica.acquire(c)).toBe('g1');
    replica.stop();
    for (let i = 0; i < 2; i++) replica.release('g1');
    expect(dropped).toEqual([]);
    replica.release('g1');
    expect(dropped).toEqual(['g1']);
  });
});

describe('a WebAssembly replica honours containerConcurrency', () => {
  let fixture: WasmRuntimeFixture;
  let runtime: WasmRuntime;
  let waiting: string;
  let cpu: string;

  beforeAll(async () => {
    const guests = { 'guest.wasm': await buildTestGuest(), 'cpu.wasm': await buildCpuGuest() };
    fixture = await openWasmRuntime('kedge-replica-', guests, { workers: 2, spares: 0, maxGuestsPerReplica: 6 });
    ({ runtime } = fixture);
    waiting = fixture.images['guest.wasm']!;
    cpu = fixture.images['cpu.wasm']!;
  });
  afterAll(() => fixture?.close());

  /** Sends `n` requests at once and answers which guest instance served each (/count per instance). */
  const burst = async (inst: { handle(r: Request, c: Cancellation): Promise<Response> }, n: number, path: string) =>
    Promise.all(
      Array.from({ length: n }, async () =>
        (await inst.handle(new Request(`http://x${path}`), new Cancellation())).text(),
      ),
    );

  it('runs up to containerConcurrency guests at once, each serving one call at a time', async () => {
    const rev = revision('cc3-00001', waiting, 3);
    await runtime.prepare(rev);
    const inst = await runtime.start(rev, 'cc3', {});
    expect(inst.concurrency).toBe(3);
    const before = runtime.pool.usage().instances;
    expect(await burst(inst, 9, '/sleep?ms=100')).toEqual(Array(9).fill('slept\n'));
    expect(runtime.pool.usage().instances - before).toBe(2); // grew from 1 to 3
    // Each guest served 3 of the 9 plus this /count: three guests in all, none got a tenth.
    const counts = (await burst(inst, 3, '/count')).map((c) => Number(c.trim())).sort();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    await inst.stop();
  });

  it('caps containerConcurrency 0 (unlimited) at the configured number of guests', async () => {
    const rev = revision('cc0-00001', waiting, 0);
    await runtime.prepare(rev);
    const inst = await runtime.start(rev, 'cc0', {});
    expect(inst.concurrency).toBe(0);
    const before = runtime.pool.usage().instances;
    expect(await burst(inst, 20, '/sleep?ms=50')).toEqual(Array(20).fill('slept\n'));
    expect(runtime.pool.usage().instances - before).toBe(5);
    expect(runtime.pool.usage().memoryBytes).toBeGreaterThan(0);
    await inst.stop();
  });

  it('gives a guest that cannot wait no more guests than its workers can pipeline, and publishes containerConcurrency all the same', async () => {
    const rev = revision('cpu-00001', cpu, 10);
    await runtime.prepare(rev);
    const inst = await runtime.start(rev, 'cpu', {});
    expect(inst.concurrency).toBe(10);
    const before = runtime.pool.usage().instances;
    expect(await burst(inst, 20, '/')).toEqual(Array(20).fill('Hello World!\n'));
    expect(runtime.pool.usage().instances - before).toBeLessThanOrEqual(3); // 2 workers × 2, one there already
    await inst.stop();
  });
});
