import { join } from 'node:path';
import { MemoryBus, SqliteStore, imageWithDigest, silentLogger, subjects, systemClock } from '@kedge/core';
import type { Revision, StartInstanceReply } from '@kedge/core';
import { createRunner, type Runner } from '../runner.js';

export interface LoneRunnerOptions {
  /** The component, stored as the blob the revision's image names by digest. */
  component: Uint8Array;
  /** The image's name before its digest (the component's file name). */
  imageName: string;
  /** The guest's TARGET (the hello component answers `Hello TARGET!`). */
  target: string;
  /** A temp dir: the store and the runner's data go under it; the caller removes it. */
  dir: string;
  /** Where the runner's HTTP entry is served (its endpoints name it). */
  url: string;
}

/**
 * A runner alone — no gateway, no autoscaler, no API — on a MemoryBus and a SQLite store, with the
 * component as revision bench/hello-00001: what the benchmarks call "the instance called directly".
 */
export interface LoneRunner {
  store: SqliteStore;
  bus: MemoryBus;
  runner: Runner;
  revision: Revision;
  /** Starts an instance over the bus, as the autoscaler would (revision hello-00001 unless named). */
  startInstance(instanceId: string, opts?: { revision?: string; timeoutMs?: number }): Promise<StartInstanceReply>;
  stop(): Promise<void>;
}

export async function startLoneRunner(o: LoneRunnerOptions): Promise<LoneRunner> {
  const store = new SqliteStore(join(o.dir, 'store'), { clock: systemClock });
  const bus = new MemoryBus({ clock: systemClock, logger: silentLogger });
  const runner = createRunner({
    store,
    bus,
    clock: systemClock,
    logger: silentLogger,
    nodeId: 'bench',
    url: o.url,
    dataDir: join(o.dir, 'runner'),
  });
  await runner.start();
  const revision: Revision = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name: 'hello-00001', namespace: 'bench', labels: { 'serving.knative.dev/service': 'hello' } },
    spec: {
      containers: [
        {
          image: imageWithDigest(o.imageName, await store.blobs.put(o.component)),
          env: [{ name: 'TARGET', value: o.target }],
        },
      ],
    },
  };
  await store.create(revision);
  return {
    store,
    bus,
    runner,
    revision,
    startInstance: (instanceId, { revision = 'hello-00001', timeoutMs = 10_000 } = {}) =>
      bus.request<StartInstanceReply>(
        subjects.runnerStart('bench'),
        { namespace: 'bench', revision, instanceId },
        { timeoutMs },
      ),
    async stop() {
      await runner.stop();
      await bus.close();
      await store.close();
    },
  };
}
