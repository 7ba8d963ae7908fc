import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, imageWithDigest, silentLogger, type Revision } from '@kedge/core';
import { WasmRuntime, type WasmRuntimeOptions } from '../runtimes/wasm/index.js';
import { ensureRunnerBuilt } from './components.js';

export interface WasmRuntimeFixture {
  dir: string;
  store: SqliteStore;
  runtime: WasmRuntime;
  /** Each guest's image reference (`name@sha256:…`), by the file name it was stored under. */
  images: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A WasmRuntime (its workers from the built runner) on a SqliteStore in a fresh temp directory, with
 * `guests` stored as blobs, as a deployed component would be.
 */
export async function openWasmRuntime(
  prefix: string,
  guests: Record<string, Uint8Array>,
  opts: Omit<WasmRuntimeOptions, 'store' | 'logger' | 'dataDir'>,
): Promise<WasmRuntimeFixture> {
  await ensureRunnerBuilt();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const store = new SqliteStore(join(dir, 'store'));
  const images: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(guests))
    images[name] = imageWithDigest(name, await store.blobs.put(bytes));
  const runtime = new WasmRuntime({ store, logger: silentLogger, dataDir: dir, ...opts });
  const close = async () => {
    await runtime.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, store, runtime, images, close };
}

/** A Revision of `image` in namespace test that keeps no warm instance (a test starts what it uses). */
export function wasmRevision(name: string, image: string, containerConcurrency?: number): Revision {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name, namespace: 'test', annotations: { 'kedge.dev/warm-instances': '0' } },
    spec: {
      containers: [{ image }],
      timeoutSeconds: 30,
      ...(containerConcurrency !== undefined ? { containerConcurrency } : {}),
    },
  };
}
