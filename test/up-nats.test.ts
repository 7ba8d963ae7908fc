import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startNatsServer } from '@kedge/core/testing';
import { ROOT, kedge, pickPorts, request, startKedge, tempDir, waitForObject, type KedgeProcess } from './harness.js';

type Nats = Awaited<ReturnType<typeof startNatsServer>>;

describe('kedge up --nats: every role in one process on a real nats-server', () => {
  const tmp = tempDir('kedge-up-nats-');
  let nats: Nats;
  let proc: KedgeProcess;

  beforeAll(async () => {
    nats = await startNatsServer({ jetstream: true });
    proc = await startKedge({ ports: await pickPorts(), dataDir: join(tmp.dir, 'data'), extra: ['--nats', nats.url] });
  });

  afterAll(async () => {
    await proc?.stop();
    await nats?.stop();
    tmp.cleanup();
  });

  it('stores in JetStream, serves the hello example from zero and keeps it across a restart of kedge', async () => {
    expect(proc.output()).toContain(`backend  NATS ${nats.url}`);
    const applied = await kedge(['apply', '-f', join(ROOT, 'examples/helloworld/service.yaml')], proc.creds);
    expect(applied.stderr).toBe('');
    await waitForObject(
      proc.apiUrl,
      '/apis/serving.knative.dev/v1/namespaces/example/services',
      'helloworld',
      (s: any) => s.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
    );
    const res = await request(proc.gatewayUrl, 'helloworld.example.example.com');
    expect(res.status).toBe(200);
    expect(res.body).toBe('Hello Kedge!\n');

    expect(await proc.stop()).toBe(0);
    proc = await startKedge({ ports: await pickPorts(), dataDir: join(tmp.dir, 'data2'), extra: ['--nats', nats.url] });
    const list = await kedge(['get', 'ksvc', '-n', 'example', '-o', 'json'], proc.creds);
    expect(JSON.parse(list.stdout).items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual([
      'helloworld',
    ]);
  });
});
