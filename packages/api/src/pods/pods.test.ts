import { beforeEach, describe, expect, it } from 'vitest';
import { subjects, type EndpointsMessage, type NodeHeartbeat, type Revision } from '@kedge/core';
import { apiPerTest } from '../../test-support/harness.js';

const NS = 'example';
const env = apiPerTest('kedge-pods-test-');

const heartbeat = (instances: Record<string, string[]>, nodeId = 'node-a') => {
  const hb: NodeHeartbeat = {
    nodeId,
    url: 'http://runner',
    capacity: 10,
    instances,
    time: env.clock.now(),
    startedAt: 0,
    version: 't',
  };
  env.bus.publish(subjects.nodeHeartbeat, hb);
};
const endpoints = (revision: string, ids: string[], nodeId = 'node-a') => {
  const msg: EndpointsMessage = {
    namespace: NS,
    revision,
    nodeId,
    endpoints: ids.map((instanceId) => ({
      namespace: NS,
      revision,
      instanceId,
      nodeId,
      url: 'http://runner',
      concurrency: 0,
    })),
    time: env.clock.now(),
  };
  env.bus.publish(subjects.endpoints(NS, revision), msg);
};
/** Every bus message so far handled and mirrored into the Pods env.store. */
const settle = () => env.api.idle();
const get = async (path: string, init: RequestInit = {}) => {
  const res = await env.api.fetch(new Request(`http://api${path}`, init));
  return { status: res.status, body: (await res.json()) as any };
};

beforeEach(async () => {
  await env.store.create<Revision>({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      name: 'hello-00001',
      namespace: NS,
      labels: { 'serving.knative.dev/service': 'hello', 'serving.knative.dev/configuration': 'hello' },
    },
    spec: { containers: [{ image: 'hello.wasm@sha256:00' }] },
  });
});

describe('Pods: the live instance table as read-only v1 Pods', () => {
  it('shows an instance starting, ready, then gone, with labels, node and the Ready condition', async () => {
    heartbeat({ [`${NS}/hello-00001`]: ['hello-00001-aaaa1111'] });
    await settle();
    let pod = (await get(`/api/v1/namespaces/${NS}/pods/hello-00001-aaaa1111`)).body;
    expect(pod).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'hello-00001-aaaa1111',
        labels: {
          'serving.knative.dev/service': 'hello',
          'serving.knative.dev/configuration': 'hello',
          'serving.knative.dev/revision': 'hello-00001',
        },
      },
      spec: { nodeName: 'node-a' },
      status: {
        phase: 'Pending',
        startTime: '2026-01-01T00:00:00.000Z',
        containerStatuses: [{ ready: false, restartCount: 0 }],
      },
    });
    endpoints('hello-00001', ['hello-00001-aaaa1111']);
    await settle();
    pod = (await get(`/api/v1/namespaces/${NS}/pods/hello-00001-aaaa1111`)).body;
    expect(pod.status.phase).toBe('Running');
    expect(pod.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    // Label selectors and all namespaces, as kubectl get pods -l … -A asks.
    const listed = await get('/api/v1/pods?labelSelector=serving.knative.dev/service%3Dhello');
    expect(listed.body.items.map((p: any) => p.metadata.name)).toEqual(['hello-00001-aaaa1111']);
    expect((await get('/api/v1/pods?labelSelector=serving.knative.dev/service%3Dother')).body.items).toEqual([]);
    const table = await get(`/api/v1/namespaces/${NS}/pods`, {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    expect(table.body.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'Node',
    ]);
    expect(table.body.rows[0].cells.slice(0, 4)).toEqual(['hello-00001-aaaa1111', '1/1', 'Running', 0]);

    // Scale to zero: not ready, then no longer in its node's heartbeat.
    endpoints('hello-00001', []);
    heartbeat({});
    await settle();
    expect((await get(`/api/v1/namespaces/${NS}/pods`)).body.items).toEqual([]);
  });

  it('drops the instances of a node that went silent', async () => {
    endpoints('hello-00001', ['hello-00001-bbbb2222'], 'node-b');
    heartbeat({ [`${NS}/hello-00001`]: ['hello-00001-bbbb2222'] }, 'node-b');
    await settle();
    expect((await get(`/api/v1/namespaces/${NS}/pods`)).body.items).toHaveLength(1);
    env.clock.advance(7000);
    await settle();
    expect((await get(`/api/v1/namespaces/${NS}/pods`)).body.items).toEqual([]);
  });

  it('deleting a pod asks its runner to stop the instance; writes are refused', async () => {
    const stops: unknown[] = [];
    env.bus.subscribe(subjects.runnerStop('node-a'), (m) => {
      stops.push(m.data);
      m.respond?.({ ok: true });
    });
    heartbeat({ [`${NS}/hello-00001`]: ['hello-00001-cccc3333'] });
    endpoints('hello-00001', ['hello-00001-cccc3333']);
    await settle();
    const del = await get(`/api/v1/namespaces/${NS}/pods/hello-00001-cccc3333`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeDefined();
    expect(stops).toEqual([{ namespace: NS, revision: 'hello-00001', instanceId: 'hello-00001-cccc3333' }]);
    await settle();
    const table = await get(`/api/v1/namespaces/${NS}/pods`, {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    expect(table.body.rows[0].cells[2]).toBe('Terminating');
    heartbeat({});
    await settle();
    expect((await get(`/api/v1/namespaces/${NS}/pods`)).body.items).toEqual([]);
    expect((await get(`/api/v1/namespaces/${NS}/pods/nope`, { method: 'DELETE' })).status).toBe(404);
    const post = await get(`/api/v1/namespaces/${NS}/pods`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(405);
  });
});
