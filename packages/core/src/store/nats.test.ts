import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import type { AnyResource } from '../resources/types.js';
import { startNatsServer, type NatsServer } from '../testing/nats-server.js';
import { connectNatsStore, type NatsStore } from './nats.js';
import { storeContract } from './store.contract.js';
import type { WatchEvent } from './store.js';

let server: NatsServer;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kedge-blobcache-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  server = await startNatsServer({ jetstream: true });
});
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let buckets = 0;
storeContract('NatsStore', async () => {
  // A bucket per test keeps tests apart on one server; each open() gets its own blob cache, so a
  // reopened store proves the blob came back from the Object Store.
  const n = ++buckets;
  return {
    open: () =>
      connectNatsStore({
        servers: server.url,
        bucket: `kedge-t${n}`,
        blobBucket: `kedge-blobs-t${n}`,
        cacheDir: tempDir(),
      }),
    cleanup: async () => undefined,
  };
});

const svc = (name: string): AnyResource =>
  ({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { containers: [{ image: 'x.wasm' }] } } },
  }) as unknown as AnyResource;

describe('NatsStore specifics', () => {
  it('finishes every listing while the listed key is rewritten (nats-server 2.9 miscounts pending)', async () => {
    const store = await connectNatsStore({ servers: server.url, bucket: 'kedge-pending', cacheDir: tempDir() });
    try {
      await store.create(svc('one'));
      const cm = (i: number): AnyResource =>
        ({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `c${i}`, namespace: 'other' },
          data: {},
        }) as AnyResource;
      for (let i = 0; i < 100; i++) {
        const one = (await store.get('Service', 'default', 'one'))!;
        const [, , listed] = await Promise.all([
          store.create(cm(i)),
          store.update({ ...one, metadata: { ...one.metadata, labels: { i: String(i) } } }),
          store.list('Service', { namespace: 'default' }),
        ]);
        expect(listed.items.map((o) => o.metadata.name)).toEqual(['one']);
      }
    } finally {
      await store.close();
    }
  });

  it('keeps names with dots distinct and rejects ones that cannot be keys', async () => {
    const store = await connectNatsStore({ servers: server.url, bucket: 'kedge-dots', cacheDir: tempDir() });
    try {
      await store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'a.b', namespace: 'default' },
        data: {},
      });
      await store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'a', namespace: 'default' },
        data: {},
      });
      expect((await store.get('ConfigMap', 'default', 'a.b'))?.metadata.name).toBe('a.b');
      expect((await store.list('ConfigMap', { namespace: 'default' })).items.map((o) => o.metadata.name)).toEqual([
        'a',
        'a.b',
      ]);
      const err = await store.create(svc('bad name')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).message).toMatch(/^metadata\.name: /);
    } finally {
      await store.close();
    }
  });

  it('caches a fetched blob locally by digest', async () => {
    const writer = await connectNatsStore({ servers: server.url, bucket: 'kedge-cache', cacheDir: tempDir() });
    const cacheDir = tempDir();
    const reader = await connectNatsStore({ servers: server.url, bucket: 'kedge-cache', cacheDir });
    try {
      const digest = await writer.blobs.put(new TextEncoder().encode('wasm bytes'));
      expect(readdirSync(cacheDir)).toEqual([]);
      expect(await reader.blobs.has(digest)).toBe(true);
      expect(new TextDecoder().decode((await reader.blobs.get(digest))!)).toBe('wasm bytes');
      expect(readdirSync(cacheDir)).toEqual([digest.slice('sha256:'.length)]);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('survives a nats-server restart: data kept, watch resumes, writes work again', async () => {
    const store: NatsStore = await connectNatsStore({
      servers: server.url,
      bucket: 'kedge-restart',
      cacheDir: tempDir(),
    });
    try {
      const before = await store.create(svc('before'));
      const digest = await store.blobs.put(new TextEncoder().encode('blob'));
      const events: WatchEvent[] = [];
      let wake: (() => void) | undefined;
      let synced!: () => void;
      const isSynced = new Promise<void>((r) => (synced = r));
      const stop = store.watch({ kind: 'Service', onSynced: synced }, (ev) => {
        events.push(ev);
        wake?.();
      });
      await isSynced;
      await server.restart();
      // Writes fail while the client reconnects; a controller retries, and so does this test.
      let after: AnyResource | undefined;
      while (!after) after = await store.create(svc('after')).catch(() => undefined);
      while (!events.some((e) => e.object.metadata.name === 'after')) await new Promise<void>((r) => (wake = r));
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED before', 'ADDED after']);
      expect(await store.get('Service', 'default', 'before')).toEqual(before);
      expect(new TextDecoder().decode((await store.blobs.get(digest))!)).toBe('blob');
      stop();
    } finally {
      await store.close();
    }
  });

  it('a watch on another connection ends at the last write of every key under concurrent writers', async () => {
    const watcher = await connectNatsStore({ servers: server.url, bucket: 'kedge-concurrent', cacheDir: tempDir() });
    const writer = await connectNatsStore({ servers: server.url, bucket: 'kedge-concurrent', cacheDir: tempDir() });
    try {
      const seen = new Map<string, string>();
      const finals = new Map<string, string>();
      let check: (() => void) | undefined;
      let synced!: () => void;
      const isSynced = new Promise<void>((r) => (synced = r));
      const stop = watcher.watch({ onSynced: synced }, (ev) => {
        seen.set(
          `${ev.object.kind}/${ev.object.metadata.name}`,
          ev.type === 'DELETED' ? 'gone' : ev.object.metadata.resourceVersion!,
        );
        check?.();
      });
      await isSynced;
      await Promise.all(
        [...Array(20).keys()].map(async (i) => {
          let o = await writer.create(svc(`s${i}`));
          for (let j = 0; j < 10; j++)
            o = await writer.update({ ...o, status: { observedGeneration: j } } as AnyResource);
          if (i % 5 === 0) {
            await writer.delete('Service', 'default', `s${i}`);
            finals.set(`Service/s${i}`, 'gone');
          } else finals.set(`Service/s${i}`, o.metadata.resourceVersion!);
        }),
      );
      const matches = () => [...finals].every(([k, v]) => seen.get(k) === v);
      await new Promise<void>((resolve) => {
        check = () => matches() && resolve();
        check();
      });
      expect(matches()).toBe(true);
      stop();
    } finally {
      await watcher.close();
      await writer.close();
    }
  });
});
