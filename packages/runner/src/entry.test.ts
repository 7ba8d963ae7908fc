import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_TOKEN_HEADER,
  INSTANCE_HEADER,
  MemoryBus,
  PROCESS_REVISIONS_FEATURE,
  SqliteStore,
  SYSTEM_NAMESPACE,
  type ConfigMap,
  silentLogger,
  subjects,
  systemClock,
  type Revision,
  type StartInstanceReply,
} from '@kedge/core';
import { createRunner, type Runner } from './runner.js';

const TOKEN = 'runner-entry-test-token-0123456789';

describe("runner's HTTP entry: the cluster's gateways only", () => {
  let dir: string;
  let store: SqliteStore;
  let runner: Runner;
  const bus = new MemoryBus();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kedge-entry-'));
    store = new SqliteStore(join(dir, 'store'), { clock: systemClock });
    // The last case runs a process revision, which the runner starts only with the gate open.
    await store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-features', namespace: SYSTEM_NAMESPACE },
      data: { [PROCESS_REVISIONS_FEATURE]: 'enabled' },
    } as ConfigMap);
    runner = createRunner({
      store,
      bus,
      clock: systemClock,
      logger: silentLogger,
      nodeId: 'n1',
      url: 'http://127.0.0.1:0',
      dataDir: join(dir, 'runner'),
      workers: 1,
      clusterToken: TOKEN,
    });
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await bus.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (headers: Record<string, string>) =>
    runner.fetch(new Request('http://runner/', { headers: { [INSTANCE_HEADER]: 'i1', ...headers } }));

  it('answers 401 JSON without the cluster token and 403 JSON with a wrong one, before looking at the instance', async () => {
    const none = await call({});
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/json');
    expect(await none.json()).toMatchObject({
      error: 'Unauthorized',
      message: expect.stringContaining(CLUSTER_TOKEN_HEADER),
    });
    for (const wrong of ['', 'nope', TOKEN.slice(1), `${TOKEN}x`]) {
      const res = await call({ [CLUSTER_TOKEN_HEADER]: wrong });
      expect(res.status, JSON.stringify(wrong)).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'Forbidden' });
    }
  });

  it('serves a request carrying the token (here: the instance is not on this node)', async () => {
    const res = await call({ [CLUSTER_TOKEN_HEADER]: TOKEN });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'InstanceNotFound' });
  });

  it('passes a request with the token on without it: the app never sees the cluster secret', async () => {
    // A process revision that answers with the kedge-* headers it received.
    const script = `require('http').createServer((q, s) => s.end(Object.keys(q.headers).filter((k) => k.startsWith('kedge-')).sort().join(',') || 'none'))
      .listen(process.env.PORT, '127.0.0.1')`;
    const rev: Revision = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'hdr-00001', namespace: 'test' },
      spec: { containers: [{ image: 'x', command: ['node', '-e', script] }], timeoutSeconds: 30 },
    };
    await store.create(rev);
    const reply = await bus.request<StartInstanceReply>(
      subjects.runnerStart('n1'),
      { namespace: 'test', revision: 'hdr-00001', instanceId: 'h1' },
      { timeoutMs: 20_000 },
    );
    expect(reply.ok).toBe(true);
    const res = await runner.fetch(
      new Request('http://runner/', { headers: { [INSTANCE_HEADER]: 'h1', [CLUSTER_TOKEN_HEADER]: TOKEN } }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('none');
  });
});
