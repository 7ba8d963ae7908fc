import { randomUUID } from 'node:crypto';

import { join } from 'node:path';

import {
  type EndpointsMessage,
  MemoryBus,
  type NodeHeartbeat,
  type StatMessage,
  type Subscription,
  silentLogger,
  subjects,
  systemClock,
} from '@kedge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRunner } from '../../runner.js';
import { RunnerHarness } from '../../testing/harness.js';
import {
  BLOAT_GO_SRC,
  HELLOWORLD_GO_SRC,
  buildGoImage,
  containersLabelled,
  removeImages,
  requirePodman,
} from '../../testing/podman.js';
import { INSTANCE_LABEL } from './index.js';

// Real podman (and Go to build the images): the test fails, loudly, where they are missing.
const tag = randomUUID().slice(0, 8);
const HELLO = `localhost/kedge-test-helloworld-go:${tag}`;
const BLOAT = `localhost/kedge-test-bloat:${tag}`;

describe('container runtime on podman', () => {
  const h = new RunnerHarness();

  beforeAll(async () => {
    await requirePodman();
    await Promise.all([buildGoImage(HELLOWORLD_GO_SRC, HELLO), buildGoImage(BLOAT_GO_SRC, BLOAT)]);
    await h.setup();
  }, 600_000);

  afterAll(async () => {
    await h.teardown();
    await removeImages(HELLO, BLOAT);
  }, 60_000);

  it("runs an image with Knative's contract: PORT, K_*, env; keeps its output; stop removes the container", async () => {
    await h.revision('hello-00001', undefined, {}, { TARGET: 'Go Sample v1' }, { image: HELLO });
    expect(await h.waitHealth('hello-00001')).toMatchObject({ ready: true });
    const reply = await h.start('hello-00001', 'hello-a');
    expect(reply, reply.error).toMatchObject({ ok: true });
    expect(reply.timings).toHaveProperty('engineStart');
    const res = await h.dispatch('hello-00001', 'hello-a');
    expect(await res.text()).toBe('Hello Go Sample v1!\n');
    const logs = h.runner.logs('hello-a')!.map((l) => l.text);
    expect(logs.join('\n')).toMatch(/listening on port 8080/);
    expect(await containersLabelled(`${INSTANCE_LABEL}=hello-a`)).toHaveLength(1);
    // The HPA's cpu and memory: the container's cgroup counters ride on its stats.
    const used = await new Promise<StatMessage>((resolve) => {
      const sub = h.bus.subscribe<StatMessage>(subjects.metrics('test', 'hello-00001'), (m) => {
        if (m.data.source !== 'hello-a' || !m.data.cpuMs || !m.data.memoryBytes) return;
        sub.unsubscribe();
        resolve(m.data);
      });
    });
    expect(used.cpuMs).toBeGreaterThan(0);
    // A Go hello's working set is a few MiB: more than an empty cgroup's, which would mean a wrong one.
    expect(used.memoryBytes).toBeGreaterThan(256 * 1024);
    await h.stop('hello-00001', 'hello-a');
    await expect.poll(() => containersLabelled(`${INSTANCE_LABEL}=hello-a`), { timeout: 20_000 }).toEqual([]);
  }, 60_000);

  it('command, args and env reach the container; a readiness probe on a path gates the start', async () => {
    await h.revision(
      'bloat-00001',
      undefined,
      {},
      {},
      {
        image: BLOAT,
        command: ['/app'],
        ports: [{ containerPort: 9000 }],
        readinessProbe: { httpGet: { path: '/' } },
      },
      { 'kedge.dev/runtime': 'container' },
    );
    const reply = await h.start('bloat-00001', 'bloat-p');
    expect(reply, reply.error).toMatchObject({ ok: true });
    expect(await (await h.dispatch('bloat-00001', 'bloat-p')).text()).toBe('ok bloat-00001\n');
    await h.stop('bloat-00001', 'bloat-p');
  }, 60_000);

  it('a container over its memory limit is killed and leaves the endpoints; its neighbour serves on', async () => {
    await h.revision('oom-00001', undefined, {}, {}, { image: BLOAT, resources: { limits: { memory: '48Mi' } } });
    const [a, b] = await Promise.all([h.start('oom-00001', 'oom-a'), h.start('oom-00001', 'oom-b')]);
    expect(a.ok && b.ok, a.error ?? b.error).toBe(true);
    const gone = new Promise<EndpointsMessage>((resolve) => {
      const sub: Subscription = h.bus.subscribe<EndpointsMessage>(subjects.endpoints('test', 'oom-00001'), (m) => {
        if (m.data.endpoints.length !== 1) return;
        sub.unsubscribe();
        resolve(m.data);
      });
    });
    const killed = await h.dispatch('oom-00001', 'oom-a', '/?bloat=200');
    expect(killed.status).toBe(502);
    expect((await gone).endpoints.map((e) => e.instanceId)).toEqual(['oom-b']);
    expect(await (await h.dispatch('oom-00001', 'oom-b')).text()).toBe('ok oom-00001\n');
    await expect.poll(() => containersLabelled(`${INSTANCE_LABEL}=oom-a`), { timeout: 20_000 }).toEqual([]);
    await h.stop('oom-00001', 'oom-b');
  }, 60_000);

  it('offers containers in its heartbeat once the engine answered', async () => {
    const beats: NodeHeartbeat[] = [];
    const sub = h.bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => void beats.push(m.data));
    await expect.poll(() => beats.at(-1)?.runtimes, { timeout: 5000 }).toEqual(['wasm', 'process', 'container']);
    sub.unsubscribe();
  });

  it("a node's next start removes the containers a crashed run of it left behind", async () => {
    await h.revision('left-00001', undefined, {}, {}, { image: HELLO });
    expect(await h.start('left-00001', 'left-a')).toMatchObject({ ok: true });
    expect(await containersLabelled(`${INSTANCE_LABEL}=left-a`)).toHaveLength(1);
    // The same node (id and data dir) starting again, as after a crash of the first.
    const again = createRunner({
      store: h.store,
      bus: new MemoryBus(),
      clock: systemClock,
      logger: silentLogger,
      nodeId: h.nodeId,
      url: 'http://127.0.0.1:0',
      dataDir: join(h.dir, 'runner'),
      workers: 1,
    });
    await again.start();
    try {
      await expect.poll(() => containersLabelled(`${INSTANCE_LABEL}=left-a`), { timeout: 20_000 }).toEqual([]);
    } finally {
      await again.stop();
    }
  }, 60_000);

  it('a missing image: Ready=False with what to do, by imagePullPolicy', async () => {
    await h.revision('missing-00001', undefined, {}, {}, { image: `localhost/kedge-no-such-image:${tag}` });
    expect(await h.waitHealth('missing-00001')).toMatchObject({
      ready: false,
      reason: 'ErrImagePull',
      message: expect.stringMatching(
        /is not in podman's image store on runner node-test and could not be pulled .*build it there/,
      ),
    });
    await h.revision(
      'never-00001',
      undefined,
      {},
      {},
      { image: `localhost/kedge-no-such-image:${tag}`, imagePullPolicy: 'Never' },
    );
    expect(await h.waitHealth('never-00001')).toMatchObject({ ready: false, reason: 'ErrImageNeverPull' });
    const reply = await h.start('never-00001', 'never-a');
    expect(reply).toMatchObject({ ok: false, error: expect.stringMatching(/^ErrImageNeverPull: /) });
  }, 60_000);
});

describe('a runner without a container engine', () => {
  const h = new RunnerHarness();
  beforeAll(() => h.setup({ containerEngine: null }));
  afterAll(() => h.teardown());

  it('says so on the revision, refuses starts, and does not offer containers in its heartbeat', async () => {
    const beats: unknown[] = [];
    h.bus.subscribe(subjects.nodeHeartbeat, (m) => void beats.push(m.data));
    await h.revision('c-00001', undefined, {}, {}, { image: 'localhost/helloworld-go' });
    expect(await h.waitHealth('c-00001')).toMatchObject({
      ready: false,
      reason: 'ContainerEngineMissing',
      message: expect.stringContaining('runner node-test has no container engine to run "localhost/helloworld-go"'),
    });
    expect(await h.start('c-00001', 'c-a')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^ContainerEngineMissing/),
    });
    await expect.poll(() => beats.length, { timeout: 3000 }).toBeGreaterThan(0);
    expect(beats.at(-1)).toMatchObject({ runtimes: ['wasm', 'process'] });
  });
});
