import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cancellation, silentLogger } from '@kedge/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCpuGuest, buildTestGuest, ensureRunnerBuilt } from '../../testing/components.js';
import { ComponentCache } from './compile.js';
import { GuestFailure, WorkerPool } from './pool.js';
import type { CompiledComponent, InstanceSpec, RequestInit } from './protocol.js';

let dir: string;
let waiting: CompiledComponent;
let cpu: CompiledComponent;

beforeAll(async () => {
  await ensureRunnerBuilt();
  dir = await mkdtemp(join(tmpdir(), 'kedge-pool-'));
  const cache = new ComponentCache(dir);
  const [w, c] = [await buildTestGuest(), await buildCpuGuest()];
  waiting = await cache.compile(`sha256:${'e'.repeat(64)}`, async () => w);
  cpu = await cache.compile(`sha256:${'c'.repeat(64)}`, async () => c);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (instanceId: string): InstanceSpec => ({
  instanceId,
  revision: 'ns/r',
  env: [['TARGET', instanceId]],
  logLimit: 1024,
  outbound: 'none',
});
const get = (path: string): RequestInit => ({
  method: 'GET',
  pathWithQuery: path,
  scheme: 'http',
  authority: 'x',
  headers: [],
  body: new Uint8Array(0),
  bodyMore: false,
});
const text = async (p: ReturnType<WorkerPool['request']>) => new Response((await p).body).text();
const timeout = () => Object.assign(new Error('request timeout: timeoutSeconds passed'), { name: 'TimeoutError' });

describe('a guest that cannot wait (synchronous path)', () => {
  let pool: WorkerPool;
  beforeAll(() => void (pool = new WorkerPool({ workers: 2, spares: 1, logger: silentLogger })));
  afterAll(() => pool.close());

  it('keeps the synchronous transpile', () => {
    expect(cpu.async).toBe(false);
    expect(waiting.async).toBe(true);
  });

  it('moves the neighbours of a guest stuck in a loop to a free worker', async () => {
    // Placement takes the worker with the fewest instances: a and c share one, b has the other.
    for (const id of ['a', 'b', 'c']) await pool.instantiate(spec(id), cpu);
    const deadline = new Cancellation();
    const looping = pool.request('a', get('/loop'), deadline);
    expect(await text(pool.request('c', get('/count')))).toBe('1\n');
    deadline.cancel(timeout());
    await expect(looping).rejects.toMatchObject({ kind: 'timeout' });
    expect(await text(pool.request('a', get('/count')))).toBe('1\n');
    expect(await text(pool.request('b', get('/')))).toBe('Hello World!\n');
  });
});

describe('a revision whose guests hold their workers', () => {
  let pool: WorkerPool;
  beforeAll(() => void (pool = new WorkerPool({ workers: 2, spares: 1, logger: silentLogger })));
  afterAll(() => pool.close());

  it("moves the stuck guest's siblings only to a worker of their own, never onto a neighbour revision's", async () => {
    const of = (instanceId: string, revision: string): InstanceSpec => ({ ...spec(instanceId), revision });
    // Fewest instances first: h1 and h2 share one worker, the neighbour n1 has the other.
    await pool.instantiate(of('h1', 'ns/hog'), cpu);
    await pool.instantiate(of('n1', 'ns/neighbour'), cpu);
    await pool.instantiate(of('h2', 'ns/hog'), cpu);
    expect(await text(pool.request('n1', get('/count')))).toBe('1\n');
    const [d1, d2] = [new Cancellation(), new Cancellation()];
    const loops = [pool.request('h1', get('/loop'), d1), pool.request('h2', get('/loop'), d2)];
    // h2 waits behind h1's loop until the stall moves it: to a new worker, not to n1's.
    await vi.waitFor(() => expect(pool.workerCount).toBe(3), { timeout: 5_000, interval: 20 });
    // n1 was not moved (a moved instance starts fresh, its count at 1) and answers beside the loops.
    expect(await text(pool.request('n1', get('/count')))).toBe('2\n');
    d1.cancel(timeout());
    d2.cancel(timeout());
    for (const l of loops) await expect(l).rejects.toMatchObject({ kind: 'timeout' });
  });
});

describe('guests that wait (JSPI)', () => {
  let pool: WorkerPool;
  beforeAll(() => void (pool = new WorkerPool({ workers: 1, spares: 1, logger: silentLogger })));
  afterAll(() => pool.close());

  it('answers many waiting calls on one worker at once, none lost', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `s${i}`);
    for (const id of ids) await pool.instantiate(spec(id), waiting);
    const answers = await Promise.all(
      ids.map((id, i) => text(pool.request(id, get(i % 2 ? '/sleep?ms=50' : '/block?ms=50')))),
    );
    expect(answers.filter((a) => a === 'slept\n')).toHaveLength(ids.length);
    expect(pool.workerCount).toBe(1);
    for (const id of ids) pool.drop(id);
  });

  it('ends a call that waits past its deadline inside the worker, its neighbours untouched', async () => {
    for (const id of ['long', 'near']) await pool.instantiate(spec(id), waiting);
    expect(await text(pool.request('near', get('/count')))).toBe('1\n');
    const deadline = new Cancellation();
    const long = pool.request('long', get('/sleep?ms=60000'), deadline);
    const near = text(pool.request('near', get('/sleep?ms=200')));
    deadline.cancel(timeout());
    await expect(long).rejects.toMatchObject({ kind: 'timeout' });
    expect(await near).toBe('slept\n');
    // Same instance, same worker: its state went on (a replaced worker would have started it afresh).
    expect(await text(pool.request('near', get('/count')))).toBe('3\n');
    // The cancelled guest's instance was made afresh and serves again.
    expect(await text(pool.request('long', get('/')))).toBe('Hello long!\n');
  });

  it('ends a runaway loop by its worker; the calls waiting there that had not answered run again', async () => {
    const sleepers = ['w1', 'w2', 'w3', 'w4'];
    for (const id of [...sleepers, 'runaway']) await pool.instantiate(spec(id), waiting);
    const waits = sleepers.map((id) => text(pool.request(id, get('/sleep?ms=400'))));
    const deadline = new Cancellation();
    const loop = pool.request('runaway', get('/loop'), deadline);
    setTimeout(() => deadline.cancel(timeout()), 150);
    await expect(loop).rejects.toMatchObject({ kind: 'timeout' });
    expect(await Promise.all(waits)).toEqual(sleepers.map(() => 'slept\n'));
    expect(await text(pool.request('runaway', get('/')))).toBe('Hello runaway!\n');
  });

  it('fails a guest that holds the CPU past its limit, without any deadline', async () => {
    await pool.instantiate(spec('spinner'), waiting);
    const err = await pool
      .request('spinner', get('/loop'), undefined, undefined, { cpuLimitMs: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestFailure);
    expect((err as GuestFailure).kind).toBe('cpu-limit');
  });

  it('lets a guest whose request body stalls wait without holding the worker', async () => {
    for (const id of ['upload', 'other']) await pool.instantiate(spec(id), waiting);
    let release!: () => void;
    const stalled = new Promise<null>((r) => (release = () => r(null)));
    const cancel = new Cancellation();
    const upload = pool.request(
      'upload',
      { ...get('/echo'), method: 'POST', body: new TextEncoder().encode('first bytes '), bodyMore: true },
      cancel,
      () => stalled,
    );
    // The head of an echo comes with its first write: the guest is now waiting for more body.
    const res = await upload;
    expect(await text(pool.request('other', get('/sleep?ms=10')))).toBe('slept\n');
    expect(await text(pool.request('other', get('/')))).toBe('Hello other!\n');
    release();
    expect(await new Response(res.body).text()).toBe('first bytes ');
  });

  it('drops what a guest writes after its client went away (no write into a closed stream)', async () => {
    await pool.instantiate(spec('big'), waiting);
    for (let i = 0; i < 20; i++) {
      const res = await pool.request('big', get('/big'));
      const body = res.body as ReadableStream<Uint8Array>;
      const reader = body.getReader();
      await reader.read();
      await reader.cancel();
    }
    expect(await text(pool.request('big', get('/')))).toBe('Hello big!\n');
  });
});
