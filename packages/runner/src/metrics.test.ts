import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ManualClock,
  MemoryBus,
  SqliteStore,
  imageWithDigest,
  silentLogger,
  subjects,
  type EndpointsMessage,
  type NodeHeartbeat,
  type StartInstanceReply,
  type StatMessage,
} from '@kedge/core';
import { createRunner, type Runner } from './runner.js';
import { buildTestGuest, ensureRunnerBuilt } from './testing/components.js';

let dir: string;
let store: SqliteStore;
let runner: Runner;
const clock = new ManualClock(1_000_000);
const bus = new MemoryBus();

beforeAll(async () => {
  await ensureRunnerBuilt();
  dir = await mkdtemp(join(tmpdir(), 'kedge-runner-metrics-'));
  store = new SqliteStore(join(dir, 'store'));
  runner = createRunner({
    store,
    bus,
    clock,
    logger: silentLogger,
    nodeId: 'n1',
    url: 'http://127.0.0.1:1',
    dataDir: join(dir, 'runner'),
    workers: 1,
    spareWorkers: 0,
  });
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

it('reports each instance once a second (activator traffic marked) and heartbeats the node', async () => {
  const image = imageWithDigest('g.wasm', await store.blobs.put(await buildTestGuest()));
  await store.create({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name: 'm-00001', namespace: 'ns' },
    spec: { containers: [{ image }] },
  });
  const reply = await bus.request<StartInstanceReply>(
    subjects.runnerStart('n1'),
    { namespace: 'ns', revision: 'm-00001', instanceId: 'i1' },
    { timeoutMs: 20_000 },
  );
  expect(reply.ok).toBe(true);
  const stats: StatMessage[] = [];
  const beats: NodeHeartbeat[] = [];
  bus.subscribe<StatMessage>(subjects.metrics('ns', 'm-00001'), (m) => void stats.push(m.data));
  bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => void beats.push(m.data));
  // The tick that passes right after start cuts a period with nothing in it.
  clock.advance(1000);
  const target = { namespace: 'ns', revision: 'm-00001', instanceId: 'i1' };
  await (await runner.dispatcher.dispatch(target, new Request('http://m/'))).text();
  await (await runner.dispatcher.dispatch(target, new Request('http://m/'), { fromActivator: true })).text();
  clock.advance(1000);
  await bus.flush();
  await new Promise((r) => setImmediate(r));
  const last = stats.at(-1)!;
  expect(last).toMatchObject({
    namespace: 'ns',
    revision: 'm-00001',
    source: 'i1',
    requestCount: 2,
    proxiedRequestCount: 1,
  });
  expect(beats.at(-1)).toMatchObject({ nodeId: 'n1', capacity: 1000, instances: { 'ns/m-00001': ['i1'] } });
});

it('answers an endpoints resync with what the node hosts', async () => {
  const got = new Promise<EndpointsMessage>((resolve) => {
    const sub = bus.subscribe<EndpointsMessage>(subjects.endpoints('ns', 'm-00001'), (m) => {
      sub.unsubscribe();
      resolve(m.data);
    });
  });
  bus.publish(subjects.endpointsResync, { gatewayId: 'g-new', time: clock.now() });
  expect((await got).endpoints.map((e) => e.instanceId)).toEqual(['i1']);
});

it("reports each instance's guest call time and linear memory with its stats (the HPA's cpu and memory)", async () => {
  const stats: StatMessage[] = [];
  const sub = bus.subscribe<StatMessage>(subjects.metrics('ns', 'm-00001'), (m) => void stats.push(m.data));
  const report = async () => {
    clock.advance(1000);
    await bus.flush();
    await new Promise((r) => setImmediate(r));
    return stats.at(-1)!;
  };
  const target = { namespace: 'ns', revision: 'm-00001', instanceId: 'i1' };
  const before = await report();
  await (await runner.dispatcher.dispatch(target, new Request('http://m/spin'))).text();
  const spun = await report();
  // /spin counts down from 30 million inside the guest: its call time is all guest CPU.
  expect(spun.cpuMs! - (before.cpuMs ?? 0)).toBeGreaterThan(1);
  expect(spun.memoryBytes).toBeGreaterThanOrEqual(65536);
  await (await runner.dispatcher.dispatch(target, new Request('http://m/grow'))).text();
  const grown = await report();
  expect(grown.memoryBytes).toBeGreaterThan(spun.memoryBytes!);
  sub.unsubscribe();
});
