import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cancellation, SqliteStore, imageWithDigest, silentLogger, type Revision } from '@kedge/core';
import { buildTestGuest, ensureRunnerBuilt } from '../../testing/components.js';
import { WasmRuntime } from './index.js';

let dir: string;
let store: SqliteStore;
let runtime: WasmRuntime;
let image: string;

beforeAll(async () => {
  await ensureRunnerBuilt();
  dir = await mkdtemp(join(tmpdir(), 'kedge-evict-'));
  store = new SqliteStore(join(dir, 'store'));
  image = imageWithDigest('guest.wasm', await store.blobs.put(await buildTestGuest()));
  runtime = new WasmRuntime({ store, logger: silentLogger, dataDir: dir, workers: 1, spares: 0 });
});
afterAll(async () => {
  await runtime?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const revision = (name: string): Revision => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: { name, namespace: 'test', annotations: { 'kedge.dev/warm-instances': '0' } },
  spec: { containers: [{ image }], timeoutSeconds: 30 },
});

const hello = async (inst: { handle(r: Request, c: Cancellation): Promise<Response> }) =>
  (await inst.handle(new Request('http://x/'), new Cancellation())).text();

it('lets a compiled component go once the last revision using it is released and its instances are gone', async () => {
  const [a, b] = [revision('a-00001'), revision('b-00001')];
  await runtime.prepare(a);
  await runtime.prepare(b);
  const ia = await runtime.start(a, 'ia', {});
  const ib = await runtime.start(b, 'ib', {});
  expect(await hello(ia)).toBe('Hello World!\n');
  expect(runtime.cache.size).toBe(1);
  expect(runtime.pool.loadedKeys().size).toBe(1);

  // b still uses the component.
  runtime.release(a);
  await ia.stop();
  expect(runtime.cache.size).toBe(1);
  expect(await hello(ib)).toBe('Hello World!\n');

  // b released, but its instance still serves until it is stopped.
  runtime.release(b);
  expect(runtime.cache.size).toBe(0);
  expect(await hello(ib)).toBe('Hello World!\n');
  expect(runtime.pool.loadedKeys().size).toBe(1);
  await ib.stop();
  expect(runtime.pool.loadedKeys().size).toBe(0);

  // Deployed again: compiled again (from the disk cache) and sent to the worker again.
  const a2 = revision('a-00001');
  await runtime.prepare(a2);
  const again = await runtime.start(a2, 'ia2', {});
  expect(await hello(again)).toBe('Hello World!\n');
  expect(runtime.cache.size).toBe(1);
  expect(runtime.pool.loadedKeys().size).toBe(1);
  await again.stop();
});
