import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cancellation } from '@kedge/core';
import { buildTestGuest } from '../../testing/components.js';
import { openWasmRuntime, wasmRevision, type WasmRuntimeFixture } from '../../testing/wasm-runtime.js';
import type { WasmRuntime } from './index.js';

let fixture: WasmRuntimeFixture;
let runtime: WasmRuntime;

beforeAll(async () => {
  fixture = await openWasmRuntime('kedge-evict-', { 'guest.wasm': await buildTestGuest() }, { workers: 1, spares: 0 });
  runtime = fixture.runtime;
});
afterAll(() => fixture?.close());

const revision = (name: string) => wasmRevision(name, fixture.images['guest.wasm']!);

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
