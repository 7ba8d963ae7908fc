import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@kedge/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cancellation } from '../../queue/cancellation.js';
import { buildTestGuest, ensureRunnerBuilt } from '../../testing/components.js';
import { ComponentCache } from './compile.js';
import { GuestFailure, WorkerPool } from './pool.js';
import type { CompiledComponent, InstanceSpec, RequestInit } from './protocol.js';

let dir: string;
let pool: WorkerPool;
let component: CompiledComponent;

beforeAll(async () => {
  await ensureRunnerBuilt();
  dir = await mkdtemp(join(tmpdir(), 'kedge-pool-'));
  const bytes = await buildTestGuest();
  component = await new ComponentCache(dir).compile('sha256:' + 'e'.repeat(64), async () => bytes);
  pool = new WorkerPool({ workers: 2, spares: 1, logger: silentLogger });
});
afterAll(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

const spec = (instanceId: string): InstanceSpec => ({ instanceId, revision: 'ns/r', env: [['TARGET', instanceId]], logLimit: 1024, outbound: 'none' });
const get = (path: string): RequestInit => ({ method: 'GET', pathWithQuery: path, scheme: 'http', authority: 'x', headers: [], body: new Uint8Array(0), bodyMore: false });
const text = async (p: ReturnType<WorkerPool['request']>) => new Response((await p).body).text();

it('moves the neighbours of a guest stuck in a loop to a free worker', async () => {
  // Placement takes the worker with the fewest instances: a and c share one, b has the other.
  for (const id of ['a', 'b', 'c']) await pool.instantiate(spec(id), component);
  const deadline = new Cancellation();
  const looping = pool.request('a', get('/loop'), deadline);
  expect(await text(pool.request('c', get('/')))).toBe('Hello c!\n');
  deadline.cancel(Object.assign(new Error('request timeout: timeoutSeconds passed'), { name: 'TimeoutError' }));
  await expect(looping).rejects.toBeInstanceOf(GuestFailure);
  expect(await text(pool.request('a', get('/')))).toBe('Hello a!\n');
  expect(await text(pool.request('b', get('/')))).toBe('Hello b!\n');
});
