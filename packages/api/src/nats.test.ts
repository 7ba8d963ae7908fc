import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  connectNatsBus,
  connectNatsStore,
  silentLogger,
  systemClock,
  type AnyResource,
  type Kind,
  type NatsBus,
  type NatsStore,
} from '@kedge/core';
import { reportRevisionsLoaded, startNatsServer, type NatsServer } from '@kedge/core/testing';
import { createApi, type Api } from './index.js';

// The distributed shape: Store = JetStream KV (asynchronous watch), Bus = NATS. Same API, same reconcilers.
let dir: string;
let nats: NatsServer;
let store: NatsStore;
let bus: NatsBus;
let api: Api;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kedge-api-nats-'));
  nats = await startNatsServer();
  store = await connectNatsStore({ servers: nats.url, cacheDir: join(dir, 'blobs'), logger: silentLogger });
  bus = await connectNatsBus({ servers: nats.url, logger: silentLogger });
  api = createApi({ store, bus, clock: systemClock, logger: silentLogger });
  reportRevisionsLoaded(store, bus, systemClock);
  await api.start();
}, 30_000);

afterAll(async () => {
  await api?.stop();
  await bus?.close();
  await store?.close();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the first object of that kind/name the watch shows matching `pred`. */
function waitFor(kind: 'Service' | 'Revision', name: string, pred: (o: any) => boolean): Promise<AnyResource> {
  return new Promise((resolve) => {
    const stop = store.watch({ kind, namespace: 'example' }, (ev) => {
      if (ev.type !== 'DELETED' && ev.object.metadata.name === name && pred(ev.object)) {
        queueMicrotask(() => stop());
        resolve(ev.object);
      }
    });
  });
}

/**
 * Resolves once `kind/name` is absent. Background deletion is eventual: a reconciler busy with the
 * owner when it was deleted may create the child again, and the owner GC then deletes that orphan.
 */
function gone(kind: Kind, name: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () =>
      void store.get(kind, 'example', name).then((o) => {
        if (!o) {
          queueMicrotask(() => stop());
          resolve();
        }
      });
    const stop = store.watch({ kind, namespace: 'example', onSynced: check }, (ev) => {
      if (ev.type === 'DELETED' && ev.object.metadata.name === name) check();
    });
  });
}

const ready = (o: any) =>
  o.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') &&
  o.status.observedGeneration === o.metadata.generation;

it('brings a Service to Ready on the NATS store and cascades its deletion', async () => {
  const up = await api.fetch(
    new Request('http://api/apis/kedge.dev/v1/blobs', {
      method: 'PUT',
      body: new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]),
    }),
  );
  const { digest } = (await up.json()) as { digest: string };
  const res = await api.fetch(
    new Request('http://api/apis/serving.knative.dev/v1/namespaces/example/services', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name: 'hello' },
        spec: { template: { spec: { containers: [{ image: `h.wasm@${digest}` }] } } },
      }),
    }),
  );
  expect(res.status).toBe(201);
  const svc = (await waitFor('Service', 'hello', ready)) as any;
  expect(svc.status.url).toBe('http://hello.example.example.com');
  expect(svc.status.traffic).toEqual([{ revisionName: 'hello-00001', latestRevision: true, percent: 100 }]);
  expect(await store.get('PodAutoscaler', 'example', 'hello-00001')).toBeDefined();

  const del = await api.fetch(
    new Request('http://api/apis/serving.knative.dev/v1/namespaces/example/services/hello', { method: 'DELETE' }),
  );
  expect(del.status).toBe(200);
  for (const [kind, name] of [
    ['Configuration', 'hello'],
    ['Route', 'hello'],
    ['Revision', 'hello-00001'],
    ['PodAutoscaler', 'hello-00001'],
  ] as const) {
    await gone(kind, name);
    expect(await store.get(kind, 'example', name), `${kind} ${name}`).toBeUndefined();
  }
}, 30_000);

it('answers names the KV store cannot hold with 400, not 500 (names are checked before the store)', async () => {
  for (const name of ['..%2F..%2Fx', 'h%C3%A9']) {
    for (const method of ['GET', 'DELETE', 'PATCH'] as const) {
      const res = await api.fetch(
        new Request(`http://api/apis/serving.knative.dev/v1/namespaces/example/services/${name}`, {
          method,
          ...(method === 'PATCH' ? { headers: { 'content-type': 'application/merge-patch+json' }, body: '{}' } : {}),
        }),
      );
      expect(res.status, `${method} ${name}`).toBe(400);
    }
  }
  const cm = await api.fetch(new Request('http://api/api/v1/namespaces/knative-serving/configmaps/h%C3%A9'));
  expect(cm.status).toBe(400);
}, 30_000);

it('retries a PATCH without a resourceVersion on conflict: 10 concurrent patches all answer 200', async () => {
  const base = 'http://api/api/v1/namespaces/example/configmaps';
  const created = await api.fetch(
    new Request(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patched' }, data: {} }),
    }),
  );
  expect(created.status).toBe(201);
  const codes = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      api
        .fetch(
          new Request(`${base}/patched`, {
            method: 'PATCH',
            headers: { 'content-type': 'application/merge-patch+json' },
            body: JSON.stringify({ data: { [`k${i}`]: 'v' } }),
          }),
        )
        .then((r) => r.status),
    ),
  );
  expect(codes).toEqual(Array(10).fill(200));
  const stored = (await store.get('ConfigMap', 'example', 'patched')) as { data: Record<string, string> };
  expect(Object.keys(stored.data)).toHaveLength(10);
}, 30_000);
